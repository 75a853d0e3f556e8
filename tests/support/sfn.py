"""Execute our ASL state machines in moto 5.2.5, with the real Lambda handlers behind every task.

What moto does and does not do here, in one place:

* ``mock_aws(config=MOTO_CONFIG)`` makes moto's Step Functions really interpret a definition (in a background
  thread per execution) and makes its Lambda Docker-less. Docker-less Lambda cannot run code: an invoke returns
  the next entry of one global FIFO (``lambda_simple_results_queue``) or echoes the payload. A FIFO cannot serve
  Parallel branches or Map iterations, which invoke from several threads at once, so :func:`lambda_router`
  answers each invoke with the handler registered for the invoked *function name*, called on the exact payload.
* ``arn:aws:states:::apigateway:invoke`` is sent as a real HTTP request to
  ``<ApiEndpoint>/<Stage>/_user_request_/<Path>/?<query>`` and moto does not serve execute-api;
  :func:`emulated_rest_api` answers it with Lambda proxy handlers and corrects moto's three bugs in that task.
* moto drops the ``SdkHttpMetadata`` block real Step Functions returns from the DynamoDB, SQS and SNS
  integrations; :func:`sdk_http_metadata` restores it for definitions that read it.
* Wait states and Retry back-offs really sleep in moto; the architecture tests make them instant and record them
  (:func:`instant_waits`, autouse in ``tests/architectures/conftest.py``), so a test asserts the exact seconds the
  definition asks for instead of spending them. ``StartSyncExecution`` is not implemented, executions start by the unqualified state
  machine ARN only, and ``$$.Execution.Id`` ends in ``:None`` unless the execution is given a name.
* EventBridge rules and S3 notifications cannot deliver to Lambda or Step Functions: tests start executions
  themselves with the event the rule would deliver.
* ``aws-sdk:<service>`` tasks reach moto through the boto3 client named ``<service>``; where boto3's name differs
  (``redshiftdata`` / ``redshift-data``), :func:`aws_sdk_service_names` supplies it.
"""
from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import boto3
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.models import responses_mock
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_api_gateway as moto_apigw,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_callback
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns import (
    StateTaskServiceSns,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs import (
    StateTaskServiceSqs,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from statelint import fields as statelint_fields
from statelint.linter import Linter
from statelint.nodes import map_state as statelint_map_state

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
#: ``mock_aws(config=MOTO_CONFIG)``: state machines really execute; Lambda needs no Docker (and runs no code).
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
#: A role ARN for state machines whose role is never assumed: moto does not check it exists.
STATES_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sfn"

#: A Lambda handler: ``handler(event, context) -> result``.
Handler = Callable[[Any, Any], Any]


# ---------------------------------------------------------------------------------------------------- ASL
# statelint 3.1.0 knows only MaxItems(Path) in an ItemReader's ReaderConfig; AWS documents more ("ItemReader (Map)"
# in the Step Functions Developer Guide): the file's InputType and, for CSV, where the header comes from. Teach it
# those fields with their allowed values, so a Distributed Map over a CSV file is linted, not refused.
_READER_CONFIG_FIELDS = (
    statelint_fields._EnumStrField("InputType", ["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"]),
    statelint_fields._EnumStrField("CSVHeaderLocation", ["FIRST_ROW", "GIVEN"]),
    statelint_fields._ListField("CSVHeaders", statelint_fields._StrField),
    statelint_fields._EnumStrField("CSVDelimiter", ["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"]),
)
_reader_config_fields = statelint_map_state.ReaderConfig.optional_fields
statelint_map_state.ReaderConfig.optional_fields = property(  # type: ignore[assignment,method-assign]
    lambda node: [*_reader_config_fields.fget(node), *_READER_CONFIG_FIELDS])


def lint(definition: str | dict[str, Any]) -> list[str]:
    """statelint's problems with a rendered definition (JSON text or parsed); ``[]`` when it is valid.

    statelint checks the ASL structure (states, transitions, paths, intrinsic-function syntax); it does not know
    which integrations exist or whether an ARN is real.
    """
    return Linter.validate(definition)


# --------------------------------------------------------------------------------------------- deployment
def trusted_role(name: str, service: str) -> str:
    """Create an IAM role in moto that ``service`` (``states.amazonaws.com``...) may assume; return its ARN.

    moto stores the trust policy but never evaluates it, nor the role's permissions: a test that needs to prove
    a grant must check the policy document (see :mod:`tests.support.iam`).
    """
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    iam = boto3.client("iam", region_name=REGION)
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))["Role"]["Arn"]


