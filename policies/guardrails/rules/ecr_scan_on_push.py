"""ECR repositories scan images on push (post 000#13: the company base image's repository)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    RepositoryFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import CONSISTENCY_POST, checkov, config, security_hub


def evaluate(repository: RepositoryFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    scan = repository.scan_on_push
    if is_unknown(scan):
        return unknown(scan)
    if scan is True:
        return compliant("scanOnPush")
    return non_compliant("imageScanningConfiguration.scanOnPush is not true: images are pushed without a "
                         "vulnerability scan")


RULE = Rule(
    id="ecr-scan-on-push",
    title="ECR repositories scan images on push",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECR_REPOSITORY,),
    evaluate=evaluate,
    rationale="Image functions and containers run what the repository holds; an image with known "
              "vulnerabilities should be found when it is pushed, not in production.",
    remediation="Set imageScanningConfiguration.scanOnPush true (components/governed/ecr.py does). A registry "
                "with enhanced scanning rules covers it too: then exempt with that reason.",
    references=(CONSISTENCY_POST, config("ECR_PRIVATE_IMAGE_SCANNING_ENABLED"), security_hub("ECR.1"),
                checkov("CKV_AWS_163")),
)
