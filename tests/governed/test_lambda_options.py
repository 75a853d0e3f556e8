"""FunctionArgs.lambda_options: the vetted pass-through of Lambda properties the block does not govern."""
import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.function import FunctionArgs, GovernedFunction, VpcConfig
from components.governed.lambda_options import GOVERNED, PASS_THROUGH, check_lambda_options
from tools.offline_engine import one, run_program

GOV = Governance.for_tests()
ACCESS_POINT = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
ALLOWED = "lambda_options takes only: ephemeral_storage, snap_start, file_system_config, image_config"
COMPONENT = "GovernedFunction 'reports'"
VPC = VpcConfig(subnet_ids=["subnet-0a"], security_group_ids=["sg-0a"])


def function_inputs(**changes) -> dict:
    args = FunctionArgs(**{"handler": "handlers.jwt_authorizer.app.handler", **changes})
    resources = run_program(lambda: GovernedFunction("reports", args, GOV), stack="dev")
    return one(resources, "aws:lambda/function:Function").raw_inputs


def check(options, *, image=False, edge=False, runtime="python3.12", publish=False, in_vpc=False):
    """The checks GovernedFunction runs on its lambda_options, for a function with these traits."""
    return check_lambda_options(COMPONENT, options, image=image, edge=edge, runtime=runtime, publish=publish,
                                in_vpc=in_vpc)


def test_pass_through_and_governed_properties_are_disjoint_and_each_has_a_reason():
    assert set(PASS_THROUGH) == {"ephemeral_storage", "snap_start", "file_system_config", "image_config"}
    assert not set(PASS_THROUGH) & set(GOVERNED)
    assert all(len(reason) > 20 for reason in [*PASS_THROUGH.values(), *GOVERNED.values()])


def test_options_reach_the_function_with_the_engine_names():
    fn = function_inputs(publish=True, lambda_options={"ephemeral_storage": {"size": 512},
                                                       "snap_start": {"apply_on": "PublishedVersions"}})
    assert fn["ephemeralStorage"] == {"size": 512}
    assert fn["snapStart"] == {"applyOn": "PublishedVersions"}
    # The governed properties are untouched.
    assert fn["tracingConfig"] == {"mode": "Active"}
    assert fn["codeSigningConfigArn"] == GOV.code_signing_config_arn


def test_an_efs_mount_in_a_vpc_reaches_the_function():
    fn = function_inputs(vpc=VPC, lambda_options={
        "file_system_config": {"arn": ACCESS_POINT, "local_mount_path": "/mnt/reports"}})
    assert fn["fileSystemConfig"] == {"arn": ACCESS_POINT, "localMountPath": "/mnt/reports"}
    assert fn["vpcConfig"] == {"subnetIds": ["subnet-0a"], "securityGroupIds": ["sg-0a"]}


def test_no_options_set_nothing():
    fn = function_inputs()
    for absent in ("ephemeralStorage", "snapStart", "fileSystemConfig", "imageConfig"):
        assert absent not in fn


@pytest.mark.parametrize("options,message", [
    ({"tracing_config": {"mode": "PassThrough"}},
     "GovernedFunction 'reports': lambda_options['tracing_config'] = {'mode': 'PassThrough'} is refused: the block "
     "governs 'tracing_config' (X-Ray tracing is Active (guardrail lambda-tracing-active)); " + ALLOWED),
    ({"role": "arn:aws:iam::123456789012:role/admin"},
     "GovernedFunction 'reports': lambda_options['role'] = 'arn:aws:iam::123456789012:role/admin' is refused: the "
     "block governs 'role' (the block creates the function's own role under the permissions boundary: pass "
     "statements=); " + ALLOWED),
    ({"code_signing_config_arn": None},
     "GovernedFunction 'reports': lambda_options['code_signing_config_arn'] = None is refused: the block governs "
     "'code_signing_config_arn' (the platform's code signing config (guardrail lambda-code-signing)); " + ALLOWED),
    ({"layers": []},
     "GovernedFunction 'reports': lambda_options['layers'] = [] is refused: the block governs 'layers' (the company "
     "and Powertools layers are the block's (guardrail lambda-required-layer): pass extra layers in layers=); "
     + ALLOWED),
    ({"vpc_config": {"subnet_ids": []}},
     "GovernedFunction 'reports': lambda_options['vpc_config'] = {'subnet_ids': []} is refused: the block governs "
     "'vpc_config' (use FunctionArgs.vpc (the block grants the network interface actions)); " + ALLOWED),
    ({"architectures": ["arm64"]},
     "GovernedFunction 'reports': lambda_options['architectures'] = ['arm64'] is refused: the block governs "
     "'architectures' (use FunctionArgs.architectures); " + ALLOWED),
    ({"skip_destroy": True},
     "GovernedFunction 'reports': lambda_options['skip_destroy'] = True is not a property the block passes "
     "through; " + ALLOWED),
    ({"ephemeral_storage": 1024},
     "GovernedFunction 'reports': lambda_options['ephemeral_storage'] = 1024 must be a dict"),
])
def test_governed_and_unknown_properties_are_refused_naming_key_value_and_what_is_allowed(options, message):
    with pytest.raises(GovernanceError) as error:
        check(options)
    assert str(error.value) == message


