"""Handlers of the sfn-versions-aliases architecture (post 002#13): the demo state machine's task and the
deployer that shifts the ``prod`` alias from one published version to the next, rolling back on an alarm."""
