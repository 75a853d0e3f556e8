"""Start a gradual deployment of a published version through the alias: the entry point of the deployer.

``pulumi up`` invokes it (an ``aws.lambda_.Invocation`` re-run whenever the published version changes) with
``{"TargetVersionArn": "...:stateMachine:DemoStateMachine:6"}``; a CI system (Jenkins, Spinnaker...) can invoke
it the same way. It adds the deployment preference from its environment and starts the deployer state machine:

* ``DEPLOYER_STATE_MACHINE_ARN``, ``ALIAS_ARN``;
* ``DEPLOYMENT_TYPE`` (``LINEAR``), ``PERCENTAGE`` (``20``), ``INTERVAL_MINUTES`` (``2``),
  ``ALARM_NAMES`` (comma-separated).

The execution is named ``<alias>-v<version>`` (plus ``-<Attempt>`` when the event gives one), so invoking it
twice for the same version starts one deployment; the second call returns the first execution's ARN with
``"AlreadyStarted": true``. Pass ``Attempt`` to deploy a version again after a rollback.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, cast

import boto3

from company_observability import instrumented, logger
from handlers.sfn_versions_aliases import deployment

sfn = boto3.client("stepfunctions")

_ATTEMPT = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def deployment_request(target_version_arn: str) -> dict:
    """The deployer's input for ``target_version_arn``, from the function's environment."""
    interval_minutes = int(os.environ["INTERVAL_MINUTES"])
    return {
        "AliasArn": os.environ["ALIAS_ARN"],
        "TargetVersionArn": target_version_arn,
        "DeploymentType": os.environ["DEPLOYMENT_TYPE"],
        "Percentage": int(os.environ["PERCENTAGE"]),
        "IntervalSeconds": interval_minutes * 60,
        "AlarmNames": [name.strip() for name in os.environ["ALARM_NAMES"].split(",") if name.strip()],
    }


@instrumented
def handler(event: dict, context: Any) -> dict:
    target = event.get("TargetVersionArn")
    version = deployment.version_number(target)  # raises InvalidDeployment for anything but a version ARN
    request = deployment_request(cast(str, target))
    _, alias = deployment.split_qualified(request["AliasArn"], "ALIAS_ARN")
    name = f"{alias}-v{version}"
    attempt = event.get("Attempt")
    if attempt is not None:
        if not isinstance(attempt, str) or not _ATTEMPT.match(attempt):
            raise deployment.InvalidDeployment(f"Attempt must match {_ATTEMPT.pattern}, got {attempt!r}")
        name = f"{name}-{attempt}"

    deployer = os.environ["DEPLOYER_STATE_MACHINE_ARN"]
    # Execution ARNs are the state machine ARN with `stateMachine` -> `execution`, plus the name.
    execution_arn = deployer.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    # StartExecution is idempotent while an execution with the same name and input runs: it returns that
    # execution as if it were new. So look first; only a missing execution is started.
    try:
        sfn.describe_execution(executionArn=execution_arn)
        already = True
    except sfn.exceptions.ExecutionDoesNotExist:
        try:
            execution_arn = sfn.start_execution(stateMachineArn=deployer, name=name,
                                                input=json.dumps(request))["executionArn"]
            already = False
        except sfn.exceptions.ExecutionAlreadyExists:  # same name, other input (e.g. a changed preference)
            already = True
    logger.info("deployment started", execution_arn=execution_arn, already_started=already, **request)
    return {"ExecutionArn": execution_arn, "ExecutionName": name, "AlreadyStarted": already, "Request": request}
