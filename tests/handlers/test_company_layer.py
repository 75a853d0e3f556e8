"""The company layer: every log line of every invocation carries the service id and the Lambda context."""
import io
import json
import logging

import pytest

import company_observability
from company_observability import environment as env
from company_observability import instrumented, logger


class Context:
    function_name = "orders"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    aws_request_id = "req-1"


def test_log_lines_keep_service_id_across_invocations():
    stream = io.StringIO()
    handler_ = logging.StreamHandler(stream)
    handler_.setFormatter(logger.registered_formatter)
    logger.addHandler(handler_)
    try:
        @instrumented
        def handler(event, context):
            logger.info("order received", order_id=event["orderId"])
            return {"ok": event["orderId"]}

        assert handler({"orderId": "o-1"}, Context()) == {"ok": "o-1"}
        assert handler({"orderId": "o-2"}, Context()) == {"ok": "o-2"}
    finally:
        logger.removeHandler(handler_)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["message"], line["order_id"], line["service_id"], line["function_request_id"]) for line in lines] \
        == [("order received", "o-1", company_observability.SERVICE_ID, "req-1"),
            ("order received", "o-2", company_observability.SERVICE_ID, "req-1")]
    assert handler.__name__ == "handler"


def test_environment_reads_arns_and_integers_with_one_wording():
    environ = {"TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t", "COUNT": "7", "BAD": "x"}
    assert env.arn(environ, "TOPIC_ARN", "sns") == "arn:aws:sns:us-east-1:123456789012:t"
    assert env.integer(environ, "COUNT", 1, 10) == 7
    with pytest.raises(ValueError, match=r"^environment TOPIC_ARN='arn:aws:sns:us-east-1:123456789012:t' must be an "
                                         r"arn:\.\.\.:sqs:\.\.\. ARN$"):
        env.arn(environ, "TOPIC_ARN", "sqs")
    with pytest.raises(ValueError, match=r"^environment MISSING='' must be an arn:\.\.\.:sns:\.\.\. ARN$"):
        env.arn(environ, "MISSING", "sns")
    with pytest.raises(ValueError, match=r"^environment COUNT='7' must be an integer 8-10$"):
        env.integer(environ, "COUNT", 8, 10)
    with pytest.raises(ValueError, match=r"^environment BAD='x' must be an integer 1-10$"):
        env.integer(environ, "BAD", 1, 10)
    with pytest.raises(ValueError, match=r"^environment MISSING=None must be an integer 1-10$"):
        env.integer(environ, "MISSING", 1, 10)
