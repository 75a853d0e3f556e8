"""One strict parser for pack configs: the file reader, the pack and the Config rule give the same one-line error.

Each bad input is tried three ways: ``pack_config.load`` on a file (the preview, the audit and the platform stack
read pack configs with it), the pack's own per-policy settings (``pack._settings``, what CrossGuard's Configure
feeds) and the Config rule Lambda's handler with the entry as AWS Config passes InputParameters (every value a
string; the exemptions list as a JSON string).
"""
from __future__ import annotations

import json

import pack as pack_module
import pytest

from guardrails import catalogue, exemptions, pack_config
from handlers.config_rule import app, params
from tools.analyzer_client import StackResource

SCOPE = {"stack": "orders-dev", "project": "serverless-governance"}
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:company-observability"
OK = {"allowedLayerArns": [LAYER], "minimumLayerVersion": 12}


def exemption(**fields):
    return {"scope": SCOPE, "name": "legacy-*", "reason": "migration", "expires": "2027-06-30", **fields}


def without(entry: dict, key: str) -> dict:
    return {k: v for k, v in entry.items() if k != key}


R = "rule lambda-required-layer"
E = f"{R}: exemptions[0]"
# (rule entry for lambda-required-layer, the message every path gives)
BAD = [
    # Integers: ASCII digits only, as JSON writes them (int() also takes "9_000", " 9" and Arabic-Indic digits).
    ({**OK, "minimumLayerVersion": "9_000"}, f"{R}: parameter minimumLayerVersion='9_000' is invalid: expected an integer"),
    ({**OK, "minimumLayerVersion": "\u0669"}, f"{R}: parameter minimumLayerVersion='\u0669' is invalid: expected an integer"),
    ({**OK, "minimumLayerVersion": " 9"}, f"{R}: parameter minimumLayerVersion=' 9' is invalid: expected an integer"),
    ({**OK, "minimumLayerVersion": 0}, f"{R}: parameter minimumLayerVersion=0 is invalid: the minimum is 1"),
    # Schema patterns are ECMA-262: \d is an ASCII digit, so an account id in Arabic-Indic digits is refused.
    ({**OK, "allowedLayerArns": [LAYER.replace("123456789012", "\u0661" * 12)]},
     f"{R}: parameter allowedLayerArns[0]='{LAYER.replace('123456789012', chr(0x661) * 12)}' is invalid: must match "
     + catalogue.get("lambda-required-layer").parameters["properties"]["allowedLayerArns"]["items"]["pattern"]),
    ({**OK, "minimumVersion": 3}, f"{R}: unknown parameter(s) minimumVersion; allowed: allowedLayerArns, "
                                  "minimumLayerVersion"),
    # Dates: exactly YYYY-MM-DD (date.fromisoformat also takes 20271231).
    ({**OK, "exemptions": [exemption(expires="20271231")]},
     f"{E}.expires='20271231' is invalid: expected a date YYYY-MM-DD"),
    ({**OK, "exemptions": [exemption(expires="2027-02-30")]},
     f"{E}.expires='2027-02-30' is invalid: expected a date YYYY-MM-DD"),
    # Match keys are non-empty strings: a list used to be turned into the glob "['a']" and exempt nothing.
    ({**OK, "exemptions": [exemption(name=["a"])]}, f"{E}.name=['a'] is invalid: expected a non-empty string"),
    ({**OK, "exemptions": [exemption(reason=" ")]}, f"{E}.reason=' ' is invalid: expected a non-empty string"),
    ({**OK, "exemptions": [exemption(id="a b")]},
     f"{E}.id='a b' is invalid: letters, digits, '.', '_' and '-' only"),
    ({**OK, "exemptions": [exemption(id="x"), exemption(id="x")]},
     f"{R}: exemptions[1].id='x' is invalid: ids must be unique within a rule"),
    ({**OK, "exemptions": [exemption(match="x")]},
     f"{E}: unknown key(s) match; allowed: scope, name, urn, arn, tag, id, reason, expires"),
    # Scope: required, in pairs, exact values.
    ({**OK, "exemptions": [without(exemption(), "scope")]},
     f"{E}: scope is required: stack + project (preview) and/or account + region (in an account); without one it "
     "would hold in every stack and account"),
    ({**OK, "exemptions": [exemption(scope={"stack": "orders-dev"})]},
     f"{E}.scope: stack needs project too (stack + project name one place)"),
    ({**OK, "exemptions": [exemption(scope={"account": "12345", "region": "eu-west-1"})]},
     f"{E}.scope.account='12345' is invalid: expected 12 digits (an AWS account id)"),
    ({**OK, "exemptions": [exemption(scope={"account": "123456789012", "region": "Europe"})]},
     f"{E}.scope.region='Europe' is invalid: expected an AWS region such as eu-west-1"),
    ({**OK, "exemptions": [exemption(scope={**SCOPE, "org": "acme"})]},
     f"{E}.scope: unknown key(s) org; allowed: stack, project, account, region"),
    # What it matches: a tag only narrows; a key must apply in a place the scope names.
    ({**OK, "exemptions": [without(exemption(tag="team=legacy"), "name")]},
     f"{E}: give name, urn or arn (a tag only narrows them: an application team sets its own tags, so a tag alone "
     "would let it exempt any resource)"),
    ({**OK, "exemptions": [without(exemption(arn="arn:aws:lambda:*"), "name")]},
     f"{E}: scope names a stack but only arn is given, which applies in an account; add name or urn, or drop "
     "stack and project"),
]


