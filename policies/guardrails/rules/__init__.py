"""One module per rule; each defines ``RULE``. ``guardrails.catalogue`` collects them."""
