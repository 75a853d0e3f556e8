"""The Step Functions project layout as a reusable pattern (post 002#1, "Best Practices for Writing Step Functions
Terraform Projects"), applied to the post's sample workflow.

The post's layout, and where each part lives here:

* ``statemachine/statemachine.asl.json`` (ASL kept apart from infrastructure code, ``${Name}`` placeholders
  filled by ``templatefile``): ``handlers/<architecture>/<name>.asl.json``, rendered by the governed state
  machine's ``substitutions`` (:func:`components.governed.state_machine.render_definition`: every placeholder
  must get a value and every value must be used). This component adds the post's rule "do not hard-code an ARN
  in your ASL file": a template holding an ARN with an account ID is refused (:func:`hard_coded_arns`).
* ``functions/first-function/src/lambda.py``: ``handlers/<architecture>/<module>.py``, shipped by the governed
  function (signed, traced, its own encrypted log group).
* ``modules/`` ("do not make a custom module for everything"): ``components/``, one ComponentResource per
  architecture, built from the governed blocks.
* Encrypted log groups: the governed function and state machine create their log groups explicitly, with
  retention and the platform KMS key (whose policy lets ``logs.<region>.amazonaws.com`` use it); the state machine
  logs ``ALL`` with execution data to ``/aws/vendedlogs/states/...`` (``<arn>:*`` destination).
* The Workflow Studio round trip (design in the console, export the ASL, put the placeholders back, commit):
  :func:`template_from_definition` turns an exported definition into the template, given the values the stack
  substituted (``python -m components.stepfunctions.sfn_project_layout exported.json ProcessingLambda=<arn>``).

The sample workflow: state machine ``MyStateMachine`` (Standard) whose one task, ``Lambda Invoke``, invokes
``HelloFunction`` (``lambda.lambda_handler`` returning ``True``) with the execution input. The role may invoke
exactly the template's functions. Usage::

    SfnProjectLayout("layout", SfnProjectLayoutArgs(), governance=gov)

Deviations from the post, and why:

* ``runtime = "python3.9"``: deprecated by Lambda; the governed function's supported runtime (python3.12) is used.
* The post creates its own KMS key for the log groups; the platform key (same key-policy grant to CloudWatch Logs)
  encrypts every log group of the account, so no second key is made.
* ``retention_in_days = 1`` is the platform's ``logRetentionDays`` setting here (the example stack sets it to 1).
* The post grants the state machine role ``logs:CreateLogStream``/``PutLogEvents``/``DescribeLogGroups`` on its
  log group and ``cloudwatch:PutMetricData``; Step Functions delivers logs through the log-delivery actions only,
  which the governed block grants (``cloudwatch:PutMetricData`` is not used by a state machine).
* ``Lambda Invoke`` gets the retry Workflow Studio adds to a Lambda task (transient Lambda errors, 3 attempts),
  which the post's snippet leaves out: a throttled invoke would otherwise fail the execution.
* The post's remote state (S3 bucket + DynamoDB lock table) is Terraform's; Pulumi keeps state in its backend.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import statement
from components.governed.state_machine import (
    PLACEHOLDER,
    DefinitionError,
    GovernedStateMachine,
    StateMachineArgs,
    resolve_definition_path,
)

DEFINITION = "handlers/sfn_project_layout/statemachine.asl.json"

# An ARN that names an account (12 digits in its account field): a deployed resource, which a template must
# reference through a placeholder. Service-integration ARNs (arn:aws:states:::lambda:invoke) and account-less
# ARNs (arn:aws:forecast:::algorithm/NPTS) have no account and are fine.
ACCOUNT_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^\s\"]*")
# A substitution whose value is a bare JSON number or boolean (`"Seconds": ${Wait}`) cannot be found again in an
# export: the value carries no name and may equal any other literal.
_BARE_LITERAL = re.compile(r"^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$")
_FUNCTION_KEYS = {"name", "handler", "memory_size", "timeout"}
_LOGICAL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,29}$")


# -------------------------------------------------------------------------------------------------------------
# Templates: the check and the Workflow Studio round trip (pure functions)
# -------------------------------------------------------------------------------------------------------------
def hard_coded_arns(document: Any, path: str = "$") -> list:
    """``[(JSONPath, ARN)]`` of every ARN with an account ID in a definition's string values, in document order."""
    found: list = []
    if isinstance(document, Mapping):
        for key, value in document.items():
            found += hard_coded_arns(value, f"{path}.{key}" if re.match(r"^\w+$", str(key)) else f"{path}['{key}']")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += hard_coded_arns(value, f"{path}[{index}]")
    elif isinstance(document, str):
        found += [(path, match.group(0)) for match in ACCOUNT_ARN.finditer(document)]
    return found


