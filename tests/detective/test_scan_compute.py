"""The account scan collects ECS task definitions, services and clusters and Elastic Load Balancing v2 load
balancers and listeners (in-process moto), with the calls per resource the audit's budget counts."""
from __future__ import annotations

import json

import boto3
import moto
import pytest

from detective import scan
from guardrails import pack_config
from guardrails.model import Kind, ListenerAction
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT


@pytest.fixture(scope="module")
def account():
    """One account for the module (the tests only read it): moto's EC2 and ELB set-up is the slow part."""
    with moto.mock_aws():
        session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        ecs, ec2, elb = (session.client(s) for s in ("ecs", "ec2", "elbv2"))
        ecs.create_cluster(clusterName="apps", settings=[{"name": "containerInsights", "value": "enabled"}])
        for family, environment in (("orders", [{"name": "DB_PASSWORD", "value": "hunter2"}]),
                                    ("billing", [{"name": "STAGE", "value": "prod"}])):
            ecs.register_task_definition(family=family, networkMode="awsvpc", containerDefinitions=[
                {"name": "app", "image": "app:1", "memory": 512, "environment": environment,
                 "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}}}])
        ecs.register_task_definition(family="orders", containerDefinitions=[  # revision 2, the latest active one
            {"name": "app", "image": "app:2", "memory": 512, "privileged": True}])
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{R}{z}")["Subnet"]["SubnetId"]
                   for i, z in ((1, "a"), (2, "b"))]
        group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        ecs.create_service(cluster="apps", serviceName="web", taskDefinition="billing", desiredCount=1,
                           launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                               "subnets": subnets, "securityGroups": [group], "assignPublicIp": "ENABLED"}})
        balancer = elb.create_load_balancer(Name="public", Subnets=subnets, Scheme="internet-facing",
                                            Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        elb.modify_load_balancer_attributes(LoadBalancerArn=balancer, Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}])
        elb.create_listener(LoadBalancerArn=balancer, Protocol="HTTP", Port=80, DefaultActions=[
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
        yield session, balancer


def collect(session, kinds):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=1, counter=counter)
    subjects = scanner.collect(kinds)
    assert scanner.unread == []
    calls = {call: n for call, n in counter.calls.items() if not call.startswith("sts.")}  # the account, once
    return [s.facts for s in subjects], calls


def test_task_definitions_latest_active_revision_per_family(account):
    session, _ = account
    facts, counter = collect(session, {Kind.ECS_TASK_DEFINITION})
    by_family = {f.family: f for f in facts}
    assert sorted(by_family) == ["billing", "orders"]
    orders = by_family["orders"]
    assert (orders.resource.logical_name, orders.resource.source_type) == ("orders:2", "AWS::ECS::TaskDefinition")
    assert [(c.name, c.privileged, c.log_driver) for c in orders.containers] == [("app", True, None)]
    assert [list(c.environment) for c in by_family["billing"].containers] == [[("STAGE", "prod")]]
    # One listing page, then one DescribeTaskDefinition per family.
    assert counter == {"ecs.ListTaskDefinitionFamilies": 1, "ecs.DescribeTaskDefinition": 2}


def test_services_and_clusters(account):
    session, _ = account
    facts, counter = collect(session, {Kind.ECS_SERVICE, Kind.ECS_CLUSTER})
    [cluster] = [f for f in facts if f.resource.kind == Kind.ECS_CLUSTER]
    [service] = [f for f in facts if f.resource.kind == Kind.ECS_SERVICE]
    assert (cluster.resource.logical_name, cluster.container_insights) == ("apps", "enabled")
    assert (service.resource.logical_name, service.awsvpc, service.assign_public_ip) == ("web", True, True)
    # Clusters: ListClusters + DescribeClusters (up to 100 a call); services: ListClusters, then per cluster
    # ListServices + DescribeServices (up to 10 a call).
    assert counter == {"ecs.ListClusters": 2, "ecs.DescribeClusters": 1, "ecs.ListServices": 1,
                                   "ecs.DescribeServices": 1}


def test_load_balancers_and_listeners(account):
    session, balancer = account
    facts, counter = collect(session, {Kind.LOAD_BALANCER, Kind.LISTENER})
    [lb] = [f for f in facts if f.resource.kind == Kind.LOAD_BALANCER]
    [listener] = [f for f in facts if f.resource.kind == Kind.LISTENER]
    assert (lb.arn, lb.scheme, lb.load_balancer_type, lb.drop_invalid_header_fields, lb.deletion_protection) == (
        balancer, "internet-facing", "application", True, False)
    assert (listener.resource.logical_name, listener.protocol, listener.load_balancer_arn) == (
        "public:80", "HTTP", balancer)
    assert list(listener.default_actions) == [ListenerAction(type="redirect", redirect_protocol="HTTPS")]
    assert listener.resource.refs == {"loadBalancerArn": [balancer]}
    # One page of load balancers, then one DescribeLoadBalancerAttributes and one DescribeListeners per balancer.
    assert counter == {"elastic-load-balancing-v2.DescribeLoadBalancers": 1,
                                   "elastic-load-balancing-v2.DescribeLoadBalancerAttributes": 1,
                                   "elastic-load-balancing-v2.DescribeListeners": 1}


def test_listeners_alone_read_no_attributes(account):
    session, _ = account
    facts, counter = collect(session, {Kind.LISTENER})
    assert [f.resource.kind for f in facts] == [Kind.LISTENER]
    assert "elastic-load-balancing-v2.DescribeLoadBalancerAttributes" not in counter


def test_tags_are_read_only_when_enriched(account):
    session, balancer = account
    session.client("elbv2").add_tags(ResourceArns=[balancer], Tags=[{"Key": "team", "Value": "orders"}])
    scanner = scan.AccountScanner(session, R, workers=1)
    [subject] = scanner.collect({Kind.LOAD_BALANCER})
    assert subject.facts.resource.tags.what == "tags (not fetched by this scan)"
    assert json.dumps(subject.enrich().resource.tags) == '{"team": "orders"}'


def test_the_audit_judges_the_new_kinds_with_the_production_pack_config(account):
    session, _ = account
    config = pack_config.load("policies/config.prod.json")
    rules = ["ecs-task-no-plaintext-secrets", "ecs-task-logging", "ecs-task-not-privileged",
             "ecs-service-no-public-ip", "elb-listener-tls"]
    _, results = audit.evaluate_account(session, R, audit.select_rules(config, rules), workers=1)
    verdicts = sorted((r.rule.id, r.facts.resource.logical_name, r.verdict.status.value) for r in results)
    assert verdicts == [
        ("ecs-service-no-public-ip", "web", "NON_COMPLIANT"),
        ("ecs-task-logging", "billing:1", "COMPLIANT"),
        ("ecs-task-logging", "orders:2", "NON_COMPLIANT"),
        ("ecs-task-no-plaintext-secrets", "billing:1", "COMPLIANT"),
        ("ecs-task-no-plaintext-secrets", "orders:2", "COMPLIANT"),  # revision 1 held the password: not judged
        ("ecs-task-not-privileged", "billing:1", "COMPLIANT"),
        ("ecs-task-not-privileged", "orders:2", "NON_COMPLIANT"),
        ("elb-listener-tls", "public:80", "COMPLIANT"),
    ]
