"""ECR repositories keep image tags immutable (post 000#13: the company base image's repository)."""
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


def evaluate(repository: RepositoryFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    mutability = repository.tag_mutability
    if is_unknown(mutability):
        return unknown(mutability)
    if mutability == "IMMUTABLE":
        return compliant("IMMUTABLE")
    if mutability == "IMMUTABLE_WITH_EXCLUSION" and params["allowExclusions"]:
        return compliant("IMMUTABLE_WITH_EXCLUSION (allowExclusions)")
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return non_compliant("IMMUTABLE_WITH_EXCLUSION: tags matching the exclusion filters can be pushed again "
                             "over another image; set imageTagMutability IMMUTABLE (or allowExclusions)")
    return non_compliant(f"imageTagMutability {mutability or 'MUTABLE (the default)'}: a tag can be pushed again "
                         f"over another image, so a function built FROM <repo>:<version> can change under it; set "
                         f"IMMUTABLE")


RULE = Rule(
    id="ecr-tag-immutability",
    title="ECR repositories have immutable image tags",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECR_REPOSITORY,),
    evaluate=evaluate,
    rationale="Functions and images are built FROM a versioned company base image; a mutable tag lets that "
              "version change after review and signing.",
    remediation="Create the repository with imageTagMutability IMMUTABLE (components/governed/ecr.py does).",
    parameters={
        "type": "object",
        "properties": {
            "allowExclusions": {"type": "boolean", "default": False,
                                "description": "Accept IMMUTABLE_WITH_EXCLUSION (some tags, e.g. latest, stay "
                                               "mutable)."},
        },
    },
    references=(CONSISTENCY_POST, config("ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED"), security_hub("ECR.2"),
                checkov("CKV_AWS_51")),
)
