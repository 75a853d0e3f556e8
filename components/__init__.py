"""Governed serverless architectures: the catalogue (one component per architecture) and its building blocks."""