def create_functions(handlers: dict[str, str], role_arn: str) -> dict[str, str]:
    """Create one moto Lambda function per ``{function name: handler path}``; return ``{name: function ARN}``.

    The functions exist so that a Task naming an undeployed function fails as in AWS (see
    :func:`lambda_router`); their code is a placeholder zip because moto's Docker-less Lambda never runs it.
    """
    client = boto3.client("lambda", region_name=REGION)
    return {name: client.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler=path,
                                         Code={"ZipFile": b"shipped by the governed signing pipeline"})["FunctionArn"]
            for name, path in handlers.items()}


def create_state_machine(name: str, definition: str, role_arn: str = STATES_ROLE_ARN, **options: Any) -> str:
    """Create a state machine in moto and return its ARN; ``options`` go to ``CreateStateMachine`` as given.

    moto accepts ``type="EXPRESS"`` and ``publish=True`` (versions) but interprets every type the same way.
    """
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn, **options)[
        "stateMachineArn"]


# --------------------------------------------------------------------------------------------- executions
def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every history event of an execution, oldest first (all pages)."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def entered_states(sfn: Any, execution_arn: str) -> list[str]:
    """The names of the states an execution entered, in order (Parallel/Map inner states included)."""
    return [event["stateEnteredEventDetails"]["name"] for event in history(sfn, execution_arn)
            if event["type"].endswith("StateEntered")]


LOAD_SLACK = 4
MIN_WAIT_SECONDS = 30.0


@dataclass
class Waits:
    """The seconds moto's interpreter was asked to wait, in the order asked (executions run in threads: compare
    sorted lists when several run at once)."""
    retries: list[float] = field(default_factory=list)  # each Retry back-off (IntervalSeconds x BackoffRate^n)
    states: list[float] = field(default_factory=list)  # each Wait state's seconds


@contextlib.contextmanager
def instant_waits() -> Iterator[Waits]:
    """Make moto's Retry back-offs and Wait states take no time, and record what they asked for.

    The waits themselves are moto's (``retrier_decl`` sleeps the computed interval; ``WaitFunction`` waits on the
    execution's event); what they would wait is computed by moto from the definition before either is called, so
    the recorded seconds are the definition's, exactly. Real waits cost the suite seconds per retry and prove
    less: a test can assert the back-off sequence only from the record."""
    waits = Waits()
    recorder = type("InstantTime", (), {"sleep": staticmethod(waits.retries.append)})

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:  # noqa: ARG001 (moto's signature)
        waits.states.append(wait_seconds)

    with patch.object(retrier_decl, "time", recorder), patch.object(WaitFunction, "_wait_interval", wait_interval):
        yield waits


#: Each definition's parsed program, kept for the test process: moto parses the definition again for every
#: execution (its ANTLR parser in pure Python: a few tenths of a second to seconds per execution), and the parsed
#: program holds no execution state (each execution gets its own environment).
_PROGRAMS: dict[str, Any] = {}


@contextlib.contextmanager
def parsed_once() -> Iterator[None]:
    """Let moto parse each distinct definition once per test process (:data:`_PROGRAMS`)."""
    original = ExecutionWorker._get_evaluation_entrypoint

    def entrypoint(self: ExecutionWorker) -> Any:
        definition = self._evaluation_details.state_machine_details.definition
        if definition not in _PROGRAMS:
            _PROGRAMS[definition] = original(self)
        return _PROGRAMS[definition]

    with patch.object(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint):
        yield


