"""Lambda handlers of the ``apigw-sfn-stock-trader`` architecture (AWS Compute blog, "Introducing Amazon API
Gateway service integration for AWS Step Functions").

A Standard workflow calls a REST API through ``arn:aws:states:::apigateway:invoke``: ``GET /check`` returns a
random stock price, ``POST /buy`` or ``POST /sell`` turns it into a transaction, and the workflow writes that
transaction to DynamoDB. The three functions here sit behind those three methods (Lambda proxy integration).
"""
