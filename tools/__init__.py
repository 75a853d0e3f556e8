"""Developer and CI tools: the offline engine, the offline preview (main job) and the audit command.

The rule catalogue (``guardrails``, from ``policies/guardrails``, so the pack runs standalone from ``policies/``)
and the company layer (``company_observability``, from ``handlers/company_layer/python``, as ``/opt/python`` in
Lambda) are installed with this package under the names the pack and Lambda import them by.
"""
