"""Governed building blocks: every architecture is built from these, so what it deploys is compliant by
construction. Each block refuses to relax a guardrail unless the caller gives a written reason (``overrides``)."""
