"""Saga orchestration (post 000#20): the participants of the ``DistributedTransactionOrchestrator`` workflow.

Each step function returns the order it was given with ``Status`` set, and the state machine's Choice states
route on that status (``ORDER_PLACED``, ``INVENTORY_UPDATED``, ``PAYMENT_COMPLETED`` or ``ERROR``), exactly as in
the post. Compensations (``revert_payment``, ``revert_inventory``, ``remove_order``) are idempotent so that a
retried or repeated compensation never reverts twice.
"""
