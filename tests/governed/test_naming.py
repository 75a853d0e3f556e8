"""Governed blocks shorten a child's name only when AWS (or pulumi-aws's autoname) would refuse it."""
import pytest

from components.governance import Governance
from components.governed._naming import autonamed, explicit, shorten
from components.governed.messaging import GovernedQueue, QueueArgs
from components.governed.role import GovernedRole, RoleArgs
from tools.offline_engine import one, run_program

GOV = Governance.for_tests()

SAGA_ROLE = "saga-orchestration-DistributedTransactionOrchestrator-role"  # 58 characters: autoname 66
SYNC_ROLE = "sync-express-form-ProcessFormStateMachineExpressSync-role"  # 57 characters: autoname 65


def test_the_two_known_offenders_get_these_exact_names():
    assert autonamed("aws:iam/role:Role", SAGA_ROLE) == "saga-orchestration-DistributedTransactionOrches-04e9b6e4"
    assert autonamed("aws:iam/role:Role", SYNC_ROLE) == "sync-express-form-ProcessFormStateMachineExpres-0f7e7fda"
    # 56 characters + "-" + 7 random = 64, IAM's limit.
    assert len(autonamed("aws:iam/role:Role", SAGA_ROLE)) == 56 == len(autonamed("aws:iam/role:Role", SYNC_ROLE))


def test_names_that_fit_are_never_renamed():
    fits = "x" * 56  # the longest role logical name whose autoname (+8) is 64
    assert autonamed("aws:iam/role:Role", fits) == fits
    assert autonamed("aws:lambda/function:Function", "orders") == "orders"
    assert explicit("aws:cloudwatch/logGroup:LogGroup", "/aws/lambda/dev/orders") == "/aws/lambda/dev/orders"


def test_shortening_is_deterministic_and_keeps_long_names_apart():
    first = "payments-" + "a" * 60 + "-one"
    second = "payments-" + "a" * 60 + "-two"  # same 56-character prefix
    assert shorten(first, 56) == shorten(first, 56)
    assert shorten(first, 56) != shorten(second, 56)
    assert shorten(first, 56).startswith("payments-aaaa") and len(shorten(first, 56)) == 56


def test_a_separator_at_the_cut_is_not_doubled():
    # The cut falls right after "abcdefg-": the prefix drops that '-' rather than producing "abcdefg--<hash>".
    assert shorten("abcdefg-" + "z" * 20, 17) == "abcdefg-92c2a863"


def test_fifo_queues_leave_room_for_the_suffix():
    # SQS: 80 characters including ".fifo"; the autoname adds "-" + 7 random before it.
    name = "q" * 70
    assert autonamed("aws:sqs/queue:Queue", name) == name  # 70 + 8 = 78
    assert len(autonamed("aws:sqs/queue:Queue", name, fifo=True)) == 80 - 5 - 8


def test_shorten_refuses_a_limit_with_no_room():
    with pytest.raises(ValueError, match="max_length 9 leaves no room"):
        shorten("a-long-name", 9)


def test_autonamed_refuses_a_type_pulumi_aws_does_not_autoname():
    with pytest.raises(ValueError, match="pulumi-aws does not autoname aws:lambda/layerVersion:LayerVersion"):
        autonamed("aws:lambda/layerVersion:LayerVersion", "layer")


def test_governed_role_with_a_long_name_gets_the_short_logical_name():
    resources = run_program(lambda: GovernedRole(SAGA_ROLE, RoleArgs(["states.amazonaws.com"]), GOV))
    role = one(resources, "aws:iam/role:Role")
    assert role.name == "saga-orchestration-DistributedTransactionOrches-04e9b6e4"
    assert "name" not in role.inputs  # still autonamed: the random suffix keeps stacks apart in one account
    component = one(resources, "serverless-governance:governed:Role")
    assert component.name == SAGA_ROLE  # the component keeps the readable name


def test_governed_role_with_a_short_name_keeps_it():
    resources = run_program(lambda: GovernedRole("orders-role", RoleArgs(["lambda.amazonaws.com"]), GOV))
    assert one(resources, "aws:iam/role:Role").name == "orders-role"


def test_governed_fifo_queue_and_its_dlq_with_long_names_fit_with_their_suffix():
    name = "orders-" + "q" * 70  # 77 characters: the autoname would be 77 + 8 + len(".fifo") = 90
    resources = run_program(lambda: GovernedQueue(name, QueueArgs(fifo=True), governance=GOV))
    queues = sorted(r.name for r in resources if r.type == "aws:sqs/queue:Queue")
    assert queues == sorted([shorten(name, 67), shorten(f"{name}-dlq", 67)])  # 67 + 8 + 5 = 80
    assert queues[0] != queues[1] and all(len(q) == 67 for q in queues)
