"""GovernedCluster, GovernedFargateService and GovernedLoadBalancer: exact properties under Pulumi mocks, every
refusal with its message, parliament over the roles' policies, AWS's name and value limits, and the workload
boundary's decision on every action the execution role is granted."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import name_problems, value_problems
from components.governed.containers import (
    DEFAULT_TLS_POLICY,
    ELB_LOG_DELIVERY_PRINCIPAL,
    CapacityProvider,
    ClusterArgs,
    Container,
    FargateServiceArgs,
    GovernedCluster,
    GovernedFargateService,
    GovernedLoadBalancer,
    LoadBalancerArgs,
    Scaling,
    ecr_repository_arn,
)
from components.governed.role import statement
from components.platform.policies import GovernedResources, boundary_document
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/claims/settlement:1.0"
REPOSITORY = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/claims/settlement"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-AbCdEf"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/claims/endpoint"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/settlement"
CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0123"
NETWORK = dict(subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-tasks"])
LB_NETWORK = dict(vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-alb"])


def build(service: dict | None = None, container: dict | None = None, load_balancer: dict | None = None,
          cluster: dict | None = None):
    """A cluster, optionally a load balancer, and a service whose one container is ``app`` on port 8080."""
    def program():
        governed_cluster = GovernedCluster("claims", ClusterArgs(**(cluster or {})), governance=GOV)
        lb = None
        if load_balancer is not None:
            lb = GovernedLoadBalancer("settle", LoadBalancerArgs(**{**LB_NETWORK, "target_port": 8080,
                                                                    **load_balancer}), governance=GOV)
        app = Container(**{"name": "app", "image": IMAGE, "port": 8080, **(container or {})})
        GovernedFargateService("settle", FargateServiceArgs(**{
            "cluster": governed_cluster, "containers": [app], **NETWORK, "load_balancer": lb, **(service or {})}),
            governance=GOV)
    return run_program(program)


def containers_of(resources) -> list[dict]:
    return json.loads(one(resources, "aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])


def statements_of(resources, role: str) -> list[tuple]:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{role}-policy").inputs["policy"])
    return [(s["Sid"], s["Action"], s["Resource"]) for s in policy["Statement"]]


@pytest.fixture(scope="module")
def default():
    return build()


@pytest.fixture(scope="module")
def full():
    """The post's v1 + v2 shapes in one: an internal ALB on 8080, secrets, Spot mix, CPU and queue scaling."""
    return build(
        service={"cpu": 1024, "memory": 2048, "desired_count": 2, "task_statements": [
            statement(["dynamodb:PutItem"], [TABLE], sid="Table")],
            "capacity_provider_strategy": [CapacityProvider("FARGATE_SPOT", 2), CapacityProvider("FARGATE", 1)],
            "deployment_minimum_healthy_percent": 66,
            "scaling": Scaling(min_capacity=1, max_capacity=5, cpu_target_percent=50, queue_name="claims-queue")},
        container={"environment": {"TABLE_NAME": "settlement"},
                   "secrets": {"DB_PASSWORD": f"{SECRET}:password::", "ENDPOINT": PARAMETER}},
        load_balancer={"listener_port": 8080, "deletion_protection": False,
                       "overrides": {"elb-deletion-protection": "dev stack, destroyed after each test run"}},
    )


