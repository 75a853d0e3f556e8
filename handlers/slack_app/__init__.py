"""Lambda handlers and state machines for the ``slack-app`` architecture.

Post: "Developing a serverless Slack app using AWS Step Functions and AWS Lambda" (seed 002 #15). Slack posts
each slash command and Block Kit interaction to a REST API, which starts the Express ``request_validator``
workflow and answers 204 at once. The workflow authenticates the request (``authenticate``: the Slack signature
with the signing secret from Secrets Manager), authorises the user (DynamoDB) and the channel (SSM), and puts the
command on the ``Command`` event bus; a rule per action starts that command's Express processor workflow
(``processor_lambda``, ``processor_state_machine``), which runs the command (``sample_command``, the sample state
machine) and answers in Slack (``respond``). Slack itself is behind ``slack_client.SlackClient``.
"""