@pytest.mark.parametrize("size,message", [
    (511, "GovernedFunction 'reports': lambda_options['ephemeral_storage']['size'] = 511 must be a whole number of "
          "MB, 512-10240 [Lambda EphemeralStorage Size 512-10240 MB]"),
    (10241, "GovernedFunction 'reports': lambda_options['ephemeral_storage']['size'] = 10241 must be a whole number "
            "of MB, 512-10240 [Lambda EphemeralStorage Size 512-10240 MB]"),
    ("2048", "GovernedFunction 'reports': lambda_options['ephemeral_storage']['size'] = '2048' must be a whole "
             "number of MB, 512-10240 [Lambda EphemeralStorage Size 512-10240 MB]"),
])
def test_ephemeral_storage_is_range_checked_from_the_limits_table(size, message):
    with pytest.raises(GovernanceError) as error:
        check({"ephemeral_storage": {"size": size}})
    assert str(error.value) == message


def test_ephemeral_storage_bounds_are_accepted():
    assert check({"ephemeral_storage": {"size": 10240}}) == {"ephemeral_storage": {"size": 10240}}
    assert check({"ephemeral_storage": {"size": 512}}, edge=True) == {
        "ephemeral_storage": {"size": 512}}


def test_lambda_edge_takes_at_most_512_mb_of_ephemeral_storage():
    with pytest.raises(GovernanceError) as error:
        check({"ephemeral_storage": {"size": 1024}}, edge=True)
    assert str(error.value) == ("GovernedFunction 'reports': lambda_options['ephemeral_storage']['size'] = 1024: "
                                "Lambda@Edge takes at most 512 MB [CloudFront, Restrictions on Lambda@Edge]")


SNAP = {"snap_start": {"apply_on": "PublishedVersions"}}
SNAP_REFUSED = "GovernedFunction 'reports': lambda_options['snap_start'] = {'apply_on': 'PublishedVersions'} is " \
               "refused: "


@pytest.mark.parametrize("options,traits,reason", [
    (SNAP, dict(publish=False), "SnapStart applies to published versions only; set publish=True"),
    (SNAP, dict(publish=True, runtime="python3.11"),
     "runtime 'python3.11' does not support SnapStart (python3.12 and later do)"),
    (SNAP, dict(publish=True, image=True), "container images and Lambda@Edge do not support SnapStart"),
    ({**SNAP, "ephemeral_storage": {"size": 1024}}, dict(publish=True),
     "SnapStart supports at most 512 MB of ephemeral storage, got 1024"),
    ({**SNAP, "file_system_config": {"arn": ACCESS_POINT, "local_mount_path": "/mnt/x"}},
     dict(publish=True, in_vpc=True), "SnapStart does not support EFS (file_system_config)"),
])
def test_snap_start_is_refused_where_lambda_refuses_it(options, traits, reason):
    with pytest.raises(GovernanceError) as error:
        check(options, **traits)
    assert str(error.value) == SNAP_REFUSED + reason


