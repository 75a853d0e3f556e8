"""Every workflow in the repo handles task failure (design.md, "An architecture is done when", point 7).

For every ``handlers/**/*.asl.json`` and every ``Task`` state in it (also inside Parallel branches and Map
iterators), two checks:

* **Retry**: each transient error of the task's integration (:data:`TRANSIENT_ERRORS`) is retried: the *first*
  retrier that matches it (by name, or ``States.TaskFailed``/``States.ALL``, as Step Functions picks retriers in
  order) has ``MaxAttempts`` above 0.
* **Catch**: a catcher for ``States.ALL`` or ``States.TaskFailed`` on the task itself, or on an enclosing
  Parallel/Map state, leads to a failure path: its target is not where the task goes on success, and from there
  the execution reaches a ``Fail`` state (with an Error and a Cause) or another Task (a notice or a compensation).

A new architecture gets these checks by adding its ASL file; exceptions live in :data:`EXCEPTIONS` only, each
with its reason. Step Functions names a service's errors ``<Service>.<ErrorCode>``; the throttling codes below
are the ones botocore's service models list for the operations our workflows call, plus AWS's common
``ThrottlingException``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.sfn import lint

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "handlers").rglob("*.asl.json"))

#: The Step Functions docs' Lambda service exceptions (bp-lambda-serviceexception) and Lambda's throttling.
LAMBDA_TRANSIENT = ("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException")
#: Integration (``lambda``, ``dynamodb``, ``aws-sdk:forecast``...) -> the transient errors a Retry must cover.
TRANSIENT_ERRORS: dict[str, tuple[str, ...]] = {
    "lambda": LAMBDA_TRANSIENT,
    "dynamodb": ("DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
                 "DynamoDB.RequestLimitExceeded"),
    "sqs": ("SQS.RequestThrottled", "SQS.ThrottlingException"),
    "sns": ("SNS.ThrottlingException",),
    # apigateway:invoke fails with ApiGateway.<HTTP status>: 429 is API Gateway throttling the call.
    "apigateway": ("ApiGateway.429",),
    "aws-sdk:forecast": ("Forecast.ThrottlingException",),
    # AWS SDK and optimised integrations name errors <ServiceName>.<ErrorCode> (Step Functions developer guide).
    "aws-sdk:ssm": ("Ssm.ThrottlingException",),
    "events": ("EventBridge.ThrottlingException",),
    # ExecuteStatement refuses a statement over the cluster's concurrent-statement quota until one ends.
    "aws-sdk:redshiftdata": ("RedshiftData.ActiveStatementsExceededException", "RedshiftData.ThrottlingException"),
    # AWS Batch's API errors (botocore: ClientException, ServerException) as Step Functions names them, and the
    # SDK's exception for a throttled call ("Too Many Requests").
    "batch": ("Batch.AWSBatchException", "Batch.ServerException"),
    # MWAA's model lists InternalServerException for every operation; S3 throttles with SlowDown; a Step Functions
    # child execution is refused past the account's open-execution limit.
    "aws-sdk:mwaa": ("Mwaa.ThrottlingException", "Mwaa.InternalServerException"),
    "aws-sdk:s3": ("S3.SlowDown",),
    "states": ("StepFunctions.ExecutionLimitExceeded", "StepFunctions.ThrottlingException"),
}
#: Retry/Catch names that match any task error (States.TaskFailed: all but States.Timeout).
WILDCARDS = ("States.ALL", "States.TaskFailed")
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"

#: (ASL file, state name) -> why that task may fail the execution without a Retry or Catch. Keep it short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("handlers/forecast_workflow/forecast.asl.json", "Notify-Failure"):
        "the failure notice's own Catch continues to Clean-Up, its normal Next, on purpose: a lost notice must not "
        "leave Forecast resources behind, and Finish still ends the execution in Workflow-Failed",
}

# An unquoted placeholder stands for a number or a boolean (a retry interval, a flag); a BackoffRate is a float.
UNQUOTED_PLACEHOLDER = re.compile(r'(?P<key>"\w+": )\$\{\w+\}')


def load(path: str) -> dict[str, Any]:
    """The definition as JSON; quoted ``${Name}`` placeholders stay in their strings."""
    text = (ROOT / path).read_text(encoding="utf-8")
    # A placeholder Resource is a Lambda function ARN (statelint wants a URI there).
    text = re.sub(r'"Resource": "\$\{(\w+)\}"', rf'"Resource": "{FUNCTION_ARN}\1"', text)
    return json.loads(UNQUOTED_PLACEHOLDER.sub(
        lambda m: m["key"] + ("2.0" if m["key"] == '"BackoffRate": ' else "1"), text))


def integration(resource: str) -> str:
    """``lambda``, ``dynamodb``, ``aws-sdk:forecast``...: the key of :data:`TRANSIENT_ERRORS` for a Resource."""
    match = re.search(r":states:::(aws-sdk:[a-z0-9]+|[a-z]+):", resource)
    if match:
        return match.group(1)
    if resource.startswith(FUNCTION_ARN):  # a function ARN as Resource: a Lambda task
        return "lambda"
    raise AssertionError(f"unknown Task Resource {resource!r}: add its integration to TRANSIENT_ERRORS")


#: The enclosing Parallel/Map states of a state, outermost first, each with the States block it belongs to.
Enclosing = tuple[tuple[dict[str, Any], dict[str, Any]], ...]


def walk(states: dict[str, Any], enclosing: Enclosing = ()) -> Iterator[
        tuple[str, dict[str, Any], dict[str, Any], Enclosing]]:
    """Yield ``(name, state, its States block, enclosing)`` for every state, recursively."""
    for name, state in states.items():
        yield name, state, states, enclosing
        for branch in state.get("Branches", []):
            yield from walk(branch["States"], (*enclosing, (state, states)))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from walk(state[key]["States"], (*enclosing, (state, states)))


def tasks() -> list[tuple[str, str]]:
    return [(path, name) for path in DEFINITIONS for name, state, _, _ in walk(load(path)["States"])
            if state["Type"] == "Task"]


def find(path: str, task: str) -> tuple[dict[str, Any], dict[str, Any], Enclosing]:
    for name, state, states, enclosing in walk(load(path)["States"]):
        if name == task:
            return state, states, enclosing
    raise AssertionError(f"{path}: no state {task!r}")


def first_retrier(retriers: list[dict[str, Any]], error: str) -> dict[str, Any] | None:
    for retrier in retriers:
        if error in retrier["ErrorEquals"] or any(w in retrier["ErrorEquals"] for w in WILDCARDS):
            return retrier
    return None


def reaches_failure_path(states: dict[str, Any], start: str) -> bool:
    """From ``start``, does the flow reach a Fail state with an error and a cause, or a Task (notice/compensation)?"""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        # A Fail state names its error and cause, literally or by path (re-raising a caught error for the caller).
        named = all(state.get(key) or state.get(f"{key}Path") for key in ("Error", "Cause"))
        if state["Type"] == "Task" or (state["Type"] == "Fail" and named):
            return True
        todo += [state[key] for key in ("Next", "Default") if key in state]
        todo += [choice["Next"] for choice in state.get("Choices", [])]
        todo += [catcher["Next"] for catcher in state.get("Catch", [])]
    return False


def failure_catcher(state: dict[str, Any], states: dict[str, Any]) -> str | None:
    """The target of ``state``'s catch-all, when it leads to a failure path (see the module docstring)."""
    for catcher in state.get("Catch", []):
        if any(w in catcher["ErrorEquals"] for w in WILDCARDS):
            target = catcher["Next"]
            # Catching into the success Next only counts when that Next is itself a Fail state.
            diverts = target != state.get("Next") or states[target]["Type"] == "Fail"
            if diverts and reaches_failure_path(states, target):
                return target
    return None