@contextlib.contextmanager
def fast_interpreter() -> Iterator[Waits]:
    """moto's interpreter without its costs in time: waits recorded, not waited (:func:`instant_waits`), each
    definition parsed once (:func:`parsed_once`), and ``.sync``/callback tasks polled every 10 ms instead of every
    0.5 s (what they poll for is unchanged)."""
    with instant_waits() as waits, parsed_once(), \
            patch.object(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", 0.01):
        yield waits


def wait_for_execution(sfn: Any, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll ``DescribeExecution`` until the execution leaves RUNNING; return that description.

    moto runs the execution in a background thread and its Wait states really sleep, so ``timeout`` must cover
    the rendered waits and retry intervals. The wait is bounded by ``timeout`` scaled for a loaded machine
    (``LOAD_SLACK`` times, and at least ``MIN_WAIT_SECONDS``): moto's execution thread competes with the test
    workers for two cores, and a passing execution returns as soon as it leaves RUNNING anyway. On timeout the
    error lists the history's event types (and any task failure) to show where the execution stuck.
    """
    timeout = max(timeout * LOAD_SLACK, MIN_WAIT_SECONDS)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    events = [(event["type"], event.get("taskFailedEventDetails")) for event in history(sfn, execution_arn)]
    raise AssertionError(f"execution {execution_arn} still RUNNING after {timeout} s; history: {events}")


def run_execution(state_machine_arn: str, execution_input: Any = None, name: str | None = None,
                  timeout: float = 10.0) -> dict[str, Any]:
    """Start an execution, wait for its end (see :func:`wait_for_execution`) and return its description.

    ``execution_input`` is JSON-encoded (``None``: moto's default ``{}``). Give ``name`` when the definition reads
    ``$$.Execution.Id`` or ``$$.Execution.Name``: without one moto's execution ID ends in ``:None``.
    """
    sfn = boto3.client("stepfunctions", region_name=REGION)
    start: dict[str, Any] = {"stateMachineArn": state_machine_arn}
    if execution_input is not None:
        start["input"] = json.dumps(execution_input)
    if name is not None:
        start["name"] = name
    return wait_for_execution(sfn, sfn.start_execution(**start)["executionArn"], timeout)


# -------------------------------------------------------------------------------------------- Lambda tasks
@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context that Powertools reads; the ARN follows the function name."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = ""
    aws_request_id: str = "4d6f0c0e-0000-4000-8000-000000000000"

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"


@contextlib.contextmanager
def lambda_router(routes: dict[str, Handler]) -> Iterator[list[tuple[str, Any]]]:
    """Answer moto's Lambda invokes with ``routes[function name](event, context)``; yield ``(name, event)`` calls.

    The function must exist in moto (:func:`create_functions`): an undeployed name gets Lambda's
    ``ResourceNotFoundException``, which fails the task as in AWS (moto names the task error ``Exception`` with
    cause ``Function not found: <arn>``; AWS names it ``Lambda.ResourceNotFoundException``). The handler runs
    on the exact payload the task sent (after ``InputPath``/``Parameters``), with a :class:`FakeLambdaContext`
    named after the function. A handler exception becomes an ``Unhandled`` function error whose ``errorType`` is
    the exception class name, as the Python runtime reports it, so ``Retry``/``Catch`` on that name work.
    Invokes from Parallel branches and Map iterations run concurrently; the log is appended under a lock, so its
    order is the order of arrival. Not emulated: timeouts, memory, cold starts, concurrency limits, and
    versions or aliases (the qualifier selects the function, nothing else).
    """
    calls: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def invoke(self, function_name, qualifier, body, headers, response_headers):  # noqa: ANN001 (moto's signature)
        function = self.get_function(function_name, qualifier)  # raises ResourceNotFoundException like AWS
        name = function.function_name
        if name not in routes:
            raise AssertionError(f"lambda_router has no handler for function {name!r}; routes: {sorted(routes)}")
        event = json.loads(body) if body else {}
        with lock:
            calls.append((name, event))
        try:
            result = routes[name](event, FakeLambdaContext(function_name=name))
        except Exception as exc:  # reported to the state machine exactly as the Lambda runtime reports it
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        return json.dumps(result).encode()

    with patch.object(LambdaSimpleBackend, "invoke", invoke):
        yield calls


# --------------------------------------------------------------------------------- service integrations
@contextlib.contextmanager
def sdk_http_metadata() -> Iterator[None]:
    """Add the ``SdkHttpMetadata`` block real Step Functions returns from DynamoDB/SQS/SNS integrations.

    AWS returns ``SdkHttpMetadata`` (``HttpStatusCode``, ``HttpHeaders``) and definitions may select it in a
    ``ResultSelector``; moto's parser drops it. This restores only that documented field (status 200, no
    headers), after moto has really performed the call. Not restored: ``SdkResponseMetadata`` (request ID).
    """
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def eval_service_task(self, env, *args, **kwargs):  # noqa: ANN001, ANN202 (moto's signature)
            original(self, env, *args, **kwargs)
            env.stack[-1] = {**env.stack[-1], "SdkHttpMetadata": {"HttpHeaders": {}, "HttpStatusCode": 200}}

        return eval_service_task

    with contextlib.ExitStack() as stack:
        for cls in (StateTaskServiceDynamoDB, StateTaskServiceSqs, StateTaskServiceSns):
            stack.enter_context(patch.object(cls, "_eval_service_task", wrap(cls._eval_service_task)))
        yield


@contextlib.contextmanager
def apigateway_invoke_fixes() -> Iterator[None]:
    """Correct moto 5.2.5's ``apigateway:invoke`` task (three bugs); its HTTP behaviour is unchanged.

    1. moto lists only ``ApiEndpoint`` and ``Method`` as supported and strips every other documented parameter
       (``Stage``, ``Path``, ``QueryParameters``, ``RequestBody``...): all of ``TaskParameters`` are let through.
    2. The base class calls ``_eval_service_task(..., state_credentials=...)``; moto's subclass still names the
       argument ``task_credentials``, so every call ended in ``States.Runtime``.
    3. moto's ``_from_error`` builds ``FailureEvent`` without the ``env`` it requires; the error names stay
       moto's (``ApiGateway.<status>`` with the response text as cause, or ``ApiGateway.<exception class>``).
    Still not emulated: ``AuthType`` signing (no credentials are checked) and response headers beyond moto's.
    """
    task = moto_apigw.StateTaskServiceApiGateway
    original_eval = task._eval_service_task

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):  # noqa: ANN001
        return original_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)

    def from_error(self, env, ex):  # noqa: ANN001, ANN202 (moto's signature)
        if isinstance(ex, moto_apigw.SfnGatewayException):
            error_name, cause = f"ApiGateway.{ex.response.status_code}", ex.response.text
        else:
            error_name, cause = f"ApiGateway.{ex.__class__.__name__}", str(ex)
        return FailureEvent(
            env=env, error_name=CustomErrorName(error_name), event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                error=error_name, cause=cause, resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type())))

    bindings = {moto_apigw.SupportedApiCalls.invoke: set(moto_apigw.TaskParameters.__annotations__)}
    with patch.object(task, "_SUPPORTED_API_PARAM_BINDINGS", bindings), \
            patch.object(task, "_eval_service_task", eval_service_task), \
            patch.object(task, "_from_error", from_error):
        yield


@dataclass
class ApiCall:
    """One request the emulated REST API answered (``query``: last value of each query parameter)."""

    method: str
    stage: str
    path: str
    body: str | None
    status: int
    query: dict[str, str] = field(default_factory=dict)


def api_endpoint(api_id: str) -> str:
    """The ``ApiEndpoint`` to render into a definition so moto's task calls :func:`emulated_rest_api`.

    AWS takes the bare host name; moto's ``requests`` call needs the scheme, so tests render it with
    ``https://``.
    """
    return f"https://{api_id}.execute-api.{REGION}.amazonaws.com"


@contextlib.contextmanager
def emulated_rest_api(api_id: str, routes: dict[tuple[str, str], Handler],
                      overrides: dict[tuple[str, str], list[int]] | None = None) -> Iterator[list[ApiCall]]:
    """Serve REST API ``api_id`` to ``apigateway:invoke`` tasks with Lambda proxy handlers; yield the calls.

    ``routes[(method, path)]`` is called with the Lambda proxy event API Gateway builds (``httpMethod``,
    ``path``, ``queryStringParameters``, ``headers``, ``body``, ``requestContext``); its ``statusCode`` and
    ``body`` are the HTTP answer. As API Gateway does: a handler exception is a 502 ``Internal server error``;
    an unknown route is a 403 ``Missing Authentication Token``. ``overrides[(method, path)]`` lists status codes
    answered *before* the handler runs (429 when throttled, say; the body is API Gateway's throttling message),
    consumed one per call. moto sends any
    ``RequestBody`` JSON-encoded; any status other than 200 fails the task with ``ApiGateway.<status>``. The
    :func:`apigateway_invoke_fixes` are applied for the duration. Render the definition's ``ApiEndpoint`` with
    :func:`api_endpoint`.
    """
    calls: list[ApiCall] = []
    lock = threading.Lock()
    pending = {key: list(codes) for key, codes in (overrides or {}).items()}
    url = re.compile(rf"{re.escape(api_endpoint(api_id))}/(?P<stage>[^/]+)/_user_request_/+(?P<path>[^?]*)")

    def answer(status: int, body: str) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body

    def callback(request) -> tuple[int, dict[str, str], str]:  # noqa: ANN001 (a requests.PreparedRequest)
        match = url.match(request.url)
        # moto puts "/" after the path (its query-string slot); API Gateway ignores a trailing slash.
        method, stage, path = request.method, match["stage"], "/" + match["path"].rstrip("/")
        query = {key: values[-1] for key, values in parse_qs(urlsplit(request.url).query).items()}
        body = request.body.decode() if isinstance(request.body, bytes) else request.body

        def record(status: int) -> None:
            with lock:
                calls.append(ApiCall(method, stage, path, body, status, query))

        with lock:
            forced = pending[(method, path)].pop(0) if pending.get((method, path)) else None
        if forced is not None:
            record(forced)
            return answer(forced, json.dumps({"message": "Too Many Requests"}))
        handler = routes.get((method, path))
        if handler is None:  # API Gateway's answer to a path or method it does not have
            record(403)
            return answer(403, json.dumps({"message": "Missing Authentication Token"}))
        event = {"httpMethod": method, "path": path, "queryStringParameters": query or None, "body": body,
                 "headers": dict(request.headers),
                 "requestContext": {"stage": stage, "httpMethod": method, "resourcePath": path}}
        try:
            result = handler(event, FakeLambdaContext(function_name=f"{api_id}-{method}-{path.strip('/')}"))
        except Exception:  # API Gateway answers any function error with 502, whatever the error was
            record(502)
            return answer(502, json.dumps({"message": "Internal server error"}))
        record(result["statusCode"])
        return answer(result["statusCode"], result["body"])

    with apigateway_invoke_fixes():
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            responses_mock.add_callback(method, url, callback=callback)
        try:
            yield calls
        finally:
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                responses_mock.remove(method, url)


# ------------------------------------------------------------------------------------------ aws-sdk tasks
#: ``aws-sdk:<service>`` names whose boto3 client name differs, which moto 5.2.5 does not map (it knows only
#: ``sfn``): ``aws-sdk:redshiftdata`` is boto3's ``redshift-data``.
AWS_SDK_BOTO_NAMES = {"redshiftdata": "redshift-data"}


@contextlib.contextmanager
def aws_sdk_service_names() -> Iterator[None]:
    """Let moto's ``aws-sdk:<service>`` tasks reach services whose boto3 name differs (:data:`AWS_SDK_BOTO_NAMES`);
    without it moto fails them with ``States.Runtime`` "Unknown service". The call itself is moto's, unchanged."""
    task = StateTaskServiceAwsSdk
    with patch.object(task, "_SERVICE_NAME_SFN_TO_BOTO_OVERRIDES",
                      {**task._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES, **AWS_SDK_BOTO_NAMES}):
        yield


@contextlib.contextmanager
def start_execution_fix() -> Iterator[None]:
    """Correct moto 5.2.5's ``states:startExecution`` task (``.sync``, ``.sync:2`` or plain): it passes the ASL's
    ``StateMachineArn``/``Input``/``Name`` to boto3 unchanged, which wants ``stateMachineArn``/``input``/``name``,
    so every such task ends in ``States.Runtime`` (cause ``'StateMachineArn'``); and it keeps boto3's
    ``executionArn``/``startDate`` in the result, which its own ``.sync`` resolvers read as ``ExecutionArn``; and
    an execution started without a name is named ``None`` (the second one collides), where AWS makes up a UUID.
    Step Functions uses the capitalised names both ways (the "Start a new AWS Step Functions state machine"
    integration page)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )
    original = StateTaskServiceSfn._normalise_parameters
    original_eval = StateTaskServiceSfn._eval_service_task

    def normalise(self, parameters, boto_service_name=None, service_action_name=None):  # noqa: ANN001, ANN202
        original(self, parameters, boto_service_name, service_action_name)
        if service_action_name is None and self._get_boto_service_action() == "start_execution":
            for key in [k for k in parameters if k[:1].isupper()]:
                parameters[key[0].lower() + key[1:]] = parameters.pop(key)
            parameters.setdefault("name", str(uuid.uuid4()))

    def eval_service_task(self, env, **kwargs):  # noqa: ANN001, ANN003, ANN202 (moto's signature)
        original_eval(self, env=env, **kwargs)
        if self._get_boto_service_action() == "start_execution":
            env.stack.append({key[0].upper() + key[1:]: value for key, value in env.stack.pop().items()})

    with patch.object(StateTaskServiceSfn, "_normalise_parameters", normalise), \
            patch.object(StateTaskServiceSfn, "_eval_service_task", eval_service_task):
        yield
