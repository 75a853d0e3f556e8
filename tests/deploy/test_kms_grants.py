"""KMS: a role's key grant is enough only if the key policy delegates to IAM; services that deliver into
encrypted topics and queues need the key policy itself.

The per-role grants are checked for every example stack in test_effective_permissions.py
(``test_every_principal_of_an_encrypted_resource_has_the_key_grants``); this checks the key policy's side.
"""
from __future__ import annotations

import pytest

from components.governed.role import KEY_ACTIONS, key_statement
from components.platform.policies import DELIVERY_SERVICES, key_policy


def statements(partition="aws", account="123456789012", region="us-east-1") -> dict:
    return {s["Sid"]: s for s in key_policy(partition, account, region)["Statement"]}


def test_the_key_policy_delegates_to_iam_so_role_policies_grant_key_use():
    # "Allows access to the AWS account and enables IAM policies": without it a role's kms: grant is ignored.
    assert statements()["AccountAdministersThroughIam"] == {
        "Sid": "AccountAdministersThroughIam", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
    assert all(s["Effect"] == "Allow" for s in statements().values())  # nothing in the key policy denies a role


def test_services_that_deliver_into_encrypted_topics_and_queues_are_admitted_for_this_account_only():
    delivery = statements()["ServiceDeliveriesOfThisAccount"]
    assert delivery["Principal"] == {"Service": list(DELIVERY_SERVICES)}
    assert set(DELIVERY_SERVICES) >= {"cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"}
    assert delivery["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert delivery["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_key_grants_by_access():
    assert KEY_ACTIONS == {"read": ("kms:Decrypt",), "write": ("kms:Decrypt", "kms:GenerateDataKey")}
    assert key_statement("arn:aws:kms:us-east-1:1:key/k", "read", sid="K") == {
        "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": ["arn:aws:kms:us-east-1:1:key/k"], "Sid": "K"}
    with pytest.raises(ValueError, match="key_statement: access 'admin' must be one of read, write"):
        key_statement("arn:aws:kms:us-east-1:1:key/k", "admin")
