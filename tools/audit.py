"""Audit an AWS account and region (or any AWS-compatible endpoint) with the guardrail catalogue.

    python -m tools.audit [--region R | --regions R1,R2] [--profile P] [--endpoint-url URL] [--rules id,...]
                          [--format summary,json,sarif,junit] [--out DIR] [--workers N]
                          [--pack-config policies/config.dev.json]
                          [--accounts organization|ID,... --role-name NAME [--external-id X]] [--parallel N]

With ``--accounts`` (and/or ``--regions``) every account x region is audited as one account is, through the role
assumed in each account, ``--parallel`` at a time, one report stack per ``<account>/<region>``
(``tools.audit_org``).

The same rules as the policy pack and the Config rule, with parameters and enforcement levels from the same pack
config file. Exemptions (each rule's ``exemptions`` in the pack config) apply as in the pack: an exempted
resource is listed with status ``exempted`` in every report format, an expired exemption is an
``expired-exemption`` finding that blocks like a violation (expiry as of today, or ``GUARDRAILS_TODAY``).
Credentials, profile and region come from the usual AWS settings (``AWS_PROFILE``,
``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``), overridden by the flags. Reports and exit codes
are the offline preview's:

* 0: everything was read and judged; no mandatory violation;
* 1: mandatory violations (or expired exemptions);
* 2: bad input (flags, pack config, ``--out``), the endpoint cannot be reached or does not answer as AWS, an
  account whose role cannot be assumed, or part of the account could not be read (the reports are still written,
  that part listed as not evaluated);
* 130: interrupted (Ctrl-C).

Every failure is one ``error: ...`` line on stderr, never a traceback.

Calls (see ``detective/scan.py``): only for the kinds the selected rules judge or look up
(``scan.kinds_for``); list pages, GetAccountAuthorizationDetails for roles, per-function
GetFunction/GetFunctionCodeSigningConfig only for functions a selected rule could not judge from the listing,
per-function URL/policy/async-config reads only when a rule on them is selected; a bounded thread pool
(``--workers``); every call retries on its own (``detective/retries.py``: a few attempts with
jittered backoff, no shared quota), and a read that still fails loses only its own resource or kind, which every
report lists as ``unknown`` with a message starting "not evaluated: could not read".
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Optional

import boto3
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from detective import errors, evaluation, recorded, retries, scan
from guardrails import catalogue, pack_config
from guardrails.markers import NOT_EVALUATED_PREFIX
from guardrails.model import Enforcement, Status
from tools import audit_org, reports

VERSION = "0.1.0"
TOOL = "serverless-governance"


class AuditError(Exception):
    """A usage or set-up error (exit code 2)."""


def load_pack_config(path: Optional[str]) -> dict:
    """The pack config (``{"rule-id": "mandatory" | {"enforcementLevel": ..., <params>}, "all": ...}``)."""
    if not path:
        return {}
    try:
        return pack_config.load(path)
    except (pack_config.PackConfigError, OSError, ValueError) as error:
        raise AuditError(str(error)) from None


class SelectedRule(NamedTuple):
    """A rule the audit runs, with its enforcement level, parameters and exemptions from the pack config."""

    rule: Any  # guardrails.model.Rule
    enforcement: str  # "mandatory" | "advisory"
    params: dict
    exemptions: tuple = ()


def select_rules(document: Mapping[str, Any], only: Optional[Sequence[str]]) -> list:
    """``SelectedRule``s for every rule to run: selected, not disabled, at the level and with the parameters and
    exemptions the pack config ``document`` gives it (``guardrails.pack_config``: validated, reconciled and read
    as the pack reads them)."""
    if only is not None and not only:
        raise AuditError(f"--rules names no rule id; known: {', '.join(sorted(catalogue.RULES))}")
    unknown = sorted(set(only or ()) - set(catalogue.RULES))
    if unknown:
        raise AuditError(f"--rules: unknown rule id(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(catalogue.RULES))}")
    try:
        pack_config.validate(document)
        reconciled = pack_config.reconcile(pack_config.catalogue_policies(), (document, "pack config"))
        selected = []
        for rule in catalogue.RULES.values():
            level, entry = reconciled[rule.id]
            if (only and rule.id not in only) or level == Enforcement.DISABLED.value:
                continue
            params, exemptions = pack_config.rule_settings(rule, entry)
            # "remediate" blocks like "mandatory": the audit changes nothing, so there is nothing to remediate.
            enforcement = "advisory" if level == Enforcement.ADVISORY.value else "mandatory"
            selected.append(SelectedRule(rule, enforcement, params, tuple(exemptions)))
    except pack_config.PackConfigError as error:
        raise AuditError(str(error)) from None
    return selected


_FINDING_STATUS = {Status.NON_COMPLIANT: "violation", Status.UNKNOWN: "unknown"}


def open_scanner(session, region: str, *, endpoint_url: Optional[str] = None, workers: int = 8,
                 counter: Optional[scan.CallCounter] = None, progress_stream=None,
                 policy: Optional[retries.RetryPolicy] = None) -> scan.AccountScanner:
    """The account's scanner; its first call (GetCallerIdentity) tells whether the endpoint answers as AWS. Any
    failure there is an ``AuditError`` naming the endpoint (exit 2), never a traceback."""
    where = endpoint_url or f"AWS ({region})"
    try:
        return scan.AccountScanner(session, region, endpoint_url=endpoint_url, workers=workers, counter=counter,
                                        progress_stream=progress_stream, policy=policy)
    except EndpointConnectionError:
        raise AuditError(f"cannot connect to {where}: connection refused or timed out") from None
    except (ClientError, BotoCoreError) as error:
        raise AuditError(f"{where}: {errors.describe_error(error)}") from None
    except ValueError as error:  # e.g. an endpoint URL botocore cannot use
        raise AuditError(f"{where}: {error}") from None
    except Exception as error:  # noqa: BLE001 - an answer botocore cannot parse: not an AWS endpoint
        raise AuditError(f"{where} does not answer as an AWS endpoint "
                         f"(GetCallerIdentity: {errors.describe_error(error)})") from None


def _needs(rule) -> set:
    return scan.kinds_for([rule])


def evaluate_account(session, region: str, selected: Sequence[SelectedRule], *, endpoint_url: Optional[str] = None,
                     workers: int = 8, counter: Optional[scan.CallCounter] = None, progress_stream=None,
                     on=None, policy: Optional[retries.RetryPolicy] = None,
                     recorded_items: Optional[list] = None) -> tuple:
    """``(scanner, evaluations)``: scan the account and region for what ``selected`` rules judge, and judge it
    (``detective.evaluation.Evaluation``s, exemptions applied as of ``on``, default today). What
    could not be read is in ``scanner.unread``; evaluations that needed it carry ``not_evaluated``.
    ``recorded_items``: the account's and region's Config items from an aggregator (``detective.recorded``),
    which replace the listings of the kinds Config records."""
    scanner = open_scanner(session, region, endpoint_url=endpoint_url, workers=workers, counter=counter,
                           progress_stream=progress_stream, policy=policy)
    rules = [s.rule for s in selected]
    subjects = scanner.collect(scan.kinds_for(rules), recorded_items=recorded_items)
    results = evaluation.judge_all(rules, {s.rule.id: s.params for s in selected}, subjects, fetch=scanner.enrich_all,
                                   exemptions={s.rule.id: s.exemptions for s in selected}, on=on,
                                   unread=scanner.unread, needs=_needs)
    return scanner, results


def findings_of(result: evaluation.Evaluation, enforcement: str) -> list:
    """The report findings for one evaluation: an exemption in force is listed as ``exempted`` (never blocking);
    an expired one is an ``expired-exemption`` finding, and the rule's own violation or unknown is reported too
    (as the pack reports both)."""
    resource = result.facts.resource

    def finding(status: str, message: str) -> reports.Finding:
        return reports.Finding(rule_id=result.rule.id, enforcement=enforcement, severity=result.rule.severity.value,
                               status=status, urn=resource.ref, type=resource.source_type,
                               name=resource.logical_name, message=message)

    if result.not_evaluated:
        return [finding("unknown", result.not_evaluated)]
    if result.exempted:
        return [finding("exempted", result.verdict.message)]
    found = [finding("expired-exemption", result.expired_message())] if result.expired else []
    if result.verdict.status in _FINDING_STATUS:
        found.append(finding(_FINDING_STATUS[result.verdict.status], result.verdict.message))
    return found


def unread_findings(rules: Sequence[SelectedRule], unread: Sequence[evaluation.Unread]) -> list:
    """An ``unknown`` finding per rule x resource (or rule x kind, when a whole list failed) that could not be
    read: what the audit owes and could not do, in every report format."""
    levels = {s.rule.id: s.enforcement for s in rules}
    return [reports.Finding(rule_id=rule.id, enforcement=levels[rule.id], severity=rule.severity.value,
                            status="unknown", urn=u.ref or f"{u.type}/*", type=u.type,
                            name=u.name or f"every {u.type}", message=u.message)
            for rule, u in evaluation.unread_pairs([s.rule for s in rules], unread, _needs)]


def audit(session, region: str, selected: Sequence[SelectedRule], *, endpoint_url: Optional[str] = None,
          workers: int = 8, counter: Optional[scan.CallCounter] = None, progress_stream=None,
          on=None, policy: Optional[retries.RetryPolicy] = None) -> reports.Report:
    """Scan the account and region and judge it with ``selected`` rules; the report groups it as one stack."""
    stack = audit_stack(session, region, selected, endpoint_url=endpoint_url, workers=workers, counter=counter,
                        progress_stream=progress_stream, on=on, policy=policy)
    return report_of(selected, [stack])


def report_of(selected: Sequence[SelectedRule], stacks: Sequence[reports.StackResult]) -> reports.Report:
    levels = {s.rule.id: s.enforcement for s in selected}
    infos = [reports.RuleInfo(id=s.rule.id, title=s.rule.title, description=s.rule.rationale,
                              enforcement=levels[s.rule.id], severity=s.rule.severity.value) for s in selected]
    return reports.Report(tool=TOOL, version=VERSION, mode="audit", rules=infos, stacks=list(stacks))


def audit_stack(session, region: str, selected: Sequence[SelectedRule], *, endpoint_url: Optional[str] = None,
                workers: int = 8, counter: Optional[scan.CallCounter] = None, progress_stream=None,
                on=None, policy: Optional[retries.RetryPolicy] = None,
                recorded_items: Optional[list] = None) -> reports.StackResult:
    """One account and region, judged: its stack result (``<account>/<region>``)."""
    scanner, results = evaluate_account(session, region, selected, endpoint_url=endpoint_url, workers=workers,
                                        counter=counter, progress_stream=progress_stream, on=on, policy=policy,
                                        recorded_items=recorded_items)
    levels = {s.rule.id: s.enforcement for s in selected}
    findings = [f for r in results for f in findings_of(r, levels[r.rule.id])]
    findings += unread_findings(selected, scanner.unread)
    evaluated = {}
    for r in results:
        resource = r.facts.resource
        evaluated[resource.ref] = (resource.ref, resource.source_type, resource.logical_name)
    return reports.StackResult(
        name=f"{scanner.account}/{region}", source=endpoint_url or f"aws://{scanner.partition}/{region}",
        resources=sorted(evaluated.values()), evaluations=sorted((r.rule.id, r.facts.resource.ref) for r in results),
        findings=findings,
    )


def audit_many(session, selected: Sequence[SelectedRule], accounts: Optional[Sequence[str]],
               regions: Sequence[str], *, role_name: Optional[str], external_id: Optional[str] = None,
               endpoint_url: Optional[str] = None, workers: int = 8, parallel: int = 4,
               counters: Optional[Mapping[str, scan.CallCounter]] = None, progress_stream=None,
               on=None, aggregator: Optional[str] = None, config_client=None) -> reports.Report:
    """Every account x region (``tools.audit_org``), each audited as one account is, in the account through
    ``role_name``; ``accounts`` None is the caller's own account (no role assumed) in each region, ``["organization"]``
    every ACTIVE account of the organisation. ``counters`` (by ``<account>/<region>``) count each audit's calls.

    With ``aggregator`` (an AWS Config configuration aggregator of this account), the resources Config records come
    from its advanced queries, a few paginated calls for every account and region (``config_client``: default
    ``session``'s Config client), and only the kinds Config does not record are listed in each account."""
    by_target: Optional[dict] = None
    if aggregator is not None:
        client = config_client or session.client("config", endpoint_url=endpoint_url)
        rules = [s.rule for s in selected]
        by_target = recorded.by_target(recorded.query_aggregator(client, aggregator, scan.kinds_for(rules)),
                                       list(regions))

    def run(in_account, target: audit_org.Target) -> reports.StackResult:
        items = None if by_target is None else by_target.get((target.account, target.region), [])
        return audit_stack(in_account, target.region, selected, endpoint_url=endpoint_url, workers=workers,
                           counter=(counters or {}).get(target.name), progress_stream=progress_stream, on=on,
                           recorded_items=items)

    identity = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()
    if accounts is None:
        accounts, role_name = [identity["Account"]], None
    elif list(accounts) == ["organization"]:
        accounts = audit_org.organization_accounts(session, endpoint_url)
    targets = [audit_org.Target(account, region) for account in accounts for region in regions]
    partition = identity["Arn"].split(":")[1]
    stacks = audit_org.audit_targets(session, targets, run, role_name=role_name, partition=partition,
                                     external_id=external_id, endpoint_url=endpoint_url, parallel=parallel,
                                     progress_stream=progress_stream)
    return report_of(selected, stacks)


def not_evaluated(report: reports.Report) -> list:
    """The findings that say part of the account could not be read."""
    return [f for s in report.stacks for f in s.findings
            if f.status == "unknown" and f.message.startswith(NOT_EVALUATED_PREFIX)]


def prepare_out(path: str) -> None:
    """Fail before the scan, not after it, when ``--out`` cannot be a directory."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise AuditError(f"--out {path}: cannot create the directory: {error.strerror or error}") from None
    if not os.access(path, os.W_OK):
        raise AuditError(f"--out {path}: the directory is not writable")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", help="region to audit (default: the profile's or AWS_REGION)")
    parser.add_argument("--profile", help="AWS named profile (default: AWS_PROFILE or the default chain)")
    parser.add_argument("--endpoint-url", help="AWS-compatible endpoint (default: AWS_ENDPOINT_URL or AWS)")
    parser.add_argument("--rules", help="comma-separated rule ids (default: every rule not disabled)")
    parser.add_argument("--format", default="summary", help=f"comma-separated: {', '.join(reports.FORMATS)}")
    parser.add_argument("--out", metavar="DIR", help="write each format to DIR (else print to stdout)")
    parser.add_argument("--workers", type=int, default=8, help="threads for per-resource calls (default 8)")
    parser.add_argument("--pack-config", metavar="FILE", help="pack config with enforcement levels and parameters")
    parser.add_argument("--accounts", help="audit these accounts (comma-separated ids) or every ACTIVE account of "
                                           "the organization ('organization'), through --role-name in each")
    parser.add_argument("--role-name", help="with --accounts: the read-only audit role assumed in each account")
    parser.add_argument("--external-id", help="with --accounts: the ExternalId the audit role requires, if any")
    parser.add_argument("--regions", help="comma-separated regions to audit (default: --region)")
    parser.add_argument("--aggregator", metavar="NAME",
                        help="an AWS Config configuration aggregator of this account: read the resources Config "
                             "records for every account and region from its advanced queries")
    parser.add_argument("--parallel", type=int, default=4,
                        help="with --accounts or --regions: account x region audits at a time (default 4, up to 16)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - never a traceback to a user; this is a bug to report
        print(f"error: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    try:
        if args.workers < 1 or args.workers > 64:
            raise AuditError(f"--workers={args.workers}; allowed: 1 to 64")
        formats = reports.parse_formats(args.format)
        only = [r.strip() for r in args.rules.split(",") if r.strip()] if args.rules is not None else None
        selected = select_rules(load_pack_config(args.pack_config), only)
        if args.out:
            prepare_out(args.out)
        if args.region and args.regions:
            raise AuditError("--region and --regions: give one of them")
        if (args.role_name or args.external_id) and not args.accounts:
            raise AuditError("--role-name and --external-id go with --accounts (the accounts to assume them in)")
        regions = audit_org.parse_regions(args.regions) if args.regions else None
        accounts = audit_org.parse_accounts(args.accounts) if args.accounts else None
        if accounts and not args.role_name:
            raise AuditError("--accounts needs --role-name: the read-only audit role to assume in each account")
        role_name = audit_org.check_role_name(args.role_name) if args.role_name else None
        session = boto3.Session(profile_name=args.profile, region_name=args.region or (regions[0] if regions else None))
        if regions is None:
            region = args.region or session.region_name
            if not region:
                raise AuditError("no region: pass --region or --regions, or set AWS_REGION / AWS_DEFAULT_REGION "
                                 "or a profile region")
            regions = [region]
        if accounts is None and len(regions) == 1 and args.aggregator is None:
            report = audit(session, regions[0], selected, endpoint_url=args.endpoint_url, workers=args.workers)
        else:
            report = audit_many(session, selected, accounts, regions, role_name=role_name,
                                external_id=args.external_id, endpoint_url=args.endpoint_url,
                                workers=args.workers, parallel=args.parallel,
                                aggregator=audit_org.check_aggregator_name(args.aggregator)
                                if args.aggregator is not None else None)
    except (AuditError, audit_org.OrgAuditError, recorded.AggregatorError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # e.g. an unknown profile
        print(f"error: AWS: {error}", file=sys.stderr)
        return 2
    if args.out:
        try:
            written = reports.write_reports(report, formats, args.out)
        except OSError as error:
            print(f"error: --out {args.out}: cannot write the reports: {error.strerror or error}", file=sys.stderr)
            return 2
        for fmt, path in written.items():
            print(f"wrote {fmt}: {path}", file=sys.stderr)
        if "summary" in formats:
            sys.stdout.write(reports.render_summary(report))
    else:
        for fmt in formats:
            sys.stdout.write(reports.RENDERERS[fmt](report))
    for stack in report.errors:
        print(f"error: {stack.error}", file=sys.stderr)
    if report.errors:
        return 2
    missing = not_evaluated(report)
    if missing:
        print(f"error: {len(missing)} evaluation(s) not made: part of the account could not be read "
              f"(listed as unknown, 'not evaluated', in the reports)", file=sys.stderr)
        return 2
    return 0 if report.passed else 1


if __name__ == "__main__":
    code = main()
    if code == 130:
        # Interrupted: calls still in flight in the scanner's threads would hold the exit until they time out.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