@pytest.mark.parametrize("entry,message", BAD, ids=[m.split(" is invalid")[0][-60:] for _, m in BAD])
def test_the_file_reader_names_the_file_rule_key_value_and_what_is_allowed(tmp_path, entry, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"lambda-required-layer": {"enforcementLevel": "mandatory", **entry}}))
    with pytest.raises(pack_config.PackConfigError) as error:
        pack_config.load(path)
    assert str(error.value) == f"pack config {path}: {message}"


@pytest.mark.parametrize("entry,message", BAD, ids=[m.split(" is invalid")[0][-60:] for _, m in BAD])
def test_the_pack_and_the_config_rule_give_the_same_error(entry, message):
    rule = catalogue.get("lambda-required-layer")
    with pytest.raises((catalogue.ParameterError, exemptions.ExemptionError)) as error:
        pack_module._settings(rule, entry)
    assert str(error.value) == message

    # AWS Config passes every InputParameters value as a string.
    input_parameters = {k: v if isinstance(v, str) else json.dumps(v) for k, v in entry.items()}
    if isinstance(entry.get("minimumLayerVersion"), str):
        # A string where the pack config wants a number is refused there; as an InputParameter it is the normal
        # form, so the same text must be refused for what it says.
        input_parameters["minimumLayerVersion"] = entry["minimumLayerVersion"]
    runner = app.RuleRunner([rule], config_client=None, lambda_client=None, iam_client=None)
    result = runner.handle({"configRuleName": "lambda-required-layer", "ruleParameters": json.dumps(input_parameters),
                            "invokingEvent": "{}", "resultToken": "t"})
    assert result == {"status": "SETUP_ERROR", "error": message, "evaluations": 0}


def test_the_config_rule_reads_input_parameter_strings_as_json_would():
    rule = catalogue.get("lambda-required-layer")
    assert params.resolve(rule, {"allowedLayerArns": f"{LAYER},{LAYER}2", "minimumLayerVersion": "+12"}) == {
        "allowedLayerArns": [LAYER, f"{LAYER}2"], "minimumLayerVersion": 12}
    tls = catalogue.get("api-custom-domain-tls")
    assert params.resolve(tls, {"requireMutualTls": "true"})["requireMutualTls"] is True
    with pytest.raises(catalogue.ParameterError) as error:
        params.resolve(tls, {"requireMutualTls": "True"})
    assert str(error.value) == "rule api-custom-domain-tls: parameter requireMutualTls='True' is invalid: expected a boolean"


@pytest.mark.parametrize("document,message", [
    ({"lambda-layer": "mandatory"}, "unknown rule id 'lambda-layer'; known rules: " + ", ".join(sorted(catalogue.RULES))),
    ({"all": "block"}, "all='block' is invalid: allowed: advisory, mandatory, remediate, disabled"),
    ({"sns-encryption": "strict"},
     "rule sns-encryption: enforcement level='strict' is invalid: allowed: advisory, mandatory, remediate, disabled"),
    ({"sns-encryption": {"enforcementLevel": "on"}},
     "rule sns-encryption: enforcementLevel='on' is invalid: allowed: advisory, mandatory, remediate, disabled"),
    ({"sns-encryption": 1}, "rule sns-encryption: 1 is invalid: expected an enforcement level (advisory, mandatory, "
                            "remediate, disabled) or an object"),
    ({"code-signing-config-enforce": {"allowWarn": "true"}},
     "rule code-signing-config-enforce: parameter allowWarn='true' is invalid: expected a boolean"),
    ({"iam-permissions-boundary": {"allowedBoundaryArns": ["arn:aws:iam::123456789012:policy/b"],
                                   "governanceRoles": [{"name": "platform-*"}]}},
     "rule iam-permissions-boundary: parameter governanceRoles[0]: scope is required: stack + project (preview) "
     "and/or account + region (in an account); without one it would hold in every stack and account"),
])
def test_the_whole_document_is_validated(tmp_path, document, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    with pytest.raises(pack_config.PackConfigError) as error:
        pack_config.load(path, shown_as="config.json")
    assert str(error.value) == f"config.json: {message}"


@pytest.mark.parametrize("name", ["config.dev.json", "config.prod.json"])
def test_the_example_pack_configs_are_valid(name):
    document = pack_config.load(pack_module.__file__.replace("pack.py", name))
    assert document["iam-permissions-boundary"]["allowedBoundaryArns"] == [
        "arn:aws:iam::123456789012:policy/company-workload-boundary"]


def test_a_bad_exemption_reaches_the_real_pack_as_a_configuration_error(pack):
    """Through CrossGuard's Configure and Analyze, as `pulumi preview` runs it (numbers arrive as floats there,
    hence a string date here)."""
    entry, message = BAD[8]  # "name": ["a"]
    pack.configure({"lambda-required-layer": entry})
    # lambda-required-layer is a stack rule (an edge function is known from its distribution): AnalyzeStack.
    urn = "urn:pulumi:orders-dev::serverless-governance::aws:lambda/function:Function::legacy-fn"
    result = pack.analyze_stack([StackResource("aws:lambda/function:Function", "legacy-fn", urn,
                                               {"runtime": "python3.12"})]).for_policy("lambda-required-layer")
    assert [d.message for d in result.diagnostics] == [
        f"Lambda functions use the company layer at a minimum version\nconfiguration error: {message}"]
