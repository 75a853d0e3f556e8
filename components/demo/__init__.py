"""Demonstration stacks that are not architectures (see ``noncompliant_demo``)."""