def template_from_definition(definition: str, substitutions: Mapping[str, str]) -> str:
    """Turn a definition exported from Workflow Studio into a template: each substitution's value, wherever it
    occurs in a string value, becomes ``${Name}`` again. Returns the template as JSON text (2-space indent).

    ``substitutions`` are the values the stack rendered (``{"ProcessingLambda": "arn:aws:lambda:...:HelloFunction"}``).
    Strict, like :func:`render_definition`, so the template renders back to exactly the export:

    * a value that does not occur, a value two names share, or a bare number/boolean value (``"Seconds": ${Wait}``
      cannot be told from any other ``60``) is an error naming it;
    * an ARN with an account ID left in the result is an error listing where (the post: never hard-code an ARN);
    * rendering the result with ``substitutions`` must give the exported document back.
    Longer values are replaced first, so an ARN that contains another value's text keeps its own name.
    """
    try:
        document = json.loads(definition)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"exported definition is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or "States" not in document:
        raise DefinitionError("exported definition has no 'States': is it an Amazon States Language document?")
    by_value: dict = {}
    for name, value in substitutions.items():
        if not PLACEHOLDER.fullmatch("${" + str(name) + "}"):
            raise DefinitionError(f"substitution name {name!r} must be a letter or '_' then letters, digits, '_'")
        if not isinstance(value, str) or not value:
            raise DefinitionError(f"substitution {name!r}: value must be a non-empty string, got {value!r}")
        if _BARE_LITERAL.match(value):
            raise DefinitionError(
                f"substitution {name!r}: {value!r} is a bare JSON literal; an export cannot say which {value} it "
                "was, so put that placeholder back by hand")
        if value in by_value:
            raise DefinitionError(
                f"substitutions {by_value[value]!r} and {name!r} share the value {value!r}: which name each "
                "occurrence had cannot be known")
        by_value[value] = name

    found: set = set()
    pattern = re.compile("|".join(re.escape(v) for v in sorted(by_value, key=len, reverse=True))) if by_value else None

    def restore(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: restore(value) for key, value in node.items()}
        if isinstance(node, list):
            return [restore(value) for value in node]
        if isinstance(node, str) and pattern is not None:
            def placeholder(match: re.Match) -> str:
                found.add(by_value[match.group(0)])
                return "${" + by_value[match.group(0)] + "}"
            return pattern.sub(placeholder, node)
        return node

    template = restore(document)
    unused = sorted(set(substitutions) - found)
    if unused:
        raise DefinitionError(
            f"substitution(s) {', '.join(unused)} not found in the exported definition: was the resource removed "
            "in Workflow Studio, or is its value stale?")
    left = hard_coded_arns(template)
    if left:
        raise DefinitionError(
            "the template would still hard-code ARN(s): "
            + "; ".join(f"{where}: {arn}" for where, arn in left)
            + ". Add a substitution for each (the stack passes the resource's ARN).")
    text = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    foreign = sorted(set(PLACEHOLDER.findall(text)) - set(substitutions))
    if foreign:
        raise DefinitionError(
            f"the exported definition already holds {', '.join('${' + n + '}' for n in foreign)}, which no "
            "substitution names: render_definition would refuse the template")
    # The same raw substitution render_definition makes: the template must render back to the export.
    try:
        rendered = json.loads(PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text))
    except json.JSONDecodeError:
        raise DefinitionError("a substitution value holds a character JSON must escape (a quote, a backslash, a "
                              "control character): render_definition inserts values as they are") from None
    if rendered != document:
        raise DefinitionError("the template does not render back to the exported definition: it already held "
                              "the text of a placeholder")
    return text


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m components.stepfunctions.sfn_project_layout EXPORTED.json Name=value ... [-o TEMPLATE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m components.stepfunctions.sfn_project_layout",
        description="Workflow Studio round trip: turn an exported state machine definition back into a template "
                    "with ${Name} placeholders.")
    parser.add_argument("exported", help="the definition exported from Workflow Studio (JSON file, '-' for stdin)")
    parser.add_argument("substitutions", nargs="+", metavar="Name=value",
                        help="a value the stack substituted, e.g. ProcessingLambda=arn:aws:lambda:...")
    parser.add_argument("-o", "--output", help="write the template here (default: stdout)")
    args = parser.parse_args(argv)
    substitutions = {}
    for item in args.substitutions:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"substitution {item!r} must look like Name=value")
        substitutions[name] = value
    try:
        with (sys.stdin if args.exported == "-" else open(args.exported, encoding="utf-8")) as handle:
            exported = handle.read()
        template = template_from_definition(exported, substitutions)
    except (OSError, DefinitionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(template)
    else:
        sys.stdout.write(template)
    return 0


# -------------------------------------------------------------------------------------------------------------
# The component
# -------------------------------------------------------------------------------------------------------------
@dataclass
class SfnProjectLayoutArgs:
    """A template and the functions its placeholders name (the post's sample by default)."""

    definition_path: str = DEFINITION  # the post's statemachine/statemachine.asl.json
    state_machine_name: str = "MyStateMachine"
    # placeholder -> the function it names: {"name", "handler"} and optionally "memory_size", "timeout".
    functions: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: {
        "ProcessingLambda": {"name": "HelloFunction", "handler": "handlers.sfn_project_layout.hello.handler"},
    })
    memory_size: int = 128  # aws_lambda_function defaults (the post sets neither)
    timeout: int = 3


