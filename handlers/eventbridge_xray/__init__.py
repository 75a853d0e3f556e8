"""Lambda handlers and state machine for the ``eventbridge-xray`` architecture.

Post: "Using AWS X-Ray tracing with Amazon EventBridge" (seed 004 #11). ``webhook`` answers ``GET /?target=...`` on
the webhook REST API and puts the query parameters on a custom bus as ``detail.apiEvent``; rules route the event
by ``detail.apiEvent.target`` to ``consumer`` (Lambda target), to the workflow ``workflow.asl.json`` whose only task
is ``logger`` (Step Functions target), or to the target REST API answered by ``api_target`` (API Gateway target).
Every handler traces through the company layer's Powertools ``Tracer``, which patches boto3, so the
``PutEvents`` call carries the X-Ray trace header that EventBridge propagates to the targets.
"""
