"""Governed serverless architectures: the catalogue (one component per architecture) and its building blocks.

The governed blocks share constants with the rule catalogue (``guardrails``, plain Python, installed with this
package from ``policies/guardrails``) so that what a block builds and what the rule accepts cannot drift apart.
"""
