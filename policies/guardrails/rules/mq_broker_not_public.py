"""Amazon MQ brokers are not publicly accessible."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    MqBrokerFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config


def evaluate(broker: MqBrokerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    public = broker.publicly_accessible
    if is_unknown(public):
        return unknown(public)
    if public:
        return non_compliant("publiclyAccessible is true: the broker's endpoints resolve to public addresses; set "
                             "publiclyAccessible to false and reach it from the VPC")
    return compliant()


RULE = Rule(
    id="mq-broker-not-public",
    title="Amazon MQ brokers are not publicly accessible",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.MQ_BROKER,),
    evaluate=evaluate,
    rationale="A public broker exposes its wire protocols and web console to the internet, guarded only by "
              "passwords; a private one is reachable only through its VPC and security groups.",
    remediation="Set publiclyAccessible to false (the default) and give the broker subnets and security groups in "
                "the VPC its clients run in. Public access cannot be changed on an existing broker: recreate it.",
    references=(config("MQ_NO_PUBLIC_ACCESS"), checkov("CKV_AWS_69")),
)
