"""Exemptions (and the governance roles selector) hold only where their scope says: stack + project at preview,
account + region in an account. Nothing a resource's own program sets (its name elsewhere, a tag) widens them."""
from __future__ import annotations

import pytest

from guardrails.exemptions import Scope, parse, parse_selector
from guardrails.model import Kind, Resource, Unknown

ACCOUNT, OTHER_ACCOUNT, REGION = "123456789012", "210987654321", "eu-west-1"
SCOPE = {"stack": "billing-dev", "project": "serverless-governance", "account": ACCOUNT, "region": REGION}


def at_preview(name, stack="billing-dev", project="serverless-governance", tags=None):
    urn = f"urn:pulumi:{stack}::{project}::serverless-governance:governed:Function$aws:lambda/function:Function::{name}"
    return Resource(Kind.FUNCTION, urn, name, "aws:lambda/function:Function", tags or {}, region=REGION)


def in_account(name, account=ACCOUNT, region=REGION, tags=None):
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return Resource(Kind.FUNCTION, arn, name, "AWS::Lambda::Function", tags or {}, region=region, account=account)


def role_in_account(name, account=ACCOUNT):
    return Resource(Kind.ROLE, f"arn:aws:iam::{account}:role/{name}", name, "AWS::IAM::Role", {}, region=None,
                    account=account)


def matches(selector: dict, resource: Resource) -> bool:
    return parse_selector("test", selector).matches(resource)


@pytest.mark.parametrize("resource,expected", [
    (at_preview("legacy-billing"), True),
    (at_preview("legacy-billing", stack="orders-dev"), False),  # same name, another stack
    (at_preview("legacy-billing", project="other-project"), False),  # same stack name, another project
    (at_preview("billing"), False),
    (in_account("legacy-billing-1a2b3c4"), True),  # the AWS name carries Pulumi's random suffix
    (in_account("legacy-billing-1a2b3c4", account=OTHER_ACCOUNT), False),
    (in_account("legacy-billing-1a2b3c4", region="us-east-1"), False),
    (role_in_account("legacy-billing-role"), True),  # IAM is global: the account alone scopes a role
    (role_in_account("legacy-billing-role", account=OTHER_ACCOUNT), False),
])
def test_a_name_glob_holds_only_in_its_stack_and_account(resource, expected):
    assert matches({"scope": SCOPE, "name": "legacy-*"}, resource) is expected


def test_a_scope_naming_only_one_place_never_matches_at_the_other():
    preview_only = {"scope": {"stack": "billing-dev", "project": "serverless-governance"}, "name": "legacy-*"}
    account_only = {"scope": {"account": ACCOUNT, "region": REGION}, "name": "legacy-*"}
    assert (matches(preview_only, at_preview("legacy-x")), matches(preview_only, in_account("legacy-x"))) == (True, False)
    assert (matches(account_only, at_preview("legacy-x")), matches(account_only, in_account("legacy-x"))) == (False, True)


def test_urn_applies_at_preview_and_arn_in_the_account():
    both = {"scope": SCOPE, "urn": "*::legacy-*", "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:legacy-*"}
    assert matches(both, at_preview("legacy-x")) and matches(both, in_account("legacy-x"))
    # Every key that applies where the resource is judged must match: name and urn together at preview.
    narrow = {"scope": SCOPE, "urn": "*Function::legacy-*", "name": "legacy-a*"}
    assert [matches(narrow, at_preview(n)) for n in ("legacy-ab", "legacy-b")] == [True, False]


def test_a_tag_only_narrows_and_an_unknown_tag_never_matches():
    selector = {"scope": SCOPE, "name": "*", "tag": "exempt=yes"}
    assert matches(selector, at_preview("fn", tags={"exempt": "yes"}))
    assert not matches(selector, at_preview("fn", tags={"exempt": "no"}))
    assert not matches(selector, at_preview("fn", tags={"exempt": Unknown("tags.exempt")}))
    assert not matches(selector, at_preview("fn", stack="orders-dev", tags={"exempt": "yes"}))
    assert matches({"scope": SCOPE, "name": "*", "tag": "exempt"}, in_account("fn", tags={"exempt": "anything"}))


def test_each_exemption_is_named_in_reports():
    first, second = parse("sns-encryption", [
        {"id": "public-feed", "scope": SCOPE, "name": "feed-*", "reason": "public data", "expires": "2027-01-31"},
        {"scope": {"account": ACCOUNT, "region": REGION}, "arn": "arn:aws:sns:*", "tag": "data=public",
         "reason": "public", "expires": "2027-01-31"},
    ])
    assert first.describe() == "exempted by public-feed (name=feed-*) until 2027-01-31: public data"
    assert second.describe() == ("exempted by sns-encryption#1 (arn=arn:aws:sns:*, tag=data=public) until "
                                 "2027-01-31: public")
    assert (first.selector.scope, second.selector.scope) == (Scope(**SCOPE), Scope(account=ACCOUNT, region=REGION))
