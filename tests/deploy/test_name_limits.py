"""Every name an example stack gives AWS fits AWS's limits, with pulumi-aws's random suffix (tools/check_limits.py).

Mocks and moto enforce no name limits: these tests are what stands between a 66-character role name and a failed
first `pulumi up`. Fixtures that break a limit on purpose show the check catches each kind of mistake.
"""
import pulumi_aws as aws
import pytest

from tests.platform.conftest import layer_dir  # noqa: F401 (the platform stack needs its layers built)
from tests.support import stack_runs
from tools.check_limits import Offender, check_resources, check_stack, main
from tools.offline_engine import run_program
from tools.preview.stacks import available_stacks, load_stack

ARCHITECTURE_STACKS = [name for name in available_stacks() if name != "platform-dev"]


@pytest.mark.parametrize("stack", ARCHITECTURE_STACKS)
def test_every_example_stack_is_within_the_name_and_value_limits(stack):
    # check_stack(stack) is check_resources over the stack's up-mode run; the run is the session's shared one
    assert check_resources(stack_runs.run(load_stack(stack), mode="up")) == []


def test_the_platform_stack_is_within_the_name_and_value_limits(layer_dir):  # noqa: F811
    assert check_stack("platform-dev", parameters={"layer_build_dir": str(layer_dir)}) == []


def test_the_two_roles_that_were_too_long_now_fit():
    """Before: 'saga-orchestration-DistributedTransactionOrchestrator-role-xxxxxxx' (66 characters) and
    'sync-express-form-ProcessFormStateMachineExpressSync-role-xxxxxxx' (65): pulumi-aws refused both."""
    for stack, logical in (("saga-orchestration-dev", "saga-orchestration-DistributedTransactionOrches-04e9b6e4"),
                           ("sync-express-form-dev", "sync-express-form-ProcessFormStateMachineExpres-0f7e7fda")):
        resources = stack_runs.run(load_stack(stack), mode="up")
        roles = [r.name for r in resources if r.type == "aws:iam/role:Role"]
        assert logical in roles
        assert max(len(name) for name in roles) + len("-xxxxxxx") <= 64


def offenders_of(program) -> list:
    return check_resources(run_program(program))


ROLE_URN = "urn:pulumi:test::serverless-governance::aws:iam/role:Role::"


def test_an_explicit_65_character_role_name_is_refused():
    name = "r" * 65
    found = offenders_of(lambda: aws.iam.Role("too-long", name=name, assume_role_policy="{}"))
    assert found == [Offender(
        ROLE_URN + "too-long", "name", f"'{name}' (explicit, 65 characters)",
        "IAM role name: 1-64 characters [IAM quotas: role name 64; pulumi-aws AutoName 64]")]
    assert str(found[0]) == (
        f"{ROLE_URN}too-long: name = '{name}' (explicit, 65 characters); "
        "limit: IAM role name: 1-64 characters [IAM quotas: role name 64; pulumi-aws AutoName 64]")


def test_an_autonamed_role_whose_logical_name_leaves_no_room_for_the_suffix_is_refused():
    logical = "r" * 57  # 57 + "-" + 7 random = 65
    found = offenders_of(lambda: aws.iam.Role(logical, assume_role_policy="{}"))
    assert found == [Offender(
        ROLE_URN + logical, "name", f"'{logical}-xxxxxxx' (autonamed, 65 characters)",
        "IAM role name: at most 64 characters, and pulumi-aws autonames up to 64: the logical name may have at "
        "most 56 [IAM quotas: role name 64; pulumi-aws AutoName 64]")]
    assert offenders_of(lambda: aws.iam.Role("r" * 56, assume_role_policy="{}")) == []


def test_a_bucket_name_with_upper_case_is_refused():
    found = offenders_of(lambda: aws.s3.Bucket("artifacts", bucket="Company-Artifacts"))
    assert [(o.property, o.value, o.limit) for o in found] == [(
        "bucket", "'Company-Artifacts' (explicit, 17 characters)",
        "S3 bucket name: lower-case letters, digits, '.' and '-', starting and ending with a letter or digit "
        "[S3 bucket naming rules 3-63; pulumi-aws AutoNameTransform 63]")]


def test_an_autonamed_bucket_is_lower_cased_by_pulumi_aws_and_accepted():
    assert offenders_of(lambda: aws.s3.Bucket("CompanyArtifacts")) == []


def test_a_bucket_prefix_longer_than_37_is_refused():
    found = offenders_of(lambda: aws.s3.Bucket("artifacts", bucket_prefix="p" * 38))
    assert [(o.property, o.limit) for o in found] == [(
        "bucket", "S3 bucket name: 3-63 characters (bucketPrefix at most 37) "
                  "[S3 bucket naming rules 3-63; pulumi-aws AutoNameTransform 63]")]


def test_an_autonamed_signing_profile_gets_a_hyphen_signer_refuses():
    found = offenders_of(lambda: aws.signer.SigningProfile("signing", platform_id="AWSLambda-SHA384-ECDSA"))
    assert [(o.property, o.value, o.limit) for o in found] == [(
        "name", "'signing-xxxxxxx' (autonamed, 15 characters)",
        "Signer profile name: letters, digits and '_' (no '-') [Signer PutSigningProfile profileName 2-64]")]


def test_a_fifo_queue_autoname_counts_its_suffix():
    assert offenders_of(lambda: aws.sqs.Queue("q" * 67, fifo_queue=True)) == []  # 67 + 8 + 5 = 80
    found = offenders_of(lambda: aws.sqs.Queue("q" * 68, fifo_queue=True))
    assert [(o.property, o.value) for o in found] == [("name", f"'{'q' * 68}-xxxxxxx.fifo' (autonamed, 81 characters)")]


def test_an_event_target_id_is_held_to_64_although_pulumi_aws_autonames_up_to_255():
    found = offenders_of(lambda: aws.cloudwatch.EventTarget("t" * 57, rule="rule", arn="arn:aws:sqs:us-east-1:1:q"))
    assert [o.property for o in found] == ["targetId"]


def test_the_command_passes_a_stack_within_the_limits_and_explains_a_missing_one(capsys):
    assert main(["saga-orchestration-dev"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "saga-orchestration-dev: every name and value within AWS's limits"
    assert main(["no-such-stack"]) == 2
    assert "no-such-stack: cannot run: unknown stack 'no-such-stack'" in capsys.readouterr().err


def test_the_command_prints_one_line_per_offender_and_fails(monkeypatch, capsys):
    # Every example stack is within the limits now, so the offender comes from a stand-in for the stack run.
    offender = Offender(ROLE_URN + "r", "name", "'r-xxxxxxx' (autonamed, 9 characters)", "a limit")
    monkeypatch.setattr("tools.check_limits.check_stack", lambda name: [offender])
    assert main(["any-stack"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{ROLE_URN}r: name = 'r-xxxxxxx' (autonamed, 9 characters); limit: a limit",
        "any-stack: 1 name or value outside AWS's limits",
    ]
