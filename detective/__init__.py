"""What the two detective points share (the audit, ``tools/audit.py``, and the AWS Config rule Lambda,
``handlers/config_rule``): reading an account into facts (``scan``, ``cloudfront``), judging them with the rule
catalogue and the pack config's exemptions (``evaluation``), retrying AWS calls (``retries``), and acting in
another account through a role there (``accounts``).

It imports boto3 and the rule catalogue (``guardrails``), never Pulumi; the rule Lambda ships it next to its handler.
"""
