"""Several unknown values in one resource (e.g. the platform stack's own layers at preview) give UNKNOWN, not a
crash: an `Unknown` refuses to be used as a boolean, so rules must test `is None`, never `or`."""
from guardrails import catalogue
from guardrails.model import FunctionFacts, GenericFacts, Inventory, Kind, Resource, Status, Unknown

URN = "urn:pulumi:dev::serverless-governance::aws:lambda/function:Function::fn"


def test_two_unknown_layers_are_unknown():
    rule = catalogue.get("lambda-required-layer")
    facts = FunctionFacts(Resource(Kind.FUNCTION, URN, "fn", "aws:lambda/function:Function"),
                          layers=[Unknown("layers[0]"), Unknown("layers[1]")])
    params = catalogue.resolve_parameters(rule, {
        "allowedLayerArns": ["arn:aws:lambda:us-east-1:123456789012:layer:company-observability"],
        "minimumLayerVersion": 1})
    verdict = rule.evaluate(facts, params, Inventory())
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == "cannot be evaluated until update: layers[0] is not known yet"


def test_two_unknown_tag_values_are_unknown():
    rule = catalogue.get("required-tags")
    facts = GenericFacts(Resource(Kind.OTHER, "urn:pulumi:dev::p::aws:sqs/queue:Queue::q", "q", "aws:sqs/queue:Queue",
                                  tags={"owner": Unknown("tags.owner"), "cost-center": Unknown("tags.cost-center")}))
    params = catalogue.resolve_parameters(rule, {"requiredTags": {"owner": [], "cost-center": []}})
    verdict = rule.evaluate(facts, params, Inventory())
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == "cannot be evaluated until update: tags.owner is not known yet"
