"""Exit early out of a Parallel state: either-or and quorum approval workflows (posts 002#8 = 003#20).

A Parallel state normally waits for every branch. Here a branch that completes goes to a ``Fail`` state with a
custom error; the Parallel state's ``Catch`` for that error is the next business step, and Step Functions stops
the other branches. "Even though it is the fail state, it might not represent an error scenario."

* **either-or** (a state machine and its role): branches 1 and 2 are the processes (e.g. either of two IT
  managers approves a laptop request), branch 3 is the timeout. One Catch per branch, so each winner can lead to
  its own follow-up state.
* **quorum** (a state machine, its role and the DynamoDB ``QuorumWorkflowTable``): the first state creates an item
  keyed by the execution id; each of 3 process branches adds itself to the item's ``CompletedFlows`` string set
  (idempotent, and ``ReturnValues: ALL_NEW`` counts in the same atomic write) and raises ``QuorumMet`` when the
  count reaches the quorum (2 of 3); branch 4 is the timeout.

The processes are ``Wait`` states standing in for the real work, as in the post's samples; replace them with a
``.waitForTaskToken`` task for a real approval. Usage::

    ParallelExitEarly("approvals", ParallelExitEarlyArgs(), governance=gov)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi

from components.governance import Governance
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

PATTERNS = ("either-or", "quorum")
EITHER_OR_DEFINITION = "handlers/parallel_exit_early/either_or.asl.json"
QUORUM_DEFINITION = "handlers/parallel_exit_early/quorum.asl.json"
PROCESSES = 3  # the quorum pattern's process branches (either-or uses the first two)


@dataclass
class ParallelExitEarlyArgs:
    """The post's two patterns. Wait durations are the sample's filler "processes" (the post gives no values)."""

    patterns: Sequence[str] = PATTERNS  # deploy one or both of the post's SAM applications
    process_wait_seconds: Sequence[int] = (10, 20, 30)  # per process branch; either-or uses the first two
    timeout_seconds: int = 300  # the timeout branch: exit when no process / no quorum completes in time
    quorum: int = 2  # "2 of 3 IT managers approve"
    workflow_type: str = "STANDARD"  # approvals can outlast an Express workflow's 5 minutes


def _validate(args: ParallelExitEarlyArgs) -> None:
    unknown = [p for p in args.patterns if p not in PATTERNS]
    if not args.patterns or unknown:
        raise ValueError(f"ParallelExitEarlyArgs.patterns: {list(args.patterns)!r} must be a non-empty subset of "
                         f"{', '.join(PATTERNS)}")
    waits = list(args.process_wait_seconds)
    if len(waits) != PROCESSES or any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in waits):
        raise ValueError(f"ParallelExitEarlyArgs.process_wait_seconds: {waits!r} must be {PROCESSES} whole "
                         "numbers of seconds >= 0")
    if not isinstance(args.timeout_seconds, int) or args.timeout_seconds < 1:
        raise ValueError(f"ParallelExitEarlyArgs.timeout_seconds: {args.timeout_seconds!r} must be an integer >= 1")
    if not isinstance(args.quorum, int) or not 1 <= args.quorum <= PROCESSES:
        raise ValueError(f"ParallelExitEarlyArgs.quorum: {args.quorum!r} must be an integer from 1 to {PROCESSES}")


class ParallelExitEarly(pulumi.ComponentResource):
    """The either-or and/or quorum workflows. Outputs: ``either_or_arn``, ``quorum_arn``, ``quorum_table_name``
    (each ``None`` when that pattern is not deployed)."""

    def __init__(self, name: str, args: ParallelExitEarlyArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:ParallelExitEarly", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        waits = {f"Process{n}WaitSeconds": str(seconds) for n, seconds in enumerate(args.process_wait_seconds, 1)}
        timeout = {"TimeoutSeconds": str(args.timeout_seconds)}

        self.either_or = None
        if "either-or" in args.patterns:
            self.either_or = GovernedStateMachine(
                f"{name}-either-or",
                StateMachineArgs(
                    definition_path=EITHER_OR_DEFINITION,
                    substitutions={**{k: waits[k] for k in ("Process1WaitSeconds", "Process2WaitSeconds")}, **timeout},
                    type=args.workflow_type,
                ),
                governance=governance, opts=child,
            )

        self.quorum_table = None
        self.quorum = None
        if "quorum" in args.patterns:
            self.quorum_table = GovernedTable(
                f"{name}-QuorumWorkflowTable",
                TableArgs(hash_key="ExecutionId", attributes={"ExecutionId": "S"}),
                governance=governance, opts=child,
            )
            self.quorum = GovernedStateMachine(
                f"{name}-quorum",
                StateMachineArgs(
                    definition_path=QUORUM_DEFINITION,
                    # A DynamoDB table's id is its name, known as soon as the table is (the provider autonames it).
                    substitutions={**waits, **timeout, "Quorum": str(args.quorum),
                                   "QuorumTableName": self.quorum_table.table.id},
                    type=args.workflow_type,
                    # The tracking item is created once and then updated by each branch; nothing else.
                    statements=[statement(["dynamodb:PutItem", "dynamodb:UpdateItem"], [self.quorum_table.arn],
                                          sid="QuorumTracking"),
                                key_statement(governance.kms_key_arn, "write", sid="QuorumTableKey")],
                ),
                governance=governance, opts=child,
            )

        self.either_or_arn = self.either_or.arn if self.either_or else None
        self.quorum_arn = self.quorum.arn if self.quorum else None
        self.quorum_table_name = self.quorum_table.table.id if self.quorum_table else None
        self.register_outputs({
            "eitherOrArn": self.either_or_arn,
            "quorumArn": self.quorum_arn,
            "quorumTableName": self.quorum_table_name,
        })