def test_every_workflow_is_found_and_passes_statelint():
    assert len(DEFINITIONS) >= 14
    for path in DEFINITIONS:
        assert lint(load(path)) == [], path


@pytest.mark.parametrize("path, task", tasks())
def test_task_retries_its_integrations_transient_errors(path, task):
    if (path, task) in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[(path, task)])
    state, _, _ = find(path, task)
    kind = integration(state["Resource"])
    assert kind in TRANSIENT_ERRORS, f"{path}: {task}: no transient errors listed for integration {kind!r}"
    unretried = [error for error in TRANSIENT_ERRORS[kind]
                 if (retrier := first_retrier(state.get("Retry", []), error)) is None
                 or retrier.get("MaxAttempts", 3) == 0]
    assert unretried == [], f"{path}: {task} ({kind}) does not retry {unretried}"


@pytest.mark.parametrize("path, task", tasks())
def test_task_failure_is_caught_into_a_failure_path(path, task):
    if (path, task) in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[(path, task)])
    state, states, enclosing = find(path, task)
    covered = failure_catcher(state, states) or any(
        failure_catcher(outer, outer_states) for outer, outer_states in enclosing)
    assert covered, (f"{path}: {task} has no States.ALL/States.TaskFailed Catch (nor an enclosing Parallel/Map) "
                     f"leading to a Fail state or a notice/compensation task")


def test_exceptions_name_existing_tasks_that_really_lack_handling():
    """A stale exception (a renamed task, or one that now passes both checks) must be removed from the table."""
    for (path, task), reason in EXCEPTIONS.items():
        assert reason.strip(), (path, task)
        state, states, enclosing = find(path, task)
        assert state["Type"] == "Task", (path, task)
        assert not failure_catcher(state, states), f"{path}: {task} passes the Catch check now: drop its exception"


def test_the_checks_reject_what_they_must():
    """The two checks on hand-made states: a retrier that matches first with MaxAttempts 0 retries nothing, a Catch
    that continues the success path is no failure path, and a Fail state must say what failed."""
    transient = "Lambda.ServiceException"
    assert first_retrier([{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 0},
                          {"ErrorEquals": [transient], "MaxAttempts": 3}], transient)["MaxAttempts"] == 0
    assert first_retrier([{"ErrorEquals": ["InvalidMessageError"], "MaxAttempts": 0}], transient) is None
    states = {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "More",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "More"}]},
        "More": {"Type": "Pass", "End": True},
        "Silent": {"Type": "Fail"},
        "Loud": {"Type": "Fail", "Error": "WorkFailed", "Cause": "the work failed"},
    }
    assert failure_catcher(states["Work"], states) is None  # the catch continues the happy path
    states["Work"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Silent"}]
    assert failure_catcher(states["Work"], states) is None  # a Fail state without Error/Cause
    states["Work"]["Catch"] = [{"ErrorEquals": ["SomethingElse"], "Next": "Loud"}]
    assert failure_catcher(states["Work"], states) is None  # does not catch every task error
    states["Work"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Loud"}]
    assert failure_catcher(states["Work"], states) == "Loud"
