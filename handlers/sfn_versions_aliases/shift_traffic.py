"""Deployer steps ``Shift traffic`` and ``Roll back``: point the alias at the next weight, or back to 100 % on
the previous version.

Input: ``{"Action": "SHIFT" | "ROLLBACK", "Deployment": {...}}`` (the ``Deployment`` document of
``deployment.py``). ``SHIFT`` routes ``Steps[StepIndex]`` percent to the target and returns the document with
``Weight`` set to it and ``StepIndex`` advanced; ``ROLLBACK`` routes everything to ``PreviousVersionArn`` and
returns it with ``Weight`` 0 and ``Status`` ``ROLLED_BACK``. Both write the full routing configuration, so a
repeated invocation (a Step Functions retry) leaves the alias in the same state.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.sfn_versions_aliases import deployment

sfn = boto3.client("stepfunctions")

ACTIONS = ("SHIFT", "ROLLBACK")
ROLLED_BACK = "ROLLED_BACK"


@instrumented
def handler(event: dict, context: Any) -> deployment.Deployment:
    action = event.get("Action")
    if action not in ACTIONS:
        raise deployment.InvalidDeployment(f"Action must be one of {', '.join(ACTIONS)}, got {action!r}")
    plan: deployment.Deployment = event["Deployment"]
    target, previous = plan["TargetVersionArn"], plan["PreviousVersionArn"]

    if action == "ROLLBACK":
        if previous is None:
            raise deployment.InvalidDeployment("ROLLBACK needs PreviousVersionArn, got None")
        weight = 0
        result: deployment.Deployment = {**plan, "Weight": 0, "Status": ROLLED_BACK}
    else:
        index = plan["StepIndex"]
        if not 0 <= index < len(plan["Steps"]):
            raise deployment.InvalidDeployment(f"StepIndex {index} is outside Steps {plan['Steps']}")
        weight = plan["Steps"][index]
        result = {**plan, "Weight": weight, "StepIndex": index + 1}

    sfn.update_state_machine_alias(
        stateMachineAliasArn=plan["AliasArn"],
        routingConfiguration=deployment.routing(target, previous, weight),
    )
    logger.info("alias routing updated", action=action, alias_arn=plan["AliasArn"], target=target,
                target_weight=weight, previous=previous)
    return result
