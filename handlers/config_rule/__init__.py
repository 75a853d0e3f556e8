"""AWS Config custom rule Lambda for the guardrail catalogue; the account reading and judging it shares with the
audit are in ``detective``."""
