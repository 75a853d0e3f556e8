"""Amazon MQ brokers take minor engine upgrades automatically."""
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
from ..references import checkov, config, security_hub


def evaluate(broker: MqBrokerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    upgrade = broker.auto_minor_version_upgrade
    if is_unknown(upgrade):
        return unknown(upgrade)
    if upgrade is not True:
        return non_compliant("autoMinorVersionUpgrade is off: security fixes in minor engine versions wait for a "
                             "manual upgrade; set autoMinorVersionUpgrade to true")
    return compliant()


RULE = Rule(
    id="mq-auto-minor-upgrade",
    title="Amazon MQ brokers upgrade minor engine versions automatically",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.MQ_BROKER,),
    evaluate=evaluate,
    rationale="Minor engine versions carry the security fixes of ActiveMQ and RabbitMQ and are backward compatible; "
              "applying them in the maintenance window keeps brokers patched without a manual step.",
    remediation="Set autoMinorVersionUpgrade to true (upgrades happen in the broker's maintenance window).",
    references=(security_hub("MQ.3"), config("MQ_AUTO_MINOR_VERSION_UPGRADE_ENABLED"), checkov("CKV_AWS_207")),
)
