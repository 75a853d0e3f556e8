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

No stale verdicts (issue 18). After judging what exists, a sweep reads what the rule last reported
(GetComplianceDetailsByConfigRule, every page, COMPLIANT and NON_COMPLIANT as rdklib does: a NOT_APPLICABLE verdict
claims nothing, and reading those too would re-send every resource ever deleted on every sweep) and reports each
resource it no longer finds NOT_APPLICABLE ("resource no longer exists: ..."), in the same batches. Only what the
sweep could have seen is closed: a result of a type it did not read in full (a listing or a resource's reads in the
scanner's ``unread``) is left as it is, so a fault is never shown as a deletion, and so is a result newer than the
sweep (a resource created and evaluated while the sweep ran). This covers the kinds AWS Config does not record
(routes, authorizers, ...: the sweep is their only source) and also the recorded ones, whose verdicts may come from
change notifications: Config sends ResourceDeleted for those (judged NOT_APPLICABLE "resource deleted" below, and then
no longer read), but a missed or failed deletion event would otherwise leave its verdict for good. A sweep that finds
nothing in scope (and failed to read nothing) still calls PutEvaluations once, with an empty list and the result
token, as rdklib does, so AWS Config records that the rule ran.

Faults lose only what they touch (issue 10):

* Every AWS call retries on its own (``retries.RetryPolicy``: bounded attempts, jittered backoff, no shared
  quota). A sweep reads until the invocation's remaining time (``context.get_remaining_time_in_millis()``) less
  a reserve for delivery; what still cannot be read is logged and NOT evaluated (no evaluation is sent, so AWS
  Config keeps the last one), never a fake COMPLIANT. Everything that was read is evaluated and delivered.
* Delivery: each batch is sent once; only the entries Config reports in ``FailedEvaluations`` are sent again
  (a few times, with backoff). A batch Config refuses as a whole is split until the entry it refuses stands
  alone. An entry that cannot be delivered, or a failure report that names no entry of the batch, is logged as
  undeliverable; nothing is dropped quietly and later batches are still sent.
* The invocation returns ``{"status": "OK" | "INCOMPLETE", "messageType", "evaluations" (delivered),
  "notEvaluated", "undeliverable"}``; a sweep adds ``"staleCleared"`` (how many resources no longer there it
  reported NOT_APPLICABLE, part of ``evaluations``) when there are any, and ``"staleNotCleared"`` (why, status
  INCOMPLETE) when the last verdicts could not be read after their retries or before the read deadline: the
  evaluations of what exists are delivered all the same. An empty closing call that cannot be delivered counts
  as one undeliverable.
* Items that cannot be read do not crash the handler (a crash would make AWS Config retry the same event): a
  function deleted before it was evaluated is NOT_APPLICABLE ("resource deleted"); a customer managed policy
  deleted since the item was recorded is left out of the role's policies (IAM deletes only detached policies);
  an oversized notification whose history item is gone, or a read that fails after its retries, is a logged
  skip (status INCOMPLETE, ``notEvaluated`` 1).

Organisation rules: with ``MEMBER_ROLE_NAME`` set (the platform's ``configRulesScope: organization``), an event
about another account (its ``accountId``) is handled in that account through ``role/<MEMBER_ROLE_NAME>``
(``MemberSessions``): the sweep's reads, PutEvaluations (a result token is valid in its account only) and the
last-verdict reads; the exemptions parameter is still read here. A role that cannot be assumed is a set-up error.

Exemptions: the rule's list in the SSM parameter the platform stack publishes (named by the environment variable
``EXEMPTIONS_PARAMETER``; every rule's ``exemptions`` from the pack config, read at most once per
``EXEMPTIONS_TTL`` seconds per execution environment so a changed list reaches warm functions), together with an
``exemptions`` InputParameter (a JSON list string) if the Config rule has one, apply as in the policy pack: an
exempted resource is NOT_APPLICABLE with the exemption's reason and expiry as annotation; an expired exemption is
NON_COMPLIANT ("expired exemption: ...", then the rule's own annotation if it fails too). A parameter that is
missing, cannot be read or holds a bad entry is a set-up error (below), never "no exemptions".

A deleted resource (or one that left the rule's scope) is NOT_APPLICABLE. A bad parameter, an unknown rule name or
an exemptions parameter that cannot be used is logged as an error naming the key, value and what is allowed, and
the invocation returns normally, so AWS Config's asynchronous retries do not turn a configuration mistake into a
crash loop.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Optional

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from company_observability import instrumented, logger
from detective import accounts, errors, evaluation, recorded, retries, scan
from guardrails import exemptions as ex
from guardrails.adapters import config_item, describe
from guardrails.model import ANNOTATION_LIMIT, Inventory, Rule, Status, Verdict
from handlers.config_rule import params
from handlers.config_rule.params import MEMBER_ROLE_ENV

BATCH = 100  # PutEvaluations accepts at most 100 evaluations per call
PUT_ROUNDS = 4  # sends of an entry Config reports as failed before it is reported undeliverable
RESERVE_SECONDS = 10.0  # of a sweep's remaining time, kept for delivering what was read
SWEEP_WORKERS = 4
# Clients at module scope (no network at import); the handler's collaborators are injectable for tests.
POLICY = retries.RetryPolicy()
CONFIG = POLICY.attach(boto3.client("config", config=retries.client_config()))
LAMBDA = POLICY.attach(boto3.client("lambda", config=retries.client_config()))
IAM = POLICY.attach(boto3.client("iam", config=retries.client_config()))
SSM = POLICY.attach(boto3.client("ssm", config=retries.client_config()))
STS = POLICY.attach(boto3.client("sts", config=retries.client_config()))
MEMBER_SESSION_SECONDS = 3600  # credentials asked for; renewed with more than one invocation's time (600 s) left
MEMBER_RENEW_SECONDS = 900
EXEMPTIONS_TTL = 300.0  # seconds a read of the exemptions parameter is reused by a warm execution environment
LAST_VERDICTS_PAGE = 100  # GetComplianceDetailsByConfigRule returns at most 100 results a page
STALE_COMPLIANCE = ["COMPLIANT", "NON_COMPLIANT"]  # the verdicts a sweep closes when their resource is gone
GONE = "resource no longer exists: the periodic sweep of {when} did not find it"

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


class PublishedExemptions:
    """The SSM parameter holding the pack config's exemptions (``params.parse_published_exemptions``), read again
    when the last successful read is ``ttl`` seconds old; a failed read is never cached."""

    def __init__(self, name: str, client=None, ttl: float = EXEMPTIONS_TTL, clock=time.monotonic) -> None:
        self.name = name
        self.client = client or SSM
        self.ttl = ttl
        self.clock = clock
        self._value: Optional[str] = None
        self._read_at = 0.0

    def value(self) -> str:
        now = self.clock()
        if self._value is None or now - self._read_at >= self.ttl:
            where = f"exemptions parameter {self.name} (${params.EXEMPTIONS_PARAMETER_ENV})"
            try:
                self._value = self.client.get_parameter(Name=self.name)["Parameter"]["Value"]
            except ClientError as error:
                if _code(error) == "ParameterNotFound":
                    raise RuleSetupError(f"{where} does not exist; the platform stack creates it") from None
                raise RuleSetupError(f"{where} cannot be read: {errors.describe_error(error)}") from None
            except BotoCoreError as error:
                raise RuleSetupError(f"{where} cannot be read: {errors.describe_error(error)}") from None
            self._read_at = now
        return self._value

    def for_rule(self, rule: Rule) -> list:
        """The rule's exemptions (``[]`` when the pack config gives it none)."""
        return params.parse_published_exemptions(rule, self.value(), self.name)


_PUBLISHED: dict = {}  # parameter name -> PublishedExemptions: one cache per execution environment


def published_exemptions() -> Optional[PublishedExemptions]:
    """The exemptions parameter named by ``EXEMPTIONS_PARAMETER``; None when the variable is not set (a rule
    deployed without it takes its exemptions from InputParameters only)."""
    name = os.environ.get(params.EXEMPTIONS_PARAMETER_ENV)
    if not name:
        return None
    if name not in _PUBLISHED:
        _PUBLISHED[name] = PublishedExemptions(name)
    return _PUBLISHED[name]


class NotRead(Exception):
    """A configuration item or a detail it lacks could not be read: the item is not evaluated (logged)."""


class StaleNotRead(Exception):
    """What the rule last reported could not be read in full: no stale verdict is cleared this sweep."""


@dataclass(frozen=True)
class Coverage:
    """What a sweep could have seen: the resource types it read in full, and the identity (``_identity``) of every
    resource of them it found, evaluated or not."""

    types: frozenset
    seen: frozenset


def _identity(resource_type: str, resource_id: str) -> tuple:
    """One resource's identity in AWS Config (which may change the id's case)."""
    return str(resource_type).lower(), str(resource_id).lower()


def _key(entry: Mapping[str, Any]) -> tuple:
    """How a FailedEvaluations entry is matched to what was sent."""
    return _identity(entry.get("ComplianceResourceType", ""), entry.get("ComplianceResourceId", ""))


def _instant(text: Any) -> Optional[datetime]:
    """An ISO 8601 time (``notificationCreationTime``) as an aware datetime; None when it is not one."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _code(error: ClientError) -> str:
    return (error.response.get("Error") or {}).get("Code", "")


class RuleRunner:
    """Evaluates Config events for a set of rules with the given clients (module clients in Lambda)."""

    def __init__(self, rules: Sequence[Rule], config_client=None, lambda_client=None, iam_client=None,
                 session=None, test_mode: bool = False, policy: Optional[retries.RetryPolicy] = None,
                 published: Optional[PublishedExemptions] = None) -> None:
        self.rules = rules
        # The platform's exemptions parameter (default: the one $EXEMPTIONS_PARAMETER names, if set).
        self.published = published if published is not None else published_exemptions()
        self.config = config_client or CONFIG
        self.lambda_ = lambda_client or LAMBDA
        self.iam = iam_client or IAM
        self.session = session
        self.test_mode = test_mode
        self.policy = policy or POLICY  # backoff between PutEvaluations rounds

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, event: Mapping[str, Any], deadline: Optional[float] = None) -> dict:
        """Evaluate one Config event; ``deadline`` (``time.monotonic()``) is when the invocation ends."""
        try:
            rule = find_rule(event["configRuleName"], self.rules)
            rule_params = params.parse_input_parameters(rule, event.get("ruleParameters"))
            exemptions = params.parse_exemptions(rule, event.get("ruleParameters"))
            if self.published is not None:
                # Both sources apply (the union); the pack config's list first, so its entries name the match.
                exemptions = list(dict.fromkeys([*self.published.for_rule(rule), *exemptions]))
            on = ex.today()
        except (RuleSetupError, params.ParameterError, ex.ExemptionError, ValueError) as error:
            # Logged, not raised: a raise would make AWS Config retry the same bad set-up again and again.
            logger.error("config rule set-up error", error=str(error), config_rule=event.get("configRuleName"),
                         rule_parameters=event.get("ruleParameters"))
            return {"status": "SETUP_ERROR", "error": str(error), "evaluations": 0}

        invoking = json.loads(event["invokingEvent"])
        message_type = invoking.get("messageType")
        token = event["resultToken"]
        not_evaluated = 0
        if message_type in ("ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"):
            try:
                if message_type == "ConfigurationItemChangeNotification":
                    item = invoking["configurationItem"]
                else:
                    item = self.fetch_item(invoking["configurationItemSummary"])
                evaluations = [self.evaluate_item(rule, rule_params, item, event.get("eventLeftScope", False),
                                                  exemptions, on)]
            except NotRead as error:
                logger.error("configuration item not evaluated", rule=rule.id, message_type=message_type,
                             reason=str(error))
                evaluations, not_evaluated = [], 1
        elif message_type == "ScheduledNotification":
            read_deadline = None
            if deadline is not None:
                left = deadline - time.monotonic()
                read_deadline = deadline - min(RESERVE_SECONDS, max(left * 0.2, 0.0))
            timestamp = invoking["notificationCreationTime"]
            evaluations, not_evaluated, coverage = self.sweep(rule, rule_params, timestamp, exemptions, on,
                                                              read_deadline)
            stale: dict = {}
            if coverage is not None:
                try:
                    gone = self.stale(event["configRuleName"], coverage, timestamp, read_deadline)
                except (ClientError, BotoCoreError, StaleNotRead) as error:
                    reason = str(error) if isinstance(error, StaleNotRead) else errors.describe_error(error)
                    logger.error("stale verdicts not cleared: the rule's last verdicts could not be read",
                                 rule=rule.id, reason=reason)
                    stale["staleNotCleared"] = reason
                else:
                    if gone:
                        logger.info("resources no longer there reported NOT_APPLICABLE", rule=rule.id,
                                    count=len(gone), resource_ids=[e["ComplianceResourceId"] for e in gone[:20]])
                        stale["staleCleared"] = len(gone)
                    evaluations += gone
            if not evaluations and not not_evaluated:
                # Nothing in scope: one empty call with the token (as rdklib), so Config records that the rule ran.
                delivered, undeliverable = self._deliver([], token, deadline)
            else:
                delivered, undeliverable = self.put(evaluations, token, deadline)
            return self._finish(rule, message_type, evaluations, delivered, not_evaluated, undeliverable, stale)
        else:
            logger.error("unsupported message type", message_type=message_type)
            return {"status": "IGNORED", "messageType": message_type, "evaluations": 0}
        delivered, undeliverable = self.put(evaluations, token, deadline)
        return self._finish(rule, message_type, evaluations, delivered, not_evaluated, undeliverable)

    @staticmethod
    def _finish(rule: Rule, message_type: str, evaluations: Sequence[dict], delivered: int, not_evaluated: int,
                undeliverable: int, stale: Optional[Mapping[str, Any]] = None) -> dict:
        """The invocation's result (see the module docstring), logged."""
        stale = stale or {}
        logger.info("evaluated", rule=rule.id, message_type=message_type, evaluations=delivered,
                    non_compliant=sum(1 for e in evaluations if e["ComplianceType"] == "NON_COMPLIANT"),
                    not_evaluated=not_evaluated, undeliverable=undeliverable, **stale)
        complete = not (not_evaluated or undeliverable or "staleNotCleared" in stale)
        return {"status": "OK" if complete else "INCOMPLETE", "messageType": message_type, "evaluations": delivered,
                "notEvaluated": not_evaluated, "undeliverable": undeliverable, **stale}

    # -- change-triggered ---------------------------------------------------------------------------------------

    def fetch_item(self, summary: Mapping[str, Any]) -> dict:
        """The full configuration item behind an oversized notification, from the configuration history."""
        what = f"{summary.get('resourceType')} {summary.get('resourceId')}"
        try:
            response = self.config.get_resource_config_history(
                resourceType=summary["resourceType"], resourceId=summary["resourceId"],
                laterTime=summary["configurationItemCaptureTime"], limit=1,
            )
        except (ClientError, BotoCoreError) as error:
            raise NotRead(f"configuration history of {what}: {errors.describe_error(error)}") from None
        items = response.get("configurationItems") or []
        if not items:
            raise NotRead(f"no configuration history for {what}")
        item = config_item.normalise_item(items[0])
        # The history omits nothing we use, but its status is the one at capture time; keep the summary's.
        item["configurationItemStatus"] = summary.get("configurationItemStatus", item.get("configurationItemStatus"))
        return item

    def evaluate_item(self, rule: Rule, rule_params: Mapping, item: Mapping[str, Any], left_scope: bool,
                      exemptions: Sequence[ex.Exemption] = (), on=None) -> dict:
        """Exactly one evaluation for the resource of a configuration item (``exemptions`` as of ``on``); raises
        ``NotRead`` when a detail the rule needs cannot be read."""
        ci = config_item.normalise_item(item)
        resource_type, resource_id = ci["resourceType"], ci["resourceId"]
        timestamp = ci["configurationItemCaptureTime"]
        status = ci.get("configurationItemStatus")
        deleted = Verdict(Status.NOT_APPLICABLE, "resource deleted")
        if status in config_item.DELETED_STATUSES:
            return to_evaluation(resource_type, resource_id, deleted, timestamp)
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
            if facts is None:  # deleted since the item was recorded
                return to_evaluation(resource_type, resource_id, deleted, timestamp)
            result = evaluation.evaluate(rule, facts, rule_params, Inventory([facts]), exemptions, on)
        verdict = result.single_verdict()
        if result.verdict.status == Status.UNKNOWN:
            logger.warning("rule could not judge the item", rule=rule.id, resource_id=resource_id,
                           reason=verdict.message)
        return to_evaluation(resource_type, resource_id, verdict, timestamp)

    def complete(self, ci: Mapping[str, Any]):
        """Facts with what the configuration item lacks fetched by API (code signing, a container image's URI,
        managed policies); None when the resource no longer exists."""
        try:
            return recorded.complete_item(ci, self.lambda_, self.iam, policy_gone=lambda policy_arn: logger.warning(
                "managed policy of the item no longer exists", policy_arn=policy_arn, resource_id=ci["resourceId"]))
        except (ClientError, BotoCoreError) as error:
            raise NotRead(f"{ci['resourceType']} {ci['resourceId']}: {errors.describe_error(error)}") from None

    # -- periodic -----------------------------------------------------------------------------------------------

    def sweep(self, rule: Rule, rule_params: Mapping, timestamp: str, exemptions: Sequence[ex.Exemption] = (),
              on=None, deadline: Optional[float] = None) -> tuple:
        """``(evaluations, not_evaluated, coverage)``: one evaluation per resource of the rule's kinds in this
        account and region that could be read and judged (``exemptions`` applied), reading until ``deadline``; how
        many rule x resource (or rule x kind) evaluations could not be made (each logged); and what the sweep could
        have seen (``Coverage``; None when the account could not be read at all)."""
        session = self.session or boto3.Session()
        try:
            scanner = scan.AccountScanner(session, session.region_name or os.environ["AWS_REGION"],
                                               workers=SWEEP_WORKERS, policy=retries.RetryPolicy(deadline=deadline))
        except (ClientError, BotoCoreError) as error:
            logger.error("sweep not evaluated: the account could not be read", rule=rule.id,
                         reason=errors.describe_error(error))
            return [], 1, None
        # Only what this rule judges or looks up: a sweep for one rule never pays for the others' calls.
        needs = lambda r: scan.kinds_for([r])  # noqa: E731
        subjects = scanner.collect(needs(rule))
        by_ref = {s.facts.resource.ref: s for s in subjects}
        results = evaluation.judge_all([rule], {rule.id: rule_params}, subjects, fetch=scanner.enrich_all,
                                       exemptions={rule.id: exemptions}, on=on, unread=scanner.unread, needs=needs)
        entries, skipped = [], 0
        for result in results:
            subject = by_ref.get(result.facts.resource.ref)
            resource_type, resource_id = scan.config_identity(result.facts, subject)
            if result.not_evaluated:
                skipped += 1
                logger.warning("resource not evaluated", rule=rule.id, resource_type=resource_type,
                               resource_id=resource_id, reason=result.not_evaluated)
                continue
            entries.append(to_evaluation(resource_type, resource_id, result.single_verdict(), timestamp))
        for _rule, unread in evaluation.unread_pairs([rule], scanner.unread, needs):
            skipped += 1
            logger.warning("resource not evaluated", rule=rule.id, resource_type=unread.type,
                           resource_id=unread.ref or "*", reason=unread.message)
        # A type with anything unread (a listing, or one resource whose reads may hide others: an API's routes) is
        # not covered: what the sweep did not find there may exist.
        unread_types = {t for u in scanner.unread for t in (u.type, *(describe.SOURCE_TYPES[k] for k in u.kinds))}
        scanned = {describe.SOURCE_TYPES[k] for k in needs(rule) if k in scan.SCANNED_KINDS}
        seen = {_identity(*scan.config_identity(s.facts, s)) for s in subjects}
        return entries, skipped, Coverage(frozenset(scanned - unread_types), frozenset(seen))

    def stale(self, config_rule_name: str, coverage: Coverage, timestamp: str,
              deadline: Optional[float] = None) -> list:
        """NOT_APPLICABLE evaluations (ordered at the sweep's ``timestamp``) for every resource the Config rule last
        reported COMPLIANT or NON_COMPLIANT that the sweep could have seen (``coverage``) and did not, unless that
        verdict is newer than the sweep. Raises ``StaleNotRead`` (or the client's error after its retries) when the
        last verdicts cannot all be read; nothing is closed then."""
        if not coverage.types:
            return []  # nothing read in full: nothing can be known gone (and no call is made)
        swept_at = _instant(timestamp)
        if swept_at is None:
            raise StaleNotRead(f"notificationCreationTime {timestamp!r} is not an ISO 8601 time")
        gone = Verdict(Status.NOT_APPLICABLE, GONE.format(when=timestamp))
        entries = []
        for result in self.last_verdicts(config_rule_name, deadline):
            identifier = result.get("EvaluationResultIdentifier") or {}
            qualifier = identifier.get("EvaluationResultQualifier") or {}
            resource_type, resource_id = qualifier.get("ResourceType", ""), qualifier.get("ResourceId", "")
            if qualifier.get("EvaluationMode", "DETECTIVE") != "DETECTIVE" or resource_type not in coverage.types:
                continue
            if _identity(resource_type, resource_id) in coverage.seen:
                continue
            ordered = identifier.get("OrderingTimestamp")
            if isinstance(ordered, datetime) and (ordered if ordered.tzinfo else
                                                  ordered.replace(tzinfo=UTC)) >= swept_at:
                continue  # evaluated since the sweep began: created after its listing, not gone
            entries.append(to_evaluation(resource_type, resource_id, gone, timestamp))
        return entries

    def last_verdicts(self, config_rule_name: str, deadline: Optional[float] = None) -> list:
        """Every COMPLIANT or NON_COMPLIANT result AWS Config holds for the rule, page by page (each call with the
        client's per-call retries); ``StaleNotRead`` when the read ``deadline`` passes before the last page."""
        results: list = []
        token = None
        while True:
            page = self.config.get_compliance_details_by_config_rule(
                ConfigRuleName=config_rule_name, ComplianceTypes=STALE_COMPLIANCE, Limit=LAST_VERDICTS_PAGE,
                **({"NextToken": token} if token else {}))
            results += page.get("EvaluationResults") or []
            token = page.get("NextToken")
            if not token:
                return results
            if deadline is not None and time.monotonic() >= deadline:
                raise StaleNotRead(f"the sweep's time ran out after {len(results)} of the rule's last verdicts")

    # -- reporting ----------------------------------------------------------------------------------------------

    def put(self, evaluations: Sequence[dict], token: str, deadline: Optional[float] = None) -> tuple:
        """``(delivered, undeliverable)``: every entry sent in batches of at most 100 (see the module docstring)."""
        delivered = undeliverable = 0
        for start in range(0, len(evaluations), BATCH):
            sent, lost = self._deliver(list(evaluations[start:start + BATCH]), token, deadline)
            delivered += sent
            undeliverable += lost
        return delivered, undeliverable

    def _deliver(self, batch: list, token: str, deadline: Optional[float]) -> tuple:
        """``(delivered, undeliverable)`` for one batch: FailedEvaluations sent again, a refused batch split."""
        delivered = 0
        pending = batch
        for attempt in range(1, PUT_ROUNDS + 1):
            try:
                response = self.config.put_evaluations(Evaluations=pending, ResultToken=token,
                                                       TestMode=self.test_mode)
            except (ClientError, BotoCoreError) as error:
                time_left = deadline is None or deadline > time.monotonic()
                if retries.is_transient(error=error) and attempt < PUT_ROUNDS and time_left:
                    retries.backoff_sleep(self.policy.delay(attempt))
                    continue
                if not pending:  # a sweep's empty closing call
                    logger.error("empty evaluation set undeliverable: AWS Config does not record that the rule ran",
                                 reason=errors.describe_error(error))
                    return 0, 1
                if len(pending) > 1 and not retries.is_transient(error=error):
                    # One entry Config refuses fails the whole call: halve until it stands alone.
                    half = len(pending) // 2
                    first = self._deliver(pending[:half], token, deadline)
                    second = self._deliver(pending[half:], token, deadline)
                    return delivered + first[0] + second[0], first[1] + second[1]
                self._undeliverable(pending, errors.describe_error(error))
                return delivered, len(pending)
            failed = response.get("FailedEvaluations") or []
            sent = {_key(e): e for e in pending}
            unmatched = [f for f in failed if _key(f) not in sent]
            if unmatched:
                # Config says some entries failed but names none we sent: which ones were stored is unknowable,
                # and sending the batch again would duplicate the rest. Report them, never drop them quietly.
                logger.error("evaluations undeliverable: AWS Config reported failures that match nothing sent",
                             failed=unmatched[:10], count=len(unmatched), batch_size=len(pending))
            retry = [sent[_key(f)] for f in failed if _key(f) in sent]
            delivered += len(pending) - len(failed)
            if unmatched and not retry:
                return delivered, len(unmatched)
            if not retry:
                return delivered, 0
            pending = retry
            if deadline is not None and deadline <= time.monotonic():
                break
            if attempt < PUT_ROUNDS:
                retries.backoff_sleep(self.policy.delay(attempt))
        self._undeliverable(pending, f"AWS Config reported them failed {PUT_ROUNDS} times")
        return delivered, len(pending) + len(unmatched)

    @staticmethod
    def _undeliverable(entries: Sequence[dict], reason: str) -> None:
        for entry in entries:
            logger.error("evaluation undeliverable", reason=reason, resource_type=entry["ComplianceResourceType"],
                         resource_id=entry["ComplianceResourceId"], compliance=entry["ComplianceType"])


class MemberSessions:
    """Sessions in the organisation's member accounts, one per account per execution environment, renewed before
    their credentials expire.

    An organisation Config rule invokes this function (in the delegated administrator account) for resources of
    every member account; the event's ``accountId`` names the account. There the function reads resources, sends
    PutEvaluations (a result token is valid only in its account) and reads the rule's last verdicts, all through
    ``role/<MEMBER_ROLE_NAME>``, which each member account's platform stack deploys trusting this function's role.
    """

    def __init__(self, sts=None, clock=time.monotonic) -> None:
        self.sts = sts or STS
        self.clock = clock
        self._sessions: dict[str, tuple[Any, float]] = {}

    def session(self, account: str, role_name: str, partition: str) -> Any:
        held = self._sessions.get(account)
        if held is not None and held[1] - self.clock() > MEMBER_RENEW_SECONDS:
            return held[0]
        session = accounts.assumed_session(
            self.sts, accounts.role_arn(partition, account, role_name), session_name="governance-config-rule",
            region=os.environ.get("AWS_REGION") or self.sts.meta.region_name,
            duration_seconds=MEMBER_SESSION_SECONDS)
        self._sessions[account] = (session, self.clock() + MEMBER_SESSION_SECONDS)
        return session


MEMBERS = MemberSessions()


def runner_for(event: Mapping[str, Any], function_arn: str, members: Optional[MemberSessions] = None) -> RuleRunner:
    """The runner for an event: this account's clients, or, for an organisation rule's event about another
    account (``MEMBER_ROLE_NAME`` set), clients in that account through its member role."""
    role_name = os.environ.get(MEMBER_ROLE_ENV, "").strip()
    arn = describe.parse_arn(function_arn)
    account = str(event.get("accountId") or "")
    if not role_name or not account or account == arn.get("account"):
        return RuleRunner(catalogue_rules())
    session = (members or MEMBERS).session(account, role_name, arn.get("partition") or "aws")

    def client(service: str) -> Any:
        return POLICY.attach(session.client(service, config=retries.client_config()))

    return RuleRunner(catalogue_rules(), config_client=client("config"), lambda_client=client("lambda"),
                      iam_client=client("iam"), session=session)


@instrumented
def handler(event: Mapping[str, Any], context: Any) -> dict:
    """Lambda entry point for every guardrail's Config rule."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline = time.monotonic() + remaining() / 1000.0 if callable(remaining) else None
    try:
        runner = runner_for(event, str(getattr(context, "invoked_function_arn", "") or ""))
    except (ClientError, BotoCoreError) as error:
        # Logged, not raised (as every set-up error): the member account's role is missing or does not trust us.
        message = (f"member account {event.get('accountId')}: cannot assume role/"
                   f"{os.environ.get(MEMBER_ROLE_ENV)} ({errors.describe_error(error)}); deploy the platform stack "
                   f"with configRulesScope: member in that account")
        logger.error("config rule set-up error", error=message, config_rule=event.get("configRuleName"))
        return {"status": "SETUP_ERROR", "error": message, "evaluations": 0}
    return runner.handle(event, deadline)
