"""Deploy-readiness facts and checks: what a stack's roles may really do on AWS, as far as it can be known here.

``stack_facts(stack)`` runs an example stack's program under the Pulumi mocks in ``up`` mode (realistic ARNs;
``tools.preview.program.run_stack_program``, once per test session: ``tests/support/stack_runs.py``) and joins,
per role: its inline and managed policies, its permissions boundary's document, and the functions and state
machines that run as it. The checks then ask the evaluator (:mod:`tests.support.iam_eval`), never a
hand-written "expected grants" list:

* ``grants_outside_boundary``: an action a role's policy grants that its boundary denies (silent until run time);
* ``integration_requirements`` + ``missing``: every service integration a state machine's definition uses
  (Task ``Resource``), expanded to the IAM actions and resource ARNs AWS documents for it;
* ``kms_requirements``: every role granted data access to a resource encrypted with the platform key needs
  the key actions that service needs for it (``components.governed.role.KEY_ACTIONS``);
* the calls handlers make are recorded in their moto tests and checked by :mod:`tests.support.aws_calls`.

The boundary documents come from the stack itself when it creates them (the platform stack) and otherwise from
``components.platform.policies`` with the example platform stack's settings and outputs, which is what the
architecture stacks' ``platformStack`` reference points at.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from components.governed.role import KEY_ACTIONS
from components.platform.policies import (
    DEFAULT_PASS_ROLE_SERVICES,
    DEFAULT_WORKLOAD_NAMESPACES,
    GovernedResources,
    boundary_document,
    governance_boundary_document,
)
from tests.support import stack_runs
from tests.support.iam_eval import Decision, evaluate, granted, wildcard_match
from tools import offline_engine
from tools.preview.stacks import available_stacks, load_stack, project_name

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_STACK = "platform-dev"
#: Contents of the AWS managed policies our roles attach (the evaluator needs the document, not the ARN).
#: AmazonAPIGatewayPushToCloudWatchLogs, version 1 (the only version AWS has published).
MANAGED_POLICIES = {
    "AmazonAPIGatewayPushToCloudWatchLogs": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
                   "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"],
        "Resource": "*"}]},
    # The organisation aggregator's role (docs.aws.amazon.com/aws-managed-policy/latest/reference, version v2).
    "AWSConfigRoleForOrganizations": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["organizations:ListAccounts", "organizations:DescribeOrganization",
                   "organizations:ListAWSServiceAccessForOrganization", "organizations:ListDelegatedAdministrators"],
        "Resource": "*"}]},
}


@dataclass(frozen=True)
class Requirement:
    """One request a principal must be allowed to make: ``action`` on ``resource`` (``context`` for conditions).
    ``resource=None`` means the resource is chosen at run time (a ``.$`` path): then any resource the role's
    policies grant the action on is accepted."""

    action: str
    resource: Optional[str]
    why: str
    context: tuple = ()  # ((key, value), ...)


@dataclass
class RoleFacts:
    name: str  # the aws:iam/role:Role resource name
    arn: str
    boundary_arn: Optional[str]
    boundary: Optional[dict]
    policies: list = field(default_factory=list)  # identity policy documents (dicts)
    functions: list = field(default_factory=list)  # offline_engine.Registered of aws:lambda/function:Function
    state_machines: list = field(default_factory=list)  # ... of aws:sfn/stateMachine:StateMachine

    def decide(self, requirement: Requirement) -> Decision:
        """The evaluator's decision; a run-time resource is accepted on any resource a policy grants it on."""
        # AWS sets aws:PrincipalArn on every request (the boundary scopes remediation rights by role path with it).
        context = {"aws:PrincipalArn": self.arn, **dict(requirement.context)}
        if requirement.resource is not None:
            return evaluate(requirement.action, requirement.resource, identity=self.policies,
                            boundary=self.boundary, context=context)
        candidates = [resource for action, resource in granted(self.policies)
                      if _action_covers(action, requirement.action)]
        decisions = [evaluate(requirement.action, resource, identity=self.policies, boundary=self.boundary,
                              context=context) for resource in candidates]
        return next((d for d in decisions if d.allowed), decisions[0] if decisions else
                    Decision(False, "implicit deny: no identity policy grants the action on any resource"))