def _validate(args: SfnProjectLayoutArgs) -> None:
    if not isinstance(args.state_machine_name, str) or not _LOGICAL_NAME.match(args.state_machine_name):
        raise ValueError(f"SfnProjectLayoutArgs.state_machine_name: {args.state_machine_name!r} must start with a "
                         "letter and hold at most 30 letters, digits and '-'")
    if not isinstance(args.functions, Mapping) or not args.functions:
        raise ValueError(f"SfnProjectLayoutArgs.functions: {args.functions!r} must map each placeholder to a "
                         "function ({'name': ..., 'handler': ...})")
    names = []
    for placeholder, spec in args.functions.items():
        where = f"SfnProjectLayoutArgs.functions[{placeholder!r}]"
        if not isinstance(spec, Mapping) or not {"name", "handler"} <= set(spec) or set(spec) - _FUNCTION_KEYS:
            raise ValueError(f"{where}: {spec!r} must have 'name' and 'handler' (optional: 'memory_size', "
                             "'timeout') and nothing else")
        if not isinstance(spec["name"], str) or not _LOGICAL_NAME.match(spec["name"]):
            raise ValueError(f"{where}.name: {spec['name']!r} must start with a letter and hold at most 30 "
                             "letters, digits and '-'")
        names.append(spec["name"])
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"SfnProjectLayoutArgs.functions: function name(s) {', '.join(duplicates)} used twice")
    with_state_machine = [n for n in names if n == args.state_machine_name]
    if with_state_machine:
        raise ValueError(f"SfnProjectLayoutArgs.functions: {with_state_machine[0]!r} is also the state machine's name")
    try:
        with open(resolve_definition_path(args.definition_path), encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        raise ValueError(f"SfnProjectLayoutArgs.definition_path: {args.definition_path!r} cannot be read") from None
    # Placeholders become "0" for the parse (as the governed block checks it): only literal ARNs are looked for.
    try:
        left = hard_coded_arns(json.loads(PLACEHOLDER.sub("0", text)))
    except json.JSONDecodeError as exc:
        raise ValueError(f"SfnProjectLayoutArgs.definition_path: {args.definition_path} is not JSON: {exc}") from None
    if left:
        raise ValueError(f"{args.definition_path}: hard-coded ARN(s) "
                         + "; ".join(f"{where}: {arn}" for where, arn in left)
                         + " - use a ${Name} placeholder and a substitution (the post: never hard-code an ARN)")


class SfnProjectLayout(pulumi.ComponentResource):
    """The functions a template names and the governed state machine rendered from it.

    Outputs (and stack exports): ``stateMachineArn``, ``functionArns`` (placeholder -> ARN).
    """

    def __init__(self, name: str, args: SfnProjectLayoutArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SfnProjectLayout", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        self.functions = {
            placeholder: GovernedFunction(
                f"{name}-{spec['name']}",
                FunctionArgs(
                    handler=spec["handler"],
                    memory_size=spec.get("memory_size", args.memory_size),
                    timeout=spec.get("timeout", args.timeout),
                    description=f"{spec['name']}: task {placeholder} of {args.state_machine_name}",
                ),
                governance=governance, opts=child,
            )
            for placeholder, spec in args.functions.items()
        }
        self.state_machine = GovernedStateMachine(
            f"{name}-{args.state_machine_name}",
            StateMachineArgs(
                definition_path=args.definition_path,
                substitutions={placeholder: fn.arn for placeholder, fn in self.functions.items()},
                type="STANDARD",
                statements=[statement(["lambda:InvokeFunction"], [fn.arn for fn in self.functions.values()],
                                      sid="InvokeTemplateFunctions")],
            ),
            governance=governance, opts=child,
        )

        self.exports = {
            "stateMachineArn": self.state_machine.arn,
            "functionArns": pulumi.Output.all(**{p: fn.arn for p, fn in self.functions.items()}),
        }
        self.register_outputs(dict(self.exports))


if __name__ == "__main__":
    sys.exit(main())
