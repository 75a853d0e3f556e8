"""Handlers, DAGs and state machines of the mwaa-stop-start architecture (post 002#17)."""
