"""Amazon MQ brokers publish general logs, and ActiveMQ brokers audit logs, to CloudWatch Logs."""
from collections.abc import Mapping
from typing import Any, Optional

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    MqBrokerFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(broker: MqBrokerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    problems: list[str] = []
    missing: Optional[Unknown] = None
    if is_unknown(broker.general_logs):
        missing = broker.general_logs
    elif broker.general_logs is not True:
        problems.append("general logs are off (set logs.general to true)")
    engine, audit = broker.engine_type, broker.audit_logs
    if audit is not True:
        if is_unknown(audit):
            missing = missing or audit
        elif is_unknown(engine):
            missing = missing or engine
        elif str(engine or "").lower() == "activemq":
            problems.append("audit logs are off (set logs.audit to true; ActiveMQ records who changed users and "
                            "destinations there)")
    if problems:
        return non_compliant("; ".join(problems))
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="mq-broker-logging",
    title="Amazon MQ brokers publish their logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.MQ_BROKER,),
    evaluate=evaluate,
    rationale="Without general logs a broker failure leaves no trace outside the broker; ActiveMQ's audit log is "
              "the record of management actions (users, destinations) an investigation needs.",
    remediation="Set logs.general to true, and logs.audit to true on ActiveMQ brokers (RabbitMQ has no audit log).",
    references=(security_hub("MQ.2"), config("MQ_CLOUDWATCH_AUDIT_LOG_ENABLED"), checkov("CKV_AWS_48"),
                checkov("CKV_AWS_197")),
)
