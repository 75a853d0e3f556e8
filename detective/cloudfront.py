"""CloudFront distributions for the account scan: their Lambda@Edge associations make a function Lambda@Edge.

CloudFront is global and Lambda@Edge functions are created in us-east-1 only, so only a scan of us-east-1 needs the
distributions (in any other region no function can be Lambda@Edge, and ``guardrails.edge`` says so from the
function's own region): ``distributions`` lists nothing elsewhere. Calls: ListDistributions pages, and
ListTagsForResource per distribution only when a rule needs its tags (the ``enrich`` of each pair).

    for facts, enrich in cloudfront.distributions(session.client("cloudfront"), region): ...
"""
from __future__ import annotations

from collections.abc import Callable

from guardrails.adapters import describe
from guardrails.edge import EDGE_REGION
from guardrails.model import Facts


def distributions(client, region: str) -> list:
    """``(facts, enrich)`` per distribution of the account when ``region`` is us-east-1, else ``[]``;
    ``enrich()`` returns the facts with the distribution's tags."""
    if region != EDGE_REGION:
        return []
    summaries = [s for page in client.get_paginator("list_distributions").paginate()
                 for s in (page.get("DistributionList") or {}).get("Items") or ()]

    def enrich_for(summary: dict) -> Callable[[], Facts]:
        def enrich() -> Facts:
            tags = client.list_tags_for_resource(Resource=summary["ARN"]).get("Tags", {}).get("Items", [])
            return describe.distribution_facts(summary, tags=tags)
        return enrich

    return [(describe.distribution_facts(s), enrich_for(s)) for s in summaries]
