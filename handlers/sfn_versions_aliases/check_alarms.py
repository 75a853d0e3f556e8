"""Deployer step ``Check alarms``: after each bake interval, is any of the deployment's alarms firing?

Input: the ``Deployment`` document. Output: ``{"AlarmState": "ALARM" | "OK", "InAlarm": [names]}``; the state
machine rolls back on ``ALARM``. An alarm that does not exist is an error (the deployer then rolls back): a
deployment must not proceed unwatched because an alarm was renamed or deleted. ``INSUFFICIENT_DATA`` is not
firing: right after a deployment starts the metric has no data points yet.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.sfn_versions_aliases import deployment

cloudwatch = boto3.client("cloudwatch")


class AlarmNotFound(LookupError):
    """A deployment alarm does not exist."""


@instrumented
def handler(event: dict, context: Any) -> dict:
    names = event.get("AlarmNames")
    if not isinstance(names, list) or not names:
        raise deployment.InvalidDeployment(f"AlarmNames must list at least one alarm name, got {names!r}")
    alarms = cloudwatch.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    found = {alarm["AlarmName"]: alarm["StateValue"]
             for alarm in alarms.get("MetricAlarms", []) + alarms.get("CompositeAlarms", [])}
    missing = [name for name in names if name not in found]
    if missing:
        raise AlarmNotFound(f"deployment alarm(s) not found: {', '.join(missing)}")
    in_alarm = [name for name in names if found[name] == "ALARM"]
    state = "ALARM" if in_alarm else "OK"
    logger.info("deployment alarms checked", alarm_state=state, in_alarm=in_alarm, weight=event.get("Weight"))
    return {"AlarmState": state, "InAlarm": in_alarm}