def test_snap_start_on_a_supported_published_function_and_its_values():
    assert check(SNAP, publish=True, runtime="python3.13") == SNAP
    with pytest.raises(GovernanceError) as error:
        check({"snap_start": {"apply_on": "Always"}}, publish=True)
    assert str(error.value) == ("GovernedFunction 'reports': lambda_options['snap_start']['apply_on'] = 'Always'; "
                                "allowed: 'PublishedVersions', 'None'")


@pytest.mark.parametrize("config,in_vpc,message", [
    ({"arn": ACCESS_POINT, "local_mount_path": "/mnt/x"}, False,
     "GovernedFunction 'reports': lambda_options['file_system_config']: an EFS mount needs the function in a VPC; "
     "pass vpc=VpcConfig(...)"),
    ({"arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123", "local_mount_path": "/mnt/x"},
     True, "GovernedFunction 'reports': lambda_options['file_system_config']['arn'] = "
           "'arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123' must be an EFS access point ARN "
           "(arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-<17 hex>)"),
    ({"arn": ACCESS_POINT, "local_mount_path": "/data"}, True,
     "GovernedFunction 'reports': lambda_options['file_system_config']['local_mount_path'] = '/data' must be "
     "'/mnt/' then letters, digits, '.', '-' or '_', at most 160 characters [Lambda FileSystemConfig "
     "LocalMountPath]"),
    ({"arn": ACCESS_POINT, "local_mount_path": "/mnt/" + "x" * 156}, True,
     "GovernedFunction 'reports': lambda_options['file_system_config']['local_mount_path'] = '/mnt/" + "x" * 156
     + "' must be '/mnt/' then letters, digits, '.', '-' or '_', at most 160 characters [Lambda FileSystemConfig "
       "LocalMountPath]"),
    ({"arn": ACCESS_POINT}, True,
     "GovernedFunction 'reports': lambda_options['file_system_config']: missing 'local_mount_path'; required: "
     "arn, local_mount_path"),
    ({"arn": ACCESS_POINT, "local_mount_path": "/mnt/x", "mode": "rw"}, True,
     "GovernedFunction 'reports': lambda_options['file_system_config']: unknown key(s) 'mode'; allowed: arn, "
     "local_mount_path"),
])
def test_file_system_config_is_checked(config, in_vpc, message):
    with pytest.raises(GovernanceError) as error:
        check({"file_system_config": config}, in_vpc=in_vpc)
    assert str(error.value) == message


def test_image_config_applies_to_container_images_only():
    config = {"image_config": {"commands": ["app.handler"], "working_directory": "/var/task"}}
    assert check(config, image=True) == config
    with pytest.raises(GovernanceError) as error:
        check(config)
    assert str(error.value) == ("GovernedFunction 'reports': lambda_options['image_config'] applies to container "
                                "images only; pass image_uri=")


@pytest.mark.parametrize("changes,message", [
    (dict(memory_size=64), "GovernedFunction 'reports': memory_size 64 must be 128-10240 MB"),
    (dict(timeout=0), "GovernedFunction 'reports': timeout 0 must be 1-900 seconds"),
    (dict(edge=True, timeout=31), "GovernedFunction 'reports': timeout 31 must be 1-30 seconds"),
    (dict(architectures=("arm64", "x86_64")),
     "GovernedFunction 'reports': architectures ['arm64', 'x86_64'] must be exactly one of x86_64, arm64"),
    (dict(architectures=("riscv",)),
     "GovernedFunction 'reports': architectures ['riscv'] must be exactly one of x86_64, arm64"),
    (dict(edge=True, architectures=("arm64",)),
     "GovernedFunction 'reports': architectures ['arm64'] must be exactly one of x86_64 (Lambda@Edge)"),
    (dict(maximum_retry_attempts=3), "GovernedFunction 'reports': maximum_retry_attempts 3 must be 0-2"),
    (dict(maximum_event_age_seconds=59), "GovernedFunction 'reports': maximum_event_age_seconds 59 must be 60-21600"),
])
def test_function_ranges_come_from_the_limits_table(changes, message):
    with pytest.raises(GovernanceError) as error:
        function_inputs(**changes)
    assert str(error.value) == message
