"""One fixture file per rule of the catalogue, named after the rule's module: test_<rule module>.py.

Each file defines RULE_ID, ENGINE_CASES (variant -> Case), ACCOUNT_CASES (adapter -> variant -> AccountCase) and
NOT_REPRESENTABLE ((adapter, outcome) -> why it cannot arise), and runs them with the checks of
tests/policies/rule_cases.py. A new rule is one new file (start from a rule of the same kind);
tests/policies/test_rule_fixtures.py fails until it exists and covers every outcome or says why not.
"""
