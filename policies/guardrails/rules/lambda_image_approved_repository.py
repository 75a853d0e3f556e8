"""Every container image function runs an image from an allow-listed ECR repository, pinned by digest.

Closes the escape that ``lambda-required-layer`` and ``lambda-code-signing`` leave open: both are not applicable to
package type Image (Lambda takes neither layers nor code signing for images), so a team could ship an image to leave
the company layer and code signing behind. The platform's repositories (``components/governed/ecr.py``
``GovernedRepository``: immutable tags, scan on push, the platform key) hold images built FROM its base image, which
bakes in the company layer and the company's Lambda extension; this rule makes functions use only those.
"""
from collections.abc import Mapping, Sequence
from typing import Any

from ..helpers import parse_image_uri
from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Reference,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import CONSISTENCY_POST, GOVERNANCE_POST, checkov, config, security_hub

EXAMPLE = "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>"


def repository_allowed(repository_uri: str, allowed: Sequence[str]) -> bool:
    """An entry is a repository URI, or ``<registry>/<namespace>/*`` for every repository under that namespace."""
    return any(repository_uri == entry or (entry.endswith("/*") and repository_uri.startswith(entry[:-1]))
               for entry in allowed)


def evaluate(facts: FunctionFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(facts.package_type):
        return unknown(facts.package_type)
    if facts.package_type != "Image":
        return not_applicable("zip functions get the company layer and code signing (lambda-required-layer, "
                              "lambda-code-signing); this rule governs container images")
    if is_unknown(facts.image_uri):
        return unknown(facts.image_uri)
    image = facts.image_uri
    if not image:
        return non_compliant(f"container image function without an image URI; deploy an image as {EXAMPLE}")
    parsed = parse_image_uri(image)
    if parsed is None:
        return non_compliant(f"image {image} is not a private ECR image; push it to a platform repository and "
                             f"deploy {EXAMPLE}")
    allowed = list(params["allowedImageRepositories"])
    repository = parsed["repository_uri"] or ""
    if not repository_allowed(repository, allowed):
        where = f"one of {', '.join(sorted(allowed))}" if allowed else \
            "a platform repository (allowedImageRepositories is empty: the platform team lists them)"
        return non_compliant(f"image repository {repository} is not allowed; use {where}")
    if params["requireDigest"] and parsed["digest"] is None:
        return non_compliant(f"image {image} is pinned by tag {parsed['tag']}, which can be repointed; deploy "
                             f"{repository}@sha256:<digest>")
    return compliant(f"{repository}@{parsed['digest']}" if parsed["digest"] else image)


def _nearest(reference: Reference) -> Reference:
    return Reference(f"{reference.source} (nearest, not exact)", reference.id, reference.url)


_REPOSITORY = (r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"
               r"([a-z0-9]+([._-][a-z0-9]+)*/)*([a-z0-9]+([._-][a-z0-9]+)*|\*)$")

RULE = Rule(
    id="lambda-image-approved-repository",
    title="Container image functions run digest-pinned images from the platform's repositories",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="lambda-required-layer and lambda-code-signing do not apply to container images (Lambda takes no "
              "layers or code signing for them), so an image could escape both. Images must therefore come from "
              "the platform's governed repositories, built FROM its base image, which bakes in the company layer "
              "and the company's Lambda extension; a digest pins the reviewed image, as a tag can be repointed. "
              "Peers: no AWS Config managed rule, Security Hub Lambda control (Lambda.1-7), Checkov, cdk-nag or "
              "serverless-rules check judges a function's image source; the nearest guard the repository side (tag "
              "immutability: ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED, ECR.2) or the Dockerfile's FROM (CKV_DOCKER_7).",
    remediation="Build the image FROM the platform base image, push it to a platform repository and set the "
                "function's imageUri to <repository URI>@sha256:<digest> (GovernedFunction refuses a tag).",
    parameters={
        "type": "object",
        "properties": {
            "allowedImageRepositories": {
                "type": "array", "default": [],
                "items": {"type": "string", "pattern": _REPOSITORY},
                "description": "The platform's governed repositories (GovernedRepository): repository URIs "
                               "(<account>.dkr.ecr.<region>.amazonaws.com/<name>), or <registry>/<namespace>/* for "
                               "every repository under a namespace. Empty: no image is allowed.",
            },
            "requireDigest": {"type": "boolean", "default": True,
                              "description": "Refuse an image given by tag: a tag can be repointed after review."},
        },
    },
    # No peer judges a function's image source: each of these is the nearest, not an equivalent (see rationale).
    references=(CONSISTENCY_POST, GOVERNANCE_POST, *(_nearest(ref) for ref in (
        config("ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED"), security_hub("ECR.2"), checkov("CKV_DOCKER_7")))),
)
