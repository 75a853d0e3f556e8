"""Every example stack's roles, as they would be deployed: grants inside the boundary, every state machine
integration allowed by policy ∩ boundary on the right ARN, every KMS-encrypted resource with its key grants.

The stacks are found in stacks/ (every future architecture is checked without a line here) and run under the
Pulumi mocks in ``up`` mode; decisions come from tests/support/iam_eval.py. What a handler calls is checked in
the architecture's own moto tests (tests/support/aws_calls.py).
"""
from __future__ import annotations

import pytest

from tests.support import deploy

STACKS = deploy.example_stacks()


@pytest.fixture(scope="module")
def layer_dir(tmp_path_factory) -> str:
    return str(deploy.layer_build(tmp_path_factory.mktemp("layers")))


@pytest.fixture(params=STACKS)
def facts(request, layer_dir) -> deploy.StackFacts:
    return deploy.stack_facts(request.param, layer_dir)


def test_every_example_stack_is_checked():
    assert {"platform-dev", "saga-orchestration-dev", "sfn-versions-aliases-dev"} <= set(STACKS) and len(STACKS) >= 9


def test_every_role_has_a_boundary_and_a_policy(facts):
    assert facts.roles, f"{facts.name} creates no role"
    assert {role.name: role.boundary_arn is not None and bool(role.policies) for role in facts.roles.values()} == \
        {role.name: True for role in facts.roles.values()}


def test_no_grant_is_denied_by_the_boundary(facts):
    found = {role.name: deploy.grants_outside_boundary(role) for role in facts.roles.values()}
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_every_state_machine_integration_is_allowed_on_its_arn(facts):
    found = {}
    for role in facts.roles.values():
        for machine in role.state_machines:
            requirements = deploy.integration_requirements(machine.inputs["definition"], facts.account, facts.region,
                                                           facts.arns())
            found[machine.name] = deploy.missing(role, requirements)
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_every_principal_of_an_encrypted_resource_has_the_key_grants(facts):
    encrypted = deploy.encrypted_resources(facts)
    found = {role.name: deploy.missing(role, deploy.kms_requirements(role, encrypted))
             for role in facts.roles.values()}
    assert {name: problems for name, problems in found.items() if problems} == {}
