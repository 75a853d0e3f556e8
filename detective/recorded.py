"""What AWS Config has recorded: configuration items as facts, completed by API where an item lacks something, and
read across an organisation through a configuration aggregator's advanced queries.

The Config rule Lambda judges one item at a time (``complete_item`` fetches what the item lacks). The audit, given
an aggregator (``--aggregator NAME``), reads every account's and region's recorded resources of the kinds its rules
judge with ``SelectAggregateResourceConfig`` (a few paginated calls for the whole organisation, made once from the
aggregator's account) instead of listing and describing them in each account; kinds Config does not record (HTTP
routes, REST methods, stages...) are still listed in each account. Both paths build facts with the same adapter
(``guardrails.adapters.config_item``) and judge them with the same rules, so the verdicts are the same.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional

from botocore.exceptions import BotoCoreError, ClientError

from detective import errors
from guardrails.adapters import config_item
from guardrails.model import Facts, Kind

MAX_EXPRESSION = 4096  # AWS: SelectAggregateResourceConfig's Expression is at most 4,096 characters
PAGE_SIZE = 100  # AWS: Limit is at most 100 results a page
FIELDS = ("resourceId, resourceName, resourceType, accountId, awsRegion, arn, configuration, "
          "supplementaryConfiguration, tags, configurationItemCaptureTime, configurationItemStatus")
GLOBAL_REGION = "global"  # IAM resources: recorded once, with this region, and judged in every region's audit


class Gone(errors.ReadFailure):
    """The resource of a configuration item was deleted after Config recorded it."""


class AggregatorError(Exception):
    """The aggregator could not be queried (its name, permissions, or the service): the message says which."""


def complete_item(ci: Mapping[str, Any], lambda_client: Any, iam_client: Any,
                  policy_gone: Callable[[str], None] = lambda policy_arn: None) -> Optional[Facts]:
    """Facts of a configuration item with what the item lacks fetched by API: a function's code signing config
    (GetFunctionCodeSigningConfig), a container image function's image URI (GetFunction), the documents of a
    role's customer managed policies (GetPolicy + GetPolicyVersion; ``policy_gone(arn)`` is told of one that no
    longer exists). None when the resource no longer exists. API errors are raised to the caller, which decides
    what a failed read means (the rule Lambda: not evaluated; the audit: unread)."""
    kind = config_item.kind_of(ci["resourceType"])
    if kind == Kind.FUNCTION:
        name = config_item.lookup(ci["configuration"], "functionName") or ci["resourceName"]
        try:
            arn = lambda_client.get_function_code_signing_config(FunctionName=name).get("CodeSigningConfigArn")
            image_uri = None
            if config_item.lookup(ci["configuration"], "packageType") == "Image":  # the item has no image URI
                image_uri = (lambda_client.get_function(FunctionName=name).get("Code") or {}).get("ImageUri")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return config_item.facts_from_item(ci, code_signing_config_arn=arn or None, image_uri=image_uri)
    if kind == Kind.ROLE:
        documents = {}
        for policy_arn in config_item.customer_managed_policy_arns(ci):
            try:
                version = iam_client.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
                documents[policy_arn] = iam_client.get_policy_version(
                    PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in ("NoSuchEntity", "NoSuchEntityException"):
                    raise
                # IAM deletes only a policy attached to nothing: the item is older than the deletion.
                policy_gone(policy_arn)
        return config_item.facts_from_item(ci, managed_policy_documents=documents)
    return config_item.facts_from_item(ci)


def recorded_types(kinds: Iterable[Kind]) -> list[str]:
    """The AWS Config resource types of ``kinds`` that Config records (sorted); the other kinds are listed by API."""
    return sorted({config_item.CONFIG_RESOURCE_TYPES[k] for k in kinds if k in config_item.CONFIG_RESOURCE_TYPES})


def expressions(resource_types: Sequence[str]) -> list[str]:
    """Advanced-query expressions selecting ``resource_types``, as few as fit the Expression limit."""
    result: list[str] = []
    chunk: list[str] = []

    def render(types: list[str]) -> str:
        listed = ", ".join(f"'{t}'" for t in types)
        return f"SELECT {FIELDS} WHERE resourceType IN ({listed})"

    for resource_type in resource_types:
        if chunk and len(render([*chunk, resource_type])) > MAX_EXPRESSION:
            result.append(render(chunk))
            chunk = []
        chunk.append(resource_type)
    if chunk:
        result.append(render(chunk))
    return result


def item_of(row: str) -> dict[str, Any]:
    """A configuration item in the change-notification shape from one advanced-query result (a JSON string whose
    ``configuration`` is an object, ``tags`` a list of ``{"key", "value"}``, account under ``accountId``)."""
    return config_item.normalise_item(json.loads(row))


def query_aggregator(config_client: Any, aggregator: str, kinds: Iterable[Kind]) -> list[dict[str, Any]]:
    """Every recorded resource of ``kinds`` in the aggregator's accounts and regions, as configuration items
    (deleted resources left out: Config keeps their last item with status ResourceDeleted)."""
    items: list[dict[str, Any]] = []
    for expression in expressions(recorded_types(kinds)):
        token: Optional[str] = None
        while True:
            request: dict[str, Any] = {"Expression": expression, "ConfigurationAggregatorName": aggregator,
                                       "Limit": PAGE_SIZE}
            if token:
                request["NextToken"] = token
            try:
                page = config_client.select_aggregate_resource_config(**request)
            except (ClientError, BotoCoreError) as error:
                raise AggregatorError(f"aggregator {aggregator!r}: {errors.describe_error(error)}") from None
            for row in page.get("Results", []):
                item = item_of(row)
                if item.get("configurationItemStatus") not in config_item.DELETED_STATUSES:
                    items.append(item)
            token = page.get("NextToken")
            if not token:
                break
    return items


def by_target(items: Iterable[Mapping[str, Any]], regions: Sequence[str]) -> dict[tuple[str, str], list]:
    """Items per (account, region) of the audit; a global item (IAM) goes to each of the account's ``regions``,
    as the API listing shows IAM in every region; items of other regions are left out."""
    grouped: dict[tuple[str, str], list] = {}
    for item in items:
        region = str(item.get("awsRegion"))
        for target_region in (regions if region == GLOBAL_REGION else [region]):
            if target_region in regions:
                grouped.setdefault((item["awsAccountId"], target_region), []).append(item)
    return grouped