def test_the_cluster_has_container_insights_and_both_fargate_providers(default):
    assert one(default, "aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}]
    providers = one(default, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert (providers["capacityProviders"], providers["defaultCapacityProviderStrategies"]) == (
        ["FARGATE", "FARGATE_SPOT"], [{"capacityProvider": "FARGATE", "weight": 1}])


def test_a_cluster_without_container_insights_is_refused():
    with pytest.raises(GovernanceError, match="container_insights 'disabled' is not allowed .guardrail "
                                              "ecs-cluster-container-insights.; allowed: enabled, enhanced"):
        build(cluster={"container_insights": "disabled"})


def test_the_task_definition_is_fargate_awsvpc_with_both_roles(default):
    task = one(default, "aws:ecs/taskDefinition:TaskDefinition").inputs
    assert {k: task[k] for k in ("family", "requiresCompatibilities", "networkMode", "cpu", "memory",
                                 "runtimePlatform", "executionRoleArn", "taskRoleArn")} == {
        "family": "test-settle", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
        "memory": "512", "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/settle-execution",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/settle-task"}
    for role in ("settle-execution", "settle-task"):
        inputs = one(default, "aws:iam/role:Role", role).inputs
        assert inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
        assert json.loads(inputs["assumeRolePolicy"])["Statement"] == [{
            "Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole"}]
    # No task statements: the task role has no policy at all.
    assert [r.name for r in by_type(default, "aws:iam/rolePolicy:RolePolicy")] == ["settle-execution-policy"]


def test_every_container_logs_non_blocking_to_the_governed_log_group_read_only_and_unprivileged(default):
    assert containers_of(default) == [{
        "name": "app", "image": IMAGE, "essential": True, "privileged": False, "readonlyRootFilesystem": True,
        "environment": [], "secrets": [],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/test/settle", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app",
            "mode": "non-blocking", "max-buffer-size": "25m"}},
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
    }]
    logs = one(default, "aws:cloudwatch/logGroup:LogGroup", "settle-logs").inputs
    assert (logs["name"], logs["retentionInDays"], logs["kmsKeyId"]) == (
        "/ecs/test/settle", GOV.log_retention_days, GOV.kms_key_arn)


def test_the_execution_role_pulls_its_image_and_writes_its_logs_only(default):
    assert statements_of(default, "settle-execution") == [
        ("EcrLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        ("EcrPull", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         [REPOSITORY]),
        ("OwnLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents"],
         [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/test/settle:*"]),
    ]


def test_the_service_runs_in_private_subnets_without_a_public_ip(default):
    service = one(default, "aws:ecs/service:Service").inputs
    assert {k: service[k] for k in ("networkConfiguration", "launchType", "desiredCount", "platformVersion",
                                    "deploymentCircuitBreaker", "enableExecuteCommand", "propagateTags",
                                    "deploymentMinimumHealthyPercent", "deploymentMaximumPercent")} == {
        "networkConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-tasks"],
                                 "assignPublicIp": False},
        "launchType": "FARGATE", "desiredCount": 1, "platformVersion": "LATEST",
        "deploymentCircuitBreaker": {"enable": True, "rollback": True}, "enableExecuteCommand": False,
        "propagateTags": "SERVICE", "deploymentMinimumHealthyPercent": 100, "deploymentMaximumPercent": 200}
    assert "loadBalancers" not in service and "capacityProviderStrategies" not in service
    assert by_type(default, "aws:appautoscaling/target:Target") == []


def test_secrets_come_from_the_task_definition_and_the_execution_role_reads_exactly_them(full):
    (app,) = containers_of(full)
    assert (app["environment"], app["secrets"]) == (
        [{"name": "TABLE_NAME", "value": "settlement"}],
        [{"name": "DB_PASSWORD", "valueFrom": f"{SECRET}:password::"}, {"name": "ENDPOINT", "valueFrom": PARAMETER}])
    assert statements_of(full, "settle-execution")[3:] == [
        ("InjectSecrets", ["secretsmanager:GetSecretValue"], [SECRET]),
        ("InjectParameters", ["ssm:GetParameters"], [PARAMETER]),
        ("SecretsKey", ["kms:Decrypt"], [GOV.kms_key_arn]),
    ]
    assert statements_of(full, "settle-task") == [("Table", ["dynamodb:PutItem"], [TABLE])]
    assert serious_findings_by_policy(by_type(full, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_spot_mix_load_balancer_and_deployment_settings(full):
    service = one(full, "aws:ecs/service:Service").inputs
    assert service["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0},
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in service
    assert service["loadBalancers"] == [{"targetGroupArn": f"arn:aws:lb:us-east-1:{ACCOUNT}:targetgroup/settle-tg",
                                         "containerName": "app", "containerPort": 8080}]
    assert (service["desiredCount"], service["deploymentMinimumHealthyPercent"],
            service["healthCheckGracePeriodSeconds"]) == (2, 66, 60)
    listener = one(full, "aws:lb/listener:Listener", "settle-listener")
    assert one(full, "aws:ecs/service:Service").dependencies.count(listener.urn) == 1


def test_cpu_and_queue_backlog_target_tracking(full):
    cluster = one(full, "aws:ecs/cluster:Cluster").outputs["name"]
    service = one(full, "aws:ecs/service:Service").outputs["name"]
    target = one(full, "aws:appautoscaling/target:Target").inputs
    assert {k: target[k] for k in ("serviceNamespace", "scalableDimension", "resourceId", "minCapacity",
                                   "maxCapacity")} == {
        "serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": f"service/{cluster}/{service}", "minCapacity": 1, "maxCapacity": 5}
    cpu = one(full, "aws:appautoscaling/policy:Policy", "settle-cpu-scaling").inputs
    assert (cpu["name"], cpu["policyType"], cpu["targetTrackingScalingPolicyConfiguration"]) == (
        "test-settle-cpu", "TargetTrackingScaling", {
            "targetValue": 50, "scaleInCooldown": 300, "scaleOutCooldown": 60,
            "predefinedMetricSpecification": {"predefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    queue = one(full, "aws:appautoscaling/policy:Policy", "settle-queue-backlog-scaling").inputs
    configuration = queue["targetTrackingScalingPolicyConfiguration"]
    assert (configuration["targetValue"], configuration["customizedMetricSpecification"]["metrics"]) == (100, [
        {"id": "visible", "returnData": False, "metricStat": {"stat": "Sum", "metric": {
            "namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
            "dimensions": [{"name": "QueueName", "value": "claims-queue"}]}}},
        {"id": "tasks", "returnData": False, "metricStat": {"stat": "Average", "metric": {
            "namespace": "ECS/ContainerInsights", "metricName": "RunningTaskCount",
            "dimensions": [{"name": "ClusterName", "value": cluster}, {"name": "ServiceName", "value": service}]}}},
        {"id": "backlog", "label": "Visible messages per running task", "returnData": True,
         "expression": "IF(tasks > 0, visible / tasks, visible)"}])


def test_the_internal_load_balancer(full):
    lb = one(full, "aws:lb/loadBalancer:LoadBalancer").inputs
    bucket = one(full, "aws:s3/bucket:Bucket", "settle-access-logs").outputs["bucket"]
    assert {k: lb[k] for k in ("loadBalancerType", "internal", "subnets", "securityGroups",
                               "dropInvalidHeaderFields", "enableDeletionProtection", "idleTimeout",
                               "accessLogs")} == {
        "loadBalancerType": "application", "internal": True, "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-alb"], "dropInvalidHeaderFields": True, "enableDeletionProtection": False,
        "idleTimeout": 60, "accessLogs": {"bucket": bucket, "prefix": "test/settle", "enabled": True}}
    listener = one(full, "aws:lb/listener:Listener").inputs
    assert (listener["port"], listener["protocol"], listener["defaultActions"]) == (8080, "HTTP", [
        {"type": "forward", "targetGroupArn": f"arn:aws:lb:us-east-1:{ACCOUNT}:targetgroup/settle-tg"}])
    group = one(full, "aws:lb/targetGroup:TargetGroup").inputs
    assert {k: group[k] for k in ("targetType", "port", "protocol", "vpcId", "deregistrationDelay",
                                  "healthCheck")} == {
        "targetType": "ip", "port": 8080, "protocol": "HTTP", "vpcId": "vpc-1", "deregistrationDelay": 30,
        "healthCheck": {"path": "/", "protocol": "HTTP", "matcher": "200-399"}}


def test_the_access_log_bucket_is_sse_s3_and_lets_elb_log_delivery_write(full):
    encryption = one(full, "aws:s3/bucketServerSideEncryptionConfiguration:"
                           "BucketServerSideEncryptionConfiguration").inputs
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    bucket_arn = one(full, "aws:s3/bucket:Bucket").outputs["arn"]
    policy = json.loads(one(full, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"][1:] == [
        {"Sid": "ElbAccessLogDelivery", "Effect": "Allow", "Principal": {"Service": ELB_LOG_DELIVERY_PRINCIPAL},
         "Action": "s3:PutObject", "Resource": f"{bucket_arn}/*"},
        # us-east-1 opened before August 2022: its ELB account delivers the logs.
        {"Sid": "ElbRegionalAccessLogDelivery", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::127311923021:root"}, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/*"}]
    lb = one(full, "aws:lb/loadBalancer:LoadBalancer")
    assert one(full, "aws:s3/bucketPolicy:BucketPolicy").urn in lb.dependencies


def test_an_internet_facing_load_balancer_listens_https_only_and_redirects_http():
    resources = build(load_balancer={"internal": False, "certificate_arn": CERTIFICATE})
    listeners = {r.name: r.inputs for r in by_type(resources, "aws:lb/listener:Listener")}
    assert {k: listeners["settle-listener"][k] for k in ("port", "protocol", "sslPolicy", "certificateArn")} == {
        "port": 443, "protocol": "HTTPS", "sslPolicy": DEFAULT_TLS_POLICY, "certificateArn": CERTIFICATE}
    assert (listeners["settle-http-redirect"]["port"], listeners["settle-http-redirect"]["protocol"],
            listeners["settle-http-redirect"]["defaultActions"]) == (80, "HTTP", [
                {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}])
    lb = one(resources, "aws:lb/loadBalancer:LoadBalancer").inputs
    assert (lb["internal"], lb["enableDeletionProtection"]) == (False, True)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"container": {"environment": {"Db_Password": "hunter2"}}},
     "container 'app': environment variable 'Db_Password' looks like a secret .guardrail "
     "ecs-task-no-plaintext-secrets.: pass it in secrets={'Db_Password': <Secrets Manager or SSM parameter ARN>}"),
    ({"container": {"environment": {"STRIPE_APIKEY": "sk"}}}, "'STRIPE_APIKEY' looks like a secret"),
    ({"container": {"secrets": {"TOKEN": "hunter2"}}},
     "secret 'TOKEN' = 'hunter2' must be a Secrets Manager secret ARN or an SSM parameter ARN"),
    ({"container": {"readonly_root_filesystem": False}},
     "container 'app' readonly_root_filesystem=False breaks guardrail 'ecs-task-readonly-root'"),
    ({"service": {"cpu": 512, "memory": 512}}, "cpu 512 / memory 512 is not a Fargate task size"),
    ({"service": {"cpu_architecture": "arm64"}}, "cpu_architecture 'arm64'; allowed: X86_64, ARM64"),
    ({"service": {"capacity_provider_strategy": [CapacityProvider("EC2", 1)]}},
     "capacity provider 'EC2' must be one of FARGATE, FARGATE_SPOT, each at most once"),
    ({"service": {"scaling": Scaling(min_capacity=1, max_capacity=5)}},
     "scaling needs cpu_target_percent, queue_name or both"),
    ({"service": {"desired_count": 9, "scaling": Scaling(1, 5, cpu_target_percent=50)}},
     "desired_count 9 must lie within scaling 1-5"),
    ({"service": {"subnet_ids": []}}, "subnet_ids and security_group_ids must each name at least one"),
    ({"container": {"port": 9090}, "load_balancer": {}}, "no container has port 8080, the load balancer's"),
    ({"load_balancer": {"internal": False}},
     "an internet-facing load balancer .internal=False. listens HTTPS only .guardrail elb-listener-tls.: pass "
     "certificate_arn"),
    ({"load_balancer": {"certificate_arn": CERTIFICATE, "ssl_policy": "ELBSecurityPolicy-2016-08"}},
     "ssl_policy 'ELBSecurityPolicy-2016-08' allows TLS below 1.2 .guardrail elb-listener-tls."),
    ({"load_balancer": {"deletion_protection": False}},
     "deletion_protection=False breaks guardrail 'elb-deletion-protection'"),
    ({"load_balancer": {"subnet_ids": ["subnet-a"]}}, "subnet_ids must name at least two subnets"),
])
def test_refusals(kwargs, message):
    with pytest.raises(GovernanceError, match=message):
        build(**kwargs)


def test_a_writable_root_file_system_with_a_reason_is_recorded():
    reason = "the JVM writes its class data cache under /tmp"
    resources = build(container={"readonly_root_filesystem": False},
                      service={"overrides": {"ecs-task-readonly-root": reason}})
    assert containers_of(resources)[0]["readonlyRootFilesystem"] is False
    tags = one(resources, "aws:ecs/taskDefinition:TaskDefinition").inputs["tags"]
    assert tags["governance:override:ecs-task-readonly-root"] == reason


def test_ecr_repository_arns():
    assert ecr_repository_arn(IMAGE) == REPOSITORY
    assert ecr_repository_arn(f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:{'a' * 64}") == (
        f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/app")
    assert ecr_repository_arn("public.ecr.aws/nginx/nginx:1.27") is None


def test_a_public_image_gets_no_ecr_grant():
    resources = build(container={"image": "public.ecr.aws/nginx/nginx:1.27"})
    assert [sid for sid, _, _ in statements_of(resources, "settle-execution")] == ["OwnLogGroup"]


def test_names_and_values_fit_aws_limits(full):
    problems = [(r.type, r.name, p) for r in full for p in
                name_problems(r.type, r.name, r.inputs) + value_problems(r.type, r.inputs)]
    assert problems == []


def test_the_workload_boundary_allows_every_action_the_execution_role_is_granted(full):
    boundary = boundary_document(GovernedResources(
        partition="aws", account=ACCOUNT, workload_boundary_arn=GOV.permissions_boundary_arn,
        governance_boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary",
        kms_key_arn=GOV.kms_key_arn))
    policy = json.loads(one(full, "aws:iam/rolePolicy:RolePolicy", "settle-execution-policy").inputs["policy"])
    decisions = {(action, resource): evaluate(action, resource, identity=[policy], boundary=boundary).allowed
                 for st in policy["Statement"] for action in st["Action"] for resource in st["Resource"]}
    assert decisions == dict.fromkeys(decisions, True) and len(decisions) == 9


# -- The HTTP API in front of an internal load balancer (GovernedHttpApi's private integrations) ---------------
def test_an_http_api_route_proxies_to_the_internal_listener_through_a_vpc_link_behind_the_company_jwt():
    from components.governed.http_api import GovernedHttpApi, HttpApiArgs, HttpRoute, PrivateIntegration, VpcLinkArgs

    def program():
        lb = GovernedLoadBalancer("settle", LoadBalancerArgs(**LB_NETWORK, target_port=8080, listener_port=8080),
                                  governance=GOV)
        GovernedHttpApi("claims", HttpApiArgs(
            routes=[HttpRoute("POST /settlement", private=PrivateIntegration(listener_arn=lb.listener.arn))],
            vpc_link=VpcLinkArgs(subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-link"])),
            governance=GOV)

    resources = run_program(program)
    link = one(resources, "aws:apigatewayv2/vpcLink:VpcLink")
    assert (link.inputs["subnetIds"], link.inputs["securityGroupIds"]) == (["subnet-a", "subnet-b"], ["sg-link"])
    integration = one(resources, "aws:apigatewayv2/integration:Integration").inputs
    assert {k: integration[k] for k in ("integrationType", "connectionType", "connectionId", "integrationUri",
                                        "integrationMethod", "payloadFormatVersion", "timeoutMilliseconds")} == {
        "integrationType": "HTTP_PROXY", "connectionType": "VPC_LINK", "connectionId": link.outputs["id"],
        "integrationUri": one(resources, "aws:lb/listener:Listener").outputs["arn"], "integrationMethod": "ANY",
        "payloadFormatVersion": "1.0", "timeoutMilliseconds": 30000}
    route = one(resources, "aws:apigatewayv2/route:Route").inputs
    authorizer = one(resources, "aws:apigatewayv2/authorizer:Authorizer")
    assert (route["routeKey"], route["authorizationType"], route["authorizerId"]) == (
        "POST /settlement", "JWT", authorizer.outputs["id"])


def test_a_private_route_needs_the_vpc_link():
    from components.governed.http_api import GovernedHttpApi, HttpApiArgs, HttpRoute, PrivateIntegration

    def program():
        GovernedHttpApi("claims", HttpApiArgs(routes=[HttpRoute("POST /settlement", private=PrivateIntegration(
            listener_arn=f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/a/b/c"))]), governance=GOV)

    with pytest.raises(GovernanceError, match=r"route 'POST /settlement' has a private integration: set "
                                              r"vpc_link=VpcLinkArgs\(subnet_ids=..., security_group_ids=...\)"):
        run_program(program)


def test_container_definitions_without_values_from_other_resources_are_known_at_preview():
    def program():
        cluster = GovernedCluster("claims", governance=GOV)
        GovernedFargateService("settle", FargateServiceArgs(cluster=cluster, containers=[
            Container("app", IMAGE, environment={"MODE": "batch"})], **NETWORK), governance=GOV)

    task = one(run_program(program, preview=True), "aws:ecs/taskDefinition:TaskDefinition").inputs
    assert json.loads(task["containerDefinitions"])[0]["logConfiguration"]["options"]["awslogs-group"] == (
        "/ecs/test/settle")
