"""ContainerWorkloadsEda under Pulumi mocks: the post's resources and values (the claims bus, the
``Fraud.Not.Detected`` rule to the queue and its DLQ, the Settlement table keyed by ``claimId``, the v1 service
behind the internal ALB on 8080 and the HTTP API's VPC link, the v2 queue-processing service with its Spot mix and
scaling), the security groups' one-port paths, every IAM policy through parliament, and the fully event-driven
variant. ALB, VPC link, services and scaling are records here: nothing runs them."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.container_workloads_eda import ContainerWorkloadsEda, ContainerWorkloadsEdaArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:ContainerWorkloadsEda"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/settlement-service:1.0.0"
SUBNETS = ["subnet-a", "subnet-b"]
REQUIRED = dict(image=IMAGE, vpc_id="vpc-1", private_subnet_ids=SUBNETS)


def build(**changes):
    return run_program(lambda: ContainerWorkloadsEda("x", ContainerWorkloadsEdaArgs(**{**REQUIRED, **changes}),
                                                     governance=GOV))


@pytest.fixture(scope="module")
def resources():
    return build()


def output(resources, type_: str, name: str, key: str = "name"):
    return one(resources, type_, name).outputs[key]


def test_defaults_are_the_posts_values():
    args = ContainerWorkloadsEdaArgs(**REQUIRED)
    assert (args.container_port, args.listener_port, args.api_cpu, args.api_memory, args.api_desired_count) == (
        8080, 8080, 1024, 2048, 2)
    assert (args.worker_cpu, args.worker_memory, args.worker_desired_count, args.worker_min_capacity,
            args.worker_max_capacity, args.worker_min_healthy_percent, args.worker_max_healthy_percent,
            args.spot_weight, args.on_demand_weight) == (512, 1024, 2, 1, 5, 66, 200, 2, 1)
    assert (args.rest_api, args.event_bus_name, args.max_receive_count) == (True, None, 3)


def test_deploys_the_posts_parts(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type.rsplit(":", 1)[1], r.name) for r in resources if r.parent == component.urn)
    assert [c for c in children if not c[0].startswith("SecurityGroup")] == sorted([
        ("EventBus", "x-claims"), ("Table", "x-Settlement"), ("Queue", "x-settlement"),
        ("EventRule", "x-fraud-not-detected"), ("Cluster", "x-cluster"), ("FargateService", "x-worker"),
        ("LoadBalancer", "x-alb"), ("FargateService", "x-api"), ("HttpApi", "x-api")])
    table = one(resources, "aws:dynamodb/table:Table", "x-Settlement").inputs
    assert (table["hashKey"], table["attributes"]) == ("claimId", [{"name": "claimId", "type": "S"}])
    assert one(resources, "aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}]


def test_the_rule_sends_fraud_not_detected_to_the_queue_which_only_it_may_send_to(resources):
    bus = output(resources, "aws:cloudwatch/eventBus:EventBus", "x-claims")
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "x-fraud-not-detected")
    assert (json.loads(rule.inputs["eventPattern"]), rule.inputs["eventBusName"]) == (
        {"detail-type": ["Fraud.Not.Detected"]}, bus)
    queue = one(resources, "aws:sqs/queue:Queue", "x-settlement")
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", "x-fraud-not-detected-settlement-queue").inputs
    assert (target["arn"], target["eventBusName"], "roleArn" in target) == (queue.outputs["arn"], bus, False)
    dlq = one(resources, "aws:sqs/queue:Queue", "x-settlement-dlq").outputs["arn"]
    assert json.loads(queue.inputs["redrivePolicy"]) == {"deadLetterTargetArn": dlq, "maxReceiveCount": 3}
    assert (queue.inputs["visibilityTimeoutSeconds"], queue.inputs["receiveWaitTimeSeconds"]) == (30, 20)
    policy = json.loads(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "x-settlement-policy").inputs["policy"])
    assert policy["Statement"][1] == {
        "Sid": "AllowServiceSend", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue.outputs["arn"],
        "Condition": {"ArnEquals": {"aws:SourceArn": [rule.outputs["arn"]]}}}


def containers(resources, service: str) -> list[dict]:
    task = one(resources, "aws:ecs/taskDefinition:TaskDefinition", f"x-{service}-task").inputs
    return json.loads(task["containerDefinitions"])


def test_the_worker_is_the_posts_queue_processing_service(resources):
    task = one(resources, "aws:ecs/taskDefinition:TaskDefinition", "x-worker-task").inputs
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    (container,) = containers(resources, "worker")
    queue = one(resources, "aws:sqs/queue:Queue", "x-settlement").outputs
    assert (container["image"], container["command"], container["environment"]) == (
        IMAGE, ["python", "-m", "handlers.container_workloads_eda.poller"], [
            {"name": "DYNAMODB_TABLE_NAME", "value": output(resources, "aws:dynamodb/table:Table", "x-Settlement")},
            {"name": "EVENTBUS_NAME", "value": output(resources, "aws:cloudwatch/eventBus:EventBus", "x-claims")},
            {"name": "LOG_LEVEL", "value": "INFO"},
            {"name": "POWERTOOLS_SERVICE_NAME", "value": "settlement-service"},
            {"name": "SQS_ENDPOINT_URL", "value": queue["url"]}])
    assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == "settlement-service"
    assert container["logConfiguration"]["options"]["mode"] == "non-blocking"
    service = one(resources, "aws:ecs/service:Service", "x-worker").inputs
    assert {k: service[k] for k in ("desiredCount", "deploymentMinimumHealthyPercent", "deploymentMaximumPercent",
                                    "capacityProviderStrategies")} == {
        "desiredCount": 2, "deploymentMinimumHealthyPercent": 66, "deploymentMaximumPercent": 200,
        "capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0},
                                       {"capacityProvider": "FARGATE", "weight": 1, "base": 0}]}
    assert (service["networkConfiguration"]["assignPublicIp"], "loadBalancers" in service) == (False, False)
    target = one(resources, "aws:appautoscaling/target:Target", "x-worker-scaling").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (1, 5)
    policies = {r.name: r.inputs["targetTrackingScalingPolicyConfiguration"]
                for r in by_type(resources, "aws:appautoscaling/policy:Policy")}
    assert policies["x-worker-cpu-scaling"]["targetValue"] == 50
    backlog = policies["x-worker-queue-backlog-scaling"]
    assert backlog["targetValue"] == 100
    assert backlog["customizedMetricSpecification"]["metrics"][0]["metricStat"]["metric"]["dimensions"] == [
        {"name": "QueueName", "value": queue["name"]}]


def test_the_api_service_sits_behind_the_internal_alb_on_8080(resources):
    task = one(resources, "aws:ecs/taskDefinition:TaskDefinition", "x-api-task").inputs
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    (container,) = containers(resources, "api")
    assert (container["command"], container["portMappings"]) == (
        ["python", "-m", "handlers.container_workloads_eda.rest"], [{"containerPort": 8080, "protocol": "tcp"}])
    assert {"name": "PORT", "value": "8080"} in container["environment"]
    assert "SQS_ENDPOINT_URL" not in {e["name"] for e in container["environment"]}
    service = one(resources, "aws:ecs/service:Service", "x-api").inputs
    group = one(resources, "aws:lb/targetGroup:TargetGroup", "x-alb-tg")
    assert (service["desiredCount"], service["launchType"], service["loadBalancers"]) == (2, "FARGATE", [
        {"targetGroupArn": group.outputs["arn"], "containerName": "settlement-service", "containerPort": 8080}])
    assert (group.inputs["port"], group.inputs["healthCheck"]["path"]) == (8080, "/health")
    lb = one(resources, "aws:lb/loadBalancer:LoadBalancer").inputs
    assert (lb["internal"], lb["dropInvalidHeaderFields"], lb["enableDeletionProtection"],
            lb["accessLogs"]["enabled"]) == (True, True, True, True)
    listener = one(resources, "aws:lb/listener:Listener").inputs
    assert (listener["port"], listener["protocol"]) == (8080, "HTTP")


def test_the_http_api_reaches_the_listener_through_the_vpc_link_behind_the_company_jwt(resources):
    link = one(resources, "aws:apigatewayv2/vpcLink:VpcLink")
    link_group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "x-vpc-link").outputs["id"]
    assert (link.inputs["subnetIds"], link.inputs["securityGroupIds"]) == (SUBNETS, [link_group])
    integration = one(resources, "aws:apigatewayv2/integration:Integration").inputs
    assert (integration["integrationType"], integration["connectionType"], integration["connectionId"],
            integration["integrationUri"]) == ("HTTP_PROXY", "VPC_LINK", link.outputs["id"],
                                               one(resources, "aws:lb/listener:Listener").outputs["arn"])
    route = one(resources, "aws:apigatewayv2/route:Route").inputs
    assert (route["routeKey"], route["authorizationType"]) == ("POST /settlement", "JWT")


def test_security_groups_open_one_port_per_hop(resources):
    ids = {r.name: r.outputs["id"] for r in by_type(resources, "aws:ec2/securityGroup:SecurityGroup")}
    names = {v: k for k, v in ids.items()}
    rules = set()
    for kind in ("ingress", "egress"):
        for rule in by_type(resources, f"aws:vpc/securityGroup{kind.capitalize()}Rule:SecurityGroup"
                                       f"{kind.capitalize()}Rule"):
            inputs = rule.inputs
            peer = names.get(inputs.get("referencedSecurityGroupId"), inputs.get("cidrIpv4"))
            assert (inputs["ipProtocol"], inputs["fromPort"]) == ("tcp", inputs["toPort"])
            rules.add((names[inputs["securityGroupId"]], kind, inputs["fromPort"], peer))
    assert rules == {
        ("x-vpc-link", "egress", 8080, "x-alb"), ("x-alb", "ingress", 8080, "x-vpc-link"),
        ("x-alb", "egress", 8080, "x-api"), ("x-api", "ingress", 8080, "x-alb"),
        ("x-api", "egress", 443, "0.0.0.0/0"), ("x-worker", "egress", 443, "0.0.0.0/0")}


def test_task_roles_hold_exactly_what_each_service_calls(resources):
    def grants(role: str) -> dict:
        policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{role}-policy").inputs["policy"])
        return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}

    table = one(resources, "aws:dynamodb/table:Table", "x-Settlement").outputs["arn"]
    bus = one(resources, "aws:cloudwatch/eventBus:EventBus", "x-claims").outputs["arn"]
    queue = one(resources, "aws:sqs/queue:Queue", "x-settlement").outputs["arn"]
    settle = {"SettlementTable": (["dynamodb:PutItem", "dynamodb:GetItem"], [table]),
              "SettlementTableKey": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn]),
              "SettlementFinalized": (["events:PutEvents"], [bus])}
    assert grants("x-api-task") == settle
    assert grants("x-worker-task") == {**settle, "ConsumeClaims": (
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
         "sqs:GetQueueUrl"], [queue])}
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_fully_event_driven_drops_the_rest_interface():
    resources = build(rest_api=False, event_bus_name="claims-bus")
    types = {r.type for r in resources}
    assert not types & {"aws:lb/loadBalancer:LoadBalancer", "aws:apigatewayv2/api:Api",
                        "aws:cloudwatch/eventBus:EventBus"}
    assert [r.name for r in by_type(resources, "aws:ecs/service:Service")] == ["x-worker"]
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule").inputs
    assert rule["eventBusName"] == "claims-bus"
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "x-worker-task-policy").inputs["policy"])
    assert policy["Statement"][2]["Resource"] == [ARN.format("events", "event-bus/claims-bus")]


@pytest.mark.parametrize(("changes", "message"), [
    ({"image": "docker.io/library/settlement:1"}, "image: 'docker.io/library/settlement:1' must be an ECR image URI"),
    ({"private_subnet_ids": ["subnet-a"]}, "private_subnet_ids: \\['subnet-a'\\] must be at least two subnet ids"),
    ({"vpc_id": "default"}, "vpc_id: 'default' must be a VPC id"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"alb_deletion_protection": False}, "deletion_protection=False breaks guardrail 'elb-deletion-protection'"),
    ({"worker_cpu": 512, "worker_memory": 512}, "cpu 512 / memory 512 is not a Fargate task size"),
])
def test_bad_arguments_are_refused(changes, message):
    with pytest.raises(Exception, match=message):
        build(**changes)


def test_deletion_protection_off_with_a_written_reason():
    resources = build(alb_deletion_protection=False, deletion_protection_reason="dev stack, destroyed nightly")
    lb = one(resources, "aws:lb/loadBalancer:LoadBalancer").inputs
    assert (lb["enableDeletionProtection"], lb["tags"]["governance:override:elb-deletion-protection"]) == (
        False, "dev stack destroyed nightly")  # tag values drop characters some services refuse