@dataclass
class StackFacts:
    name: str
    resources: list
    roles: dict  # role ARN -> RoleFacts
    account: str
    region: str

    def arns(self) -> dict:
        """Every id, name, URL or bucket output of the stack's resources -> that resource's ARN (how a definition
        or a function's environment names a table, queue, bucket... -> what IAM authorises)."""
        index: dict = {}
        for resource in self.resources:
            arn = resource.outputs.get("arn")
            if not isinstance(arn, str) or not resource.custom:
                continue
            for key in ("arn", "id", "name", "url", "bucket"):
                value = resource.outputs.get(key)
                if isinstance(value, str) and value:
                    index.setdefault(value, arn)
        return index


def _action_covers(pattern: str, action: str) -> bool:
    return wildcard_match(pattern, action, case_sensitive=False)


# ----------------------------------------------------------------------------------------------- the stacks
def example_stacks() -> list[str]:
    """Every example stack in stacks/ that deploys something real (the deliberately non-compliant demo aside)."""
    return [name for name in available_stacks() if name != "noncompliant-demo"]


def _platform_settings() -> tuple[dict, list, list]:
    stack = load_stack(PLATFORM_STACK)
    parameters = stack.config.get(f"{project_name()}:parameters") or {}
    namespaces = parameters.get("boundary_service_namespaces", DEFAULT_WORKLOAD_NAMESPACES)
    pass_role_to = parameters.get("boundary_pass_role_services", DEFAULT_PASS_ROLE_SERVICES)
    outputs = json.loads((ROOT / "stacks" / "outputs" / f"{PLATFORM_STACK}.json").read_text())
    return outputs, list(namespaces), list(pass_role_to)


def published_boundaries() -> dict:
    """``{boundary ARN: document}`` as the example platform stack publishes them (for architecture stacks)."""
    outputs, namespaces, pass_role_to = _platform_settings()
    arn = outputs["permissionsBoundaryArn"]
    parts = arn.split(":")
    protected = GovernedResources(parts[1], parts[4], arn, outputs["governanceBoundaryArn"], outputs["kmsKeyArn"])
    return {arn: boundary_document(protected, namespaces, pass_role_to),
            outputs["governanceBoundaryArn"]: governance_boundary_document(protected)}


def layer_build(tmp_dir: Path) -> Path:
    """What `python -m components.platform.layers` builds, in miniature (the platform stack packages it)."""
    for layer, package in (("powertools", "aws_lambda_powertools"), ("jwt-authorizer-deps", "jwt")):
        (tmp_dir / layer / "python" / package).mkdir(parents=True, exist_ok=True)
        (tmp_dir / layer / "python" / package / "__init__.py").write_text("VERSION = 'test'\n")
    return tmp_dir


@functools.cache
def stack_facts(name: str, layer_dir: Optional[str] = None) -> StackFacts:
    """Run stack ``name`` under mocks (``up`` mode) and gather its roles; cached per process."""
    stack = load_stack(name)
    if layer_dir is not None and stack.config.get(f"{project_name()}:architecture") == "platform":
        key = f"{project_name()}:parameters"
        stack.config[key] = {**(stack.config.get(key) or {}), "layer_build_dir": layer_dir}
    return build_facts(name, stack_runs.run(stack, mode="up"))


