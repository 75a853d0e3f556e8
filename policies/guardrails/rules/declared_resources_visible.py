"""Resources declared in a CloudFormation template or a Cloud Control desired state are visible to the rules.

The adapters read what a stack's ``templateBody`` or a Cloud Control resource's ``desiredState`` declares and every
rule judges those resources as its own. What they cannot read would escape every rule, so it is a violation, not
a silent pass: a template behind ``templateUrl`` (or a nested stack's ``TemplateURL``), a transform other than
SAM's (a macro may rewrite the template at deployment), a document that is not JSON or YAML. A document computed
from other resources is UNKNOWN at preview.
"""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    TemplateFacts,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import GOVERNANCE_POST


def evaluate(facts: TemplateFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(facts.problem):
        return unknown(facts.problem)
    if facts.problem:
        return non_compliant(facts.problem)
    return compliant(f"{facts.declared} declared resource(s) judged by the rules")


RULE = Rule(
    id="declared-resources-visible",
    title="Resources declared in a template or desired state are visible to the rules",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.CFN_STACK, Kind.CLOUDCONTROL_RESOURCE),
    evaluate=evaluate,
    rationale="A function, role or route declared in a template the rules cannot read escapes every guardrail: a "
              "team could hide anything behind a template URL or a macro.",
    remediation="Put the template in templateBody (no templateUrl, no nested TemplateURL, no transform other than "
                "AWS::Serverless-2016-10-31), or create the resources with the governed building blocks; the "
                "platform team can exempt a reviewed template.",
    references=(GOVERNANCE_POST,),
)
