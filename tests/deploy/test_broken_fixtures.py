"""Each deploy-readiness check fails on a deliberately broken fixture, with a message naming what is wrong.

(The checks passing on the example stacks proves nothing unless they can fail.)
"""
from __future__ import annotations

import json

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import statement
from components.governed.storage import GovernedTable, TableArgs
from components.platform.policies import GovernedResources, boundary_document
from tests.support import aws_calls, deploy
from tools.offline_engine import run_program

GOV = Governance.for_tests()
ACCOUNT, REGION = "123456789012", "us-east-1"
PROTECTED = GovernedResources("aws", ACCOUNT, GOV.permissions_boundary_arn,
                              f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary", GOV.kms_key_arn)


def facts_of(program) -> deploy.StackFacts:
    """Run a small program under the mocks (up mode) with the platform's published boundaries."""
    return deploy.build_facts("fixture", run_program(program),
                              boundaries={GOV.permissions_boundary_arn: boundary_document(PROTECTED)})


def table_writer(with_key_grant: bool):
    def program():
        table = GovernedTable("orders", TableArgs(hash_key="id", attributes={"id": "S"}), governance=GOV)
        grants = [statement(["dynamodb:PutItem"], [table.arn], sid="WriteOrders")]
        if with_key_grant:
            grants.append(statement(["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn], sid="TableKey"))
        GovernedFunction("writer", FunctionArgs(handler="handlers.saga_orchestration.place_order.handler",
                                                environment={"ORDERS_TABLE_NAME": table.table.id},
                                                statements=grants), governance=GOV)
    return program


def test_a_grant_the_boundary_does_not_allow_is_reported():
    role = deploy.RoleFacts("r", f"arn:aws:iam::{ACCOUNT}:role/r", GOV.permissions_boundary_arn,
                            boundary_document(PROTECTED, ["dynamodb", "logs"]),
                            policies=[{"Statement": [
                                {"Effect": "Allow", "Action": ["ses:SendEmail"], "Resource": ["*"]},
                                {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": ["*"]}]}])
    assert deploy.grants_outside_boundary(role) == [
        "ses:SendEmail on *: implicit deny: the permissions boundary does not allow it"]


def test_a_write_to_a_kms_encrypted_table_without_the_key_grant_is_reported():
    broken = facts_of(table_writer(with_key_grant=False))
    role = next(r for r in broken.roles.values() if r.functions)
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert deploy.missing(role, deploy.kms_requirements(role, deploy.encrypted_resources(broken))) == [
        f"kms:GenerateDataKey on {GOV.kms_key_arn} (write dynamodb:PutItem on {table}): "
        f"implicit deny: no identity policy allows it"]
    # kms:Decrypt is there: every governed function may decrypt its environment with the platform key.
    fixed = facts_of(table_writer(with_key_grant=True))
    role = next(r for r in fixed.roles.values() if r.functions)
    assert deploy.missing(role, deploy.kms_requirements(role, deploy.encrypted_resources(fixed))) == []


def test_a_handler_call_without_a_grant_is_reported():
    facts = facts_of(table_writer(with_key_grant=True))
    handler = "handlers.saga_orchestration.place_order"
    # What the recorder saw in a moto test where ORDERS_TABLE_NAME was "Orders".
    allowed = aws_calls.Call(handler, "dynamodb:PutItem", "TableName", "Orders", None,
                             (("ORDERS_TABLE_NAME", "Orders"),))
    not_granted = aws_calls.Call(handler, "dynamodb:DeleteItem", "TableName", "Orders", None,
                                 (("ORDERS_TABLE_NAME", "Orders"),))
    assert aws_calls.refused(facts, [allowed, not_granted]) == [
        "dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:123456789012:table/orders "
        "(handlers.saga_orchestration.place_order calls dynamodb:DeleteItem (TableName from $ORDERS_TABLE_NAME)): "
        "implicit deny: no identity policy allows it"]


def test_a_state_machine_integration_without_a_grant_is_reported():
    definition = json.dumps({"StartAt": "Start", "States": {"Start": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
        "Parameters": {"StateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:child", "Input.$": "$"}}}})
    requirements = deploy.integration_requirements(definition, ACCOUNT, REGION)
    assert [(r.action, r.resource) for r in requirements] == [
        ("states:StartExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:child"),
        ("states:DescribeExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:execution:child:*"),
        ("states:StopExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:execution:child:*"),
        *[(f"events:{a}", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")
          for a in ("PutTargets", "PutRule", "DescribeRule")]]
    role = deploy.RoleFacts("sm", f"arn:aws:iam::{ACCOUNT}:role/sm", GOV.permissions_boundary_arn,
                            boundary_document(PROTECTED), policies=[{"Statement": [{
                                "Effect": "Allow", "Action": ["states:StartExecution"],
                                "Resource": [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:child"]}]}])
    assert [problem.split(" (")[0] for problem in deploy.missing(role, requirements)] == [
        f"states:DescribeExecution on arn:aws:states:{REGION}:{ACCOUNT}:execution:child:*",
        f"states:StopExecution on arn:aws:states:{REGION}:{ACCOUNT}:execution:child:*",
        *[f"events:{a} on arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
          for a in ("PutTargets", "PutRule", "DescribeRule")]]


def test_sdk_and_lambda_integrations_are_read():
    definition = json.dumps({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
              "Parameters": {"ExecutionArn.$": "$.arn"}, "Next": "B"},
        "B": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "C", "States": {"C": {
            "Type": "Task", "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f:live", "End": True}}}]}}})
    assert [(r.action, r.resource) for r in deploy.integration_requirements(definition, ACCOUNT, REGION)] == [
        ("states:DescribeExecution", None), ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f")]


def test_a_pass_role_grant_is_judged_for_the_service_it_names():
    def role(service):
        return deploy.RoleFacts("sm", f"arn:aws:iam::{ACCOUNT}:role/sm", GOV.permissions_boundary_arn,
                                boundary_document(PROTECTED), policies=[{"Statement": [{
                                    "Effect": "Allow", "Action": ["iam:PassRole"],
                                    "Resource": [f"arn:aws:iam::{ACCOUNT}:role/forecast"],
                                    "Condition": {"StringEquals": {"iam:PassedToService": service}}}]}])
    assert deploy.grants_outside_boundary(role("forecast.amazonaws.com")) == []
    assert deploy.grants_outside_boundary(role("lambda.amazonaws.com")) == [
        f"iam:PassRole on arn:aws:iam::{ACCOUNT}:role/forecast: implicit deny: the permissions boundary does not "
        f"allow it"]
