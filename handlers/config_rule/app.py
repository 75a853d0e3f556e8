"""AWS Config custom rule Lambda: one guardrail of the catalogue per Config rule, judged on deployed resources.

Handler string: ``handlers.config_rule.app.handler``. The archive ships ``handlers/`` and the catalogue at its
root (``guardrails/``), so the rule code is the very code the policy pack runs.

Which guardrail: the Config rule's name is the guardrail id, optionally after the prefix in the environment
variable ``CONFIG_RULE_NAME_PREFIX`` (``governance-lambda-required-layer``). Its parameters are the Config rule's
InputParameters, with the same names as in the pack config (``{"minimumLayerVersion": "3", ...}``).

Messages:

* ``ConfigurationItemChangeNotification``: judge the item; exactly one evaluation.
* ``OversizedConfigurationItemChangeNotification``: fetch the item from the configuration history, then as above.
* ``ScheduledNotification``: sweep the account for the guardrail's resource kinds with the audit's scanner
  (what configuration items lack: code signing configs, API routes and authorizers, new parameter values) and
  report every resource, in PutEvaluations batches of at most 100.

Exemptions: the ``exemptions`` InputParameter (a JSON list string; the pack config's entries) applies as in the
policy pack: an exempted resource is NOT_APPLICABLE with the exemption's reason and expiry as annotation; an
expired exemption is NON_COMPLIANT ("expired exemption: ...", then the rule's own annotation if it fails too).

A deleted resource (or one that left the rule's scope) is NOT_APPLICABLE. A bad parameter or an unknown rule
name is logged as an error naming the key, value and what is allowed, and the invocation returns normally, so
AWS Config's asynchronous retries do not turn a configuration mistake into a crash loop.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional, Sequence

import boto3
from botocore.config import Config

from company_observability import instrumented, logger
from guardrails import exemptions as ex
from guardrails.adapters import config_item
from guardrails.model import ANNOTATION_LIMIT, Inventory, Rule, Status, Verdict
from handlers.config_rule import evaluation, inventory, params

BATCH = 100  # PutEvaluations accepts at most 100 evaluations per call
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10})
# Clients at module scope (no network at import); the handler's collaborators are injectable for tests.
CONFIG = boto3.client("config", config=RETRIES)
LAMBDA = boto3.client("lambda", config=RETRIES)
IAM = boto3.client("iam", config=RETRIES)

_COMPLIANCE = {
    Status.COMPLIANT: "COMPLIANT",
    Status.NON_COMPLIANT: "NON_COMPLIANT",
    Status.NOT_APPLICABLE: "NOT_APPLICABLE",
    # AWS Config has no "unknown" a custom rule may report (INSUFFICIENT_DATA is refused by PutEvaluations).
    # In an account every value is known, so this only happens when a rule needs data no source has; it is
    # reported as NOT_APPLICABLE with the reason, and logged as a warning.
    Status.UNKNOWN: "NOT_APPLICABLE",
}


class RuleSetupError(ValueError):
    """The event names no known guardrail, or its parameters are invalid."""


def catalogue_rules() -> Sequence[Rule]:
    from guardrails import catalogue

    return list(catalogue.RULES.values())


def find_rule(config_rule_name: str, rules: Sequence[Rule], prefix: Optional[str] = None) -> Rule:
    """The guardrail a Config rule name stands for (``<prefix><rule id>``)."""
    prefix = os.environ.get("CONFIG_RULE_NAME_PREFIX", "") if prefix is None else prefix
    wanted = config_rule_name[len(prefix):] if prefix and config_rule_name.startswith(prefix) else config_rule_name
    for rule in rules:
        if rule.id == wanted:
            return rule
    known = ", ".join(sorted(r.id for r in rules))
    raise RuleSetupError(f"Config rule {config_rule_name!r} (prefix {prefix!r}) names no guardrail; "
                         f"the rule name must be the prefix followed by one of: {known}")


def annotation(text: str) -> str:
    """An annotation AWS Config accepts: at most 256 characters."""
    return text if len(text) <= ANNOTATION_LIMIT else text[: ANNOTATION_LIMIT - 1] + "…"


def to_evaluation(resource_type: str, resource_id: str, verdict: Verdict, timestamp: str) -> dict:
    """A PutEvaluations entry for one verdict."""
    message = verdict.message
    if verdict.status == Status.UNKNOWN:
        message = f"not evaluated: {message}"
    entry = {
        "ComplianceResourceType": resource_type,
        "ComplianceResourceId": resource_id,
        "ComplianceType": _COMPLIANCE[verdict.status],
        "OrderingTimestamp": timestamp,
    }
    if message:
        entry["Annotation"] = annotation(message)
    return entry


class RuleRunner:
    """Evaluates Config events for a set of rules with the given clients (module clients in Lambda)."""

    def __init__(self, rules: Sequence[Rule], config_client=None, lambda_client=None, iam_client=None,
                 session=None, test_mode: bool = False) -> None:
        self.rules = rules
        self.config = config_client or CONFIG
        self.lambda_ = lambda_client or LAMBDA
        self.iam = iam_client or IAM
        self.session = session
        self.test_mode = test_mode

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, event: Mapping[str, Any]) -> dict:
        try:
            rule = find_rule(event["configRuleName"], self.rules)
            rule_params = params.parse_input_parameters(rule, event.get("ruleParameters"))
            exemptions = params.parse_exemptions(rule, event.get("ruleParameters"))
            on = evaluation.today()
        except (RuleSetupError, params.ParameterError, ex.ExemptionError, ValueError) as error:
            # Logged, not raised: a raise would make AWS Config retry the same bad set-up again and again.
            logger.error("config rule set-up error", error=str(error), config_rule=event.get("configRuleName"),
                         rule_parameters=event.get("ruleParameters"))
            return {"status": "SETUP_ERROR", "error": str(error), "evaluations": 0}

        invoking = json.loads(event["invokingEvent"])
        message_type = invoking.get("messageType")
        token = event["resultToken"]
        if message_type == "ConfigurationItemChangeNotification":
            item = invoking["configurationItem"]
            evaluations = [self.evaluate_item(rule, rule_params, item, event.get("eventLeftScope", False),
                                              exemptions, on)]
        elif message_type == "OversizedConfigurationItemChangeNotification":
            item = self.fetch_item(invoking["configurationItemSummary"])
            evaluations = [self.evaluate_item(rule, rule_params, item, event.get("eventLeftScope", False),
                                              exemptions, on)]
        elif message_type == "ScheduledNotification":
            evaluations = self.sweep(rule, rule_params, invoking["notificationCreationTime"], exemptions, on)
        else:
            logger.error("unsupported message type", message_type=message_type)
            return {"status": "IGNORED", "messageType": message_type, "evaluations": 0}
        self.put(evaluations, token)
        logger.info("evaluated", rule=rule.id, message_type=message_type, evaluations=len(evaluations),
                    non_compliant=sum(1 for e in evaluations if e["ComplianceType"] == "NON_COMPLIANT"))
        return {"status": "OK", "messageType": message_type, "evaluations": len(evaluations)}

    # -- change-triggered ---------------------------------------------------------------------------------------

    def fetch_item(self, summary: Mapping[str, Any]) -> dict:
        """The full configuration item behind an oversized notification, from the configuration history."""
        response = self.config.get_resource_config_history(
            resourceType=summary["resourceType"], resourceId=summary["resourceId"],
            laterTime=summary["configurationItemCaptureTime"], limit=1,
        )
        items = response.get("configurationItems") or []
        if not items:
            raise LookupError(f"no configuration history for {summary['resourceType']} {summary['resourceId']}")
        item = config_item.normalise_item(items[0])
        # The history omits nothing we use, but its status is the one at capture time; keep the summary's.
        item["configurationItemStatus"] = summary.get("configurationItemStatus", item.get("configurationItemStatus"))
        return item

    def evaluate_item(self, rule: Rule, rule_params: Mapping, item: Mapping[str, Any], left_scope: bool,
                      exemptions: Sequence[ex.Exemption] = (), on=None) -> dict:
        """Exactly one evaluation for the resource of a configuration item (``exemptions`` as of ``on``)."""
        ci = config_item.normalise_item(item)
        resource_type, resource_id = ci["resourceType"], ci["resourceId"]
        timestamp = ci["configurationItemCaptureTime"]
        status = ci.get("configurationItemStatus")
        if status in config_item.DELETED_STATUSES:
            return to_evaluation(resource_type, resource_id, Verdict(Status.NOT_APPLICABLE, "resource deleted"),
                                 timestamp)
        if left_scope:
            return to_evaluation(resource_type, resource_id,
                                 Verdict(Status.NOT_APPLICABLE, "resource left the rule's scope"), timestamp)
        facts = config_item.facts_from_item(ci)
        if not evaluation.applies(rule, facts):
            return to_evaluation(resource_type, resource_id,
                                 Verdict(Status.NOT_APPLICABLE, f"{rule.id} does not evaluate {resource_type}"),
                                 timestamp)
        result = evaluation.evaluate(rule, facts, rule_params, Inventory([facts]), exemptions, on)
        if result.verdict.status == Status.UNKNOWN:
            # The item lacks something this rule reads: fetch only that, once, and judge again.
            facts = self.complete(ci)
            result = evaluation.evaluate(rule, facts, rule_params, Inventory([facts]), exemptions, on)
        verdict = result.single_verdict()
        if result.verdict.status == Status.UNKNOWN:
            logger.warning("rule could not judge the item", rule=rule.id, resource_id=resource_id,
                           reason=verdict.message)
        return to_evaluation(resource_type, resource_id, verdict, timestamp)

    def complete(self, ci: Mapping[str, Any]):
        """Facts with what the configuration item lacks fetched by API (code signing, managed policies)."""
        kind = config_item.kind_of(ci["resourceType"])
        if kind.name == "FUNCTION":
            name = config_item.lookup(ci["configuration"], "functionName") or ci["resourceName"]
            arn = self.lambda_.get_function_code_signing_config(FunctionName=name).get("CodeSigningConfigArn")
            return config_item.facts_from_item(ci, code_signing_config_arn=arn or None)
        if kind.name == "ROLE":
            documents = {}
            for policy_arn in config_item.customer_managed_policy_arns(ci):
                version = self.iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
                documents[policy_arn] = self.iam.get_policy_version(
                    PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
            return config_item.facts_from_item(ci, managed_policy_documents=documents)
        return config_item.facts_from_item(ci)

    # -- periodic -----------------------------------------------------------------------------------------------

    def sweep(self, rule: Rule, rule_params: Mapping, timestamp: str, exemptions: Sequence[ex.Exemption] = (),
              on=None) -> list:
        """One evaluation per resource of the rule's kinds in this account and region (``exemptions`` applied)."""
        session = self.session or boto3.Session()
        scanner = inventory.AccountScanner(session, session.region_name or os.environ["AWS_REGION"], workers=4)
        # Only what this rule judges or looks up: a sweep for one rule never pays for the others' calls.
        subjects = scanner.collect(inventory.kinds_for([rule]))
        by_ref = {s.facts.resource.ref: s for s in subjects}
        results = evaluation.judge_all([rule], {rule.id: rule_params}, subjects, fetch=scanner.enrich_all,
                                       exemptions={rule.id: exemptions}, on=on)
        entries = []
        for result in results:
            subject = by_ref.get(result.facts.resource.ref)
            resource_type, resource_id = inventory.config_identity(result.facts, subject)
            entries.append(to_evaluation(resource_type, resource_id, result.single_verdict(), timestamp))
        return entries

    # -- reporting ----------------------------------------------------------------------------------------------

    def put(self, evaluations: Sequence[dict], token: str) -> None:
        """PutEvaluations in batches of at most 100; entries Config reports as failed are sent again (once)."""
        for start in range(0, len(evaluations), BATCH):
            batch = list(evaluations[start:start + BATCH])
            for _attempt in range(3):
                response = self.config.put_evaluations(Evaluations=batch, ResultToken=token, TestMode=self.test_mode)
                failed = response.get("FailedEvaluations") or []
                if not failed:
                    break
                keys = {(f["ComplianceResourceType"], f["ComplianceResourceId"]) for f in failed}
                batch = [e for e in batch if (e["ComplianceResourceType"], e["ComplianceResourceId"]) in keys]
            else:
                raise RuntimeError(f"AWS Config refused {len(batch)} evaluation(s) three times: {batch[:3]}")


@instrumented
def handler(event: Mapping[str, Any], context: Any) -> dict:
    """Lambda entry point for every guardrail's Config rule."""
    return RuleRunner(catalogue_rules()).handle(event)
