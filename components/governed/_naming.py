"""Names the governed blocks give their children: unchanged when they fit AWS's limits, else shortened.

A name that fits is never touched (a rename replaces the resource in a live stack). A name that would not fit is
cut to a readable prefix plus a stable hash of the whole name: the same input always gives the same name, and two
long names that share a prefix stay distinct. The limits come from ``components.governed.aws_limits``.

    >>> shorten("saga-orchestration-DistributedTransactionOrchestrator-role", 56)
    'saga-orchestration-DistributedTransactionOrches-04e9b6e4'
"""
from __future__ import annotations

import hashlib

from components.governed.aws_limits import NAME_RULES

HASH_LENGTH = 8  # hex characters of sha256(name): 32 bits tell long names apart


def shorten(name: str, max_length: int) -> str:
    """``name`` if it has at most ``max_length`` characters, else a prefix of it + ``-`` + a hash of all of it."""
    if max_length <= HASH_LENGTH + 1:
        raise ValueError(f"shorten: max_length {max_length} leaves no room for a prefix and a "
                         f"{HASH_LENGTH}-character hash")
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    prefix = name[:max_length - HASH_LENGTH - 1].rstrip("-_.")
    return f"{prefix}-{digest}"


def autonamed(resource_type: str, logical: str, *, fifo: bool = False) -> str:
    """The logical name for a child that pulumi-aws autonames (logical name + ``-`` + 7 random characters):
    ``logical`` when that autoname fits ``resource_type``'s limit, else ``logical`` shortened to fit."""
    limit = NAME_RULES[resource_type].logical_max(fifo=fifo)
    if limit is None:
        raise ValueError(f"autonamed: pulumi-aws does not autoname {resource_type}; give it an explicit name")
    return shorten(logical, limit)


def explicit(resource_type: str, name: str) -> str:
    """An explicit physical name for ``resource_type``: ``name`` when it fits, else shortened to fit."""
    return shorten(name, NAME_RULES[resource_type].max_length)