def build_facts(name: str, resources: list, boundaries: Optional[dict] = None) -> StackFacts:
    """Join roles, policies, boundaries, functions and state machines of a mocks run."""
    documents = dict(boundaries or published_boundaries())
    for policy in offline_engine.by_type(resources, "aws:iam/policy:Policy"):
        documents[policy.outputs["arn"]] = json.loads(policy.inputs["policy"])
    roles: dict = {}
    by_id: dict = {}
    for role in offline_engine.by_type(resources, "aws:iam/role:Role"):
        boundary_arn = role.inputs.get("permissionsBoundary")
        if boundary_arn is not None and boundary_arn not in documents:
            raise AssertionError(f"role {role.name}: boundary {boundary_arn} is neither in the stack nor published")
        facts = RoleFacts(role.name, role.outputs["arn"], boundary_arn, documents.get(boundary_arn))
        roles[facts.arn] = facts
        for key in ("id", "name"):
            by_id[role.outputs.get(key)] = facts
    for policy in offline_engine.by_type(resources, "aws:iam/rolePolicy:RolePolicy"):
        by_id[policy.inputs["role"]].policies.append(json.loads(policy.inputs["policy"]))
    for attachment in offline_engine.by_type(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        policy_arn = attachment.inputs["policyArn"]
        document = documents.get(policy_arn) or MANAGED_POLICIES.get(policy_arn.rsplit("/", 1)[-1])
        if document is None:
            raise AssertionError(f"{attachment.name}: managed policy {policy_arn} is neither in the stack nor in "
                                 f"tests.support.deploy.MANAGED_POLICIES; add its document")
        if attachment.inputs["role"] not in by_id:
            continue  # a role the stack does not create (a prerequisite's, e.g. a Redshift cluster's): not judged
        by_id[attachment.inputs["role"]].policies.append(document)
    for function in offline_engine.by_type(resources, "aws:lambda/function:Function"):
        roles[function.inputs["role"]].functions.append(function)
    for machine in offline_engine.by_type(resources, "aws:sfn/stateMachine:StateMachine"):
        roles[machine.inputs["roleArn"]].state_machines.append(machine)
    identity = {"account": offline_engine.ACCOUNT, "region": offline_engine.REGION}
    return StackFacts(name, resources, roles, **identity)


# -------------------------------------------------------------------------------------------- the checks
def grants_outside_boundary(role: RoleFacts) -> list[str]:
    """Every ``action on resource`` the role's policies grant that its boundary does not allow.

    Each grant is decided alone against the boundary, with the values its own ``StringEquals`` conditions pin
    (a ``iam:PassRole`` granted only with ``iam:PassedToService: forecast.amazonaws.com`` is judged for Forecast).
    """
    if role.boundary is None:
        return []
    problems = []
    for document in role.policies:
        for st in _statements_of(document):
            if st.get("Effect") != "Allow":
                continue
            pinned = {key: _first(value) for key, value in (st.get("Condition") or {}).get("StringEquals", {}).items()}
            pinned.setdefault("aws:PrincipalArn", role.arn)  # AWS sets it on every request
            for action, resource in granted([{"Statement": [st]}]):
                grant = {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
                decision = evaluate(action, resource, identity=[grant], boundary=role.boundary, context=pinned)
                if not decision.allowed:
                    problems.append(f"{action} on {resource}: {decision.reason}")
    return problems


def _statements_of(document: dict) -> list:
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _first(value):
    return value[0] if isinstance(value, list) else value


def missing(role: RoleFacts, requirements: Iterable[Requirement]) -> list[str]:
    """The requirements the role's policy ∩ boundary does not allow, each with the evaluator's reason."""
    problems = []
    for requirement in requirements:
        decision = role.decide(requirement)
        if not decision.allowed:
            problems.append(f"{requirement.action} on {requirement.resource or '(chosen at run time)'} "
                            f"({requirement.why}): {decision.reason}")
    return problems


# -- state machine integrations ------------------------------------------------------------------------------
_OPTIMISED = re.compile(r"^arn:[^:]+:states:::(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z0-9]+)(?P<mode>\.sync(:2)?|"
                        r"\.waitForTaskToken)?$")
_SDK = re.compile(r"^arn:[^:]+:states:::aws-sdk:(?P<service>[a-z0-9]+):(?P<action>[A-Za-z0-9]+)"
                  r"(?P<mode>\.waitForTaskToken)?$")
_LAMBDA_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$")
# Request context AWS adds to an action, where grants scope it by condition. A handler or workflow reads only the
# Data API statements it ran itself, so the statement's owner is the caller: the key equals the caller's ${aws:userid}
# (written as that variable, since the evaluator does not substitute policy variables).
REQUEST_CONTEXT = {
    action: (("redshift-data:statement-owner-iam-userid", "${aws:userid}"),)
    for action in ("redshift-data:DescribeStatement", "redshift-data:GetStatementResult",
                   "redshift-data:CancelStatement", "redshift-data:ListStatements")
}
# aws-sdk service names whose IAM prefix differs (AWS documents the exceptions: "Call other AWS services").
SDK_PREFIXES = {"sfn": "states", "cloudwatch": "cloudwatch", "cloudwatchlogs": "logs", "sesv2": "ses",
                "eventbridge": "events", "redshiftdata": "redshift-data", "mwaa": "airflow"}


def _tasks(states: dict) -> Iterable[tuple[str, dict]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from _tasks(branch.get("States", {}))
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _tasks(processor.get("States", {}))


def _param(state: dict, key: str) -> Optional[str]:
    """A task parameter's static value (``Parameters`` or JSONata ``Arguments``); None when set at run time."""
    for block in ("Parameters", "Arguments"):
        value = (state.get(block) or {}).get(key)
        if isinstance(value, str) and not value.startswith("{%"):
            return value
    return None


def _unqualified_function(name_or_arn: str, account: str, region: str) -> str:
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        return ":".join(parts[:7])  # drop a version or alias qualifier: grants name the function
    return f"arn:aws:lambda:{region}:{account}:function:{name_or_arn.split(':')[0]}"


def queue_arn(url: str) -> str:
    """The ARN of the queue at ``url`` (https://sqs.<region>.amazonaws.com/<account>/<name>)."""
    host, account, name = re.match(r"^https://([^/]+)/(\d{12})/(.+)$", url).groups()
    region = host.split(".")[1]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def integration_requirements(definition: str, account: str, region: str,
                             arns: Optional[dict] = None) -> list[Requirement]:
    """What the state machine's role must be allowed for every Task of ``definition`` (AWS's "IAM policies for
    integrated services" pages: optimised integrations, ``.sync``, ``.waitForTaskToken``, ``aws-sdk``).

    ``arns`` maps a name, URL or id the definition holds to the ARN of the stack resource it names
    (``StackFacts.arns()``); what it does not hold is turned into an ARN from the documented format."""
    known = arns or {}

    def arn(value: Optional[str], build) -> Optional[str]:
        return None if value is None else known.get(value) or build(value)

    requirements = []
    for name, state in _tasks(json.loads(definition)["States"]):
        resource = state["Resource"]
        why = f"Task {name!r}: {resource}"
        if _LAMBDA_ARN.match(resource):
            requirements.append(Requirement("lambda:InvokeFunction",
                                            _unqualified_function(resource, account, region), why))
            continue
        sdk = _SDK.match(resource)
        if sdk:
            prefix = SDK_PREFIXES.get(sdk["service"], sdk["service"])
            action = sdk["action"][0].upper() + sdk["action"][1:]
            requirements.append(Requirement(f"{prefix}:{action}", None, why,
                                            REQUEST_CONTEXT.get(f"{prefix}:{action}", ())))
            continue
        optimised = _OPTIMISED.match(resource)
        if not optimised:
            raise AssertionError(f"{why}: an integration tests.support.deploy does not know; add it")
        service, action, mode = optimised["service"], optimised["action"], optimised["mode"] or ""
        requirements.extend(_optimised(service, action, mode, state, why, account, region, arn))
    return requirements


def _optimised(service: str, action: str, mode: str, state: dict, why: str, account: str, region: str,
               arn) -> list[Requirement]:
    """The requirements of one optimised integration; ``arn(value, build)`` resolves a name to its ARN."""
    if service == "lambda" and action == "invoke":
        function = _param(state, "FunctionName")
        return [Requirement("lambda:InvokeFunction",
                            _unqualified_function(function, account, region) if function else None, why)]
    if service == "dynamodb":
        table = arn(_param(state, "TableName"), lambda name: f"arn:aws:dynamodb:{region}:{account}:table/{name}")
        return [Requirement(f"dynamodb:{action[0].upper()}{action[1:]}", table, why)]
    if service == "sqs" and action == "sendMessage":
        return [Requirement("sqs:SendMessage", arn(_param(state, "QueueUrl"), queue_arn), why)]
    if service == "sns" and action == "publish":
        return [Requirement("sns:Publish", _param(state, "TopicArn"), why)]
    if service == "events" and action == "putEvents":
        return [Requirement("events:PutEvents", None, why)]
    if service == "states" and action == "startExecution":
        machine = _param(state, "StateMachineArn")
        found = [Requirement("states:StartExecution", machine, why)]
        if mode.startswith(".sync"):
            executions = (machine.replace(":stateMachine:", ":execution:") + ":*") if machine else None
            rule = f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
            found += [Requirement("states:DescribeExecution", executions, why),
                      Requirement("states:StopExecution", executions, why)]
            found += [Requirement(f"events:{a}", rule, why) for a in ("PutTargets", "PutRule", "DescribeRule")]
        return found
    if service == "batch" and action == "submitJob":
        definition = arn(_param(state, "JobDefinition"),
                         lambda name: f"arn:aws:batch:{region}:{account}:job-definition/{name}")
        queue = arn(_param(state, "JobQueue"), lambda name: f"arn:aws:batch:{region}:{account}:job-queue/{name}")
        found = [Requirement("batch:SubmitJob", definition, why), Requirement("batch:SubmitJob", queue, why)]
        if mode == ".sync":
            rule = f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForBatchJobsRule"
            found += [Requirement("batch:DescribeJobs", None, why),
                      Requirement("batch:TerminateJob", f"arn:aws:batch:{region}:{account}:job/*", why)]
            found += [Requirement(f"events:{a}", rule, why) for a in ("PutTargets", "PutRule", "DescribeRule")]
        return found
    if service == "apigateway" and action == "invoke":
        if _param(state, "AuthType") != "IAM_ROLE":
            return []  # no IAM: the API's own authorizer decides
        endpoint = _param(state, "ApiEndpoint")
        api_id = endpoint.split(".")[0] if endpoint else "*"
        stage = _param(state, "Stage") or "*"
        method = _param(state, "Method") or "*"
        path = (_param(state, "Path") or "*").lstrip("/")
        return [Requirement("execute-api:Invoke", f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/"
                                                  f"{method}/{path}", why)]
    raise AssertionError(f"{why}: an integration tests.support.deploy does not know; add it")


# -- KMS -------------------------------------------------------------------------------------------------------
# Data actions, by the access they need to the resource's KMS key ("read" decrypts, "write" also makes data keys).
DATA_ACCESS = {
    "dynamodb": {"read": ("GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem"),
                 "write": ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")},
    "sqs": {"read": ("ReceiveMessage",), "write": ("SendMessage",)},
    "sns": {"write": ("Publish",)},
    "s3": {"read": ("GetObject", "GetObjectVersion"), "write": ("PutObject",)},
}


def encrypted_resources(facts: StackFacts) -> dict:
    """``{resource ARN pattern: (service, KMS key ARN)}`` of every resource the stack encrypts with a customer key."""
    found = {}
    for resource in facts.resources:
        inputs, arn = resource.inputs, resource.outputs.get("arn")
        if resource.type == "aws:dynamodb/table:Table":
            sse = inputs.get("serverSideEncryption") or {}
            if sse.get("enabled") and sse.get("kmsKeyArn"):
                found[arn] = ("dynamodb", sse["kmsKeyArn"])
                found[f"{arn}/index/*"] = ("dynamodb", sse["kmsKeyArn"])
        elif resource.type in ("aws:sqs/queue:Queue", "aws:sns/topic:Topic") and inputs.get("kmsMasterKeyId"):
            key = inputs["kmsMasterKeyId"]
            if not key.startswith("alias/aws/"):
                found[arn] = (resource.type.split(":")[1].split("/")[0], key)
        elif resource.type == ("aws:s3/bucketServerSideEncryptionConfiguration:"
                               "BucketServerSideEncryptionConfiguration"):
            for rule in inputs.get("rules", []):
                default = rule.get("applyServerSideEncryptionByDefault") or {}
                if default.get("sseAlgorithm") == "aws:kms" and default.get("kmsMasterKeyId"):
                    bucket = next(r for r in facts.resources if r.outputs.get("id") == inputs["bucket"]
                                  and r.type.startswith("aws:s3/bucket"))
                    found[f"{bucket.outputs['arn']}/*"] = ("s3", default["kmsMasterKeyId"])
    return found


def kms_requirements(role: RoleFacts, encrypted: dict) -> list[Requirement]:
    """The key actions the role needs for the encrypted resources its policies give it data access to."""
    needs: dict = {}
    for action, resource in granted(role.policies):
        service, _, name = action.partition(":")
        for access, actions in DATA_ACCESS.get(service, {}).items():
            if not any(wildcard_match(name, a, case_sensitive=False) for a in actions):
                continue
            for pattern, (kind, key) in encrypted.items():
                if kind == service and (wildcard_match(resource, pattern) or wildcard_match(pattern, resource)):
                    needs.setdefault((key, access), f"{action} on {pattern}")
    requirements = []
    for (key, access), why in sorted(needs.items()):
        requirements += [Requirement(kms, key, f"{access} {why}") for kms in KEY_ACTIONS[access]]
    return requirements
