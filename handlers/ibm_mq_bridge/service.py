"""The bridge service: one ECS Fargate service per direction (the post: "a separate Apache Camel cluster is used
per integration"), each running ``python -m handlers.ibm_mq_bridge.service``.

Environment (set by the component; secrets are named by ARN and read at start, see ``tls``):

* ``BRIDGE_DIRECTION``: ``ibm-to-aws`` (IBM MQ queue -> SNS topic ``TOPIC_ARN``) or ``aws-to-ibm`` (SQS queue
  ``SOURCE_QUEUE_URL`` -> IBM MQ queue);
* ``IBMMQ_REST_URL`` (``https://<host>:9443``), ``IBMMQ_QUEUE_MANAGER`` (``QM1``), ``IBMMQ_QUEUE``
  (``DEV.QUEUE.1`` / ``DEV.QUEUE.2``);
* ``PAYLOAD_BUCKET`` (large payloads), ``DEAD_LETTER_BUCKET``, ``MAX_RETRIES`` (2);
* ``IBMMQ_TRUSTSTORE_ARN``, ``IBMMQ_KEYSTORE_ARN`` (Secrets Manager ARNs).

A wrong setting stops the service at start with one line naming the variable, its value and what is allowed.
ECS stops a task with SIGTERM: the service finishes the message in hand and exits.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping
from typing import Any, Optional

import boto3

from company_observability import environment as env
from company_observability import logger
from handlers.ibm_mq_bridge.aws_side import S3DeadLetters, SnsSink, SqsSource
from handlers.ibm_mq_bridge.bridge import Bridge
from handlers.ibm_mq_bridge.ibm_mq import IbmMqClient, IbmMqSink, IbmMqSource, RestMqClient
from handlers.ibm_mq_bridge.offloading import PayloadStore
from handlers.ibm_mq_bridge.tls import mutual_tls

DIRECTIONS = ("ibm-to-aws", "aws-to-ibm")


def required(environ: Mapping[str, str], name: str, allowed: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ValueError(f"environment {name}={value!r} must be {allowed}")
    return value


def build_bridge(environ: Mapping[str, str], clients: Mapping[str, Any],
                 mq_client: Optional[IbmMqClient] = None) -> Bridge:
    """The bridge ``environ`` describes. ``clients`` holds boto3 clients by service name (``sns``, ``sqs``, ``s3``,
    ``secretsmanager``); without ``mq_client`` the REST client is built with the mutual TLS from the secrets."""
    direction = environ.get("BRIDGE_DIRECTION", "")
    if direction not in DIRECTIONS:
        raise ValueError(f"environment BRIDGE_DIRECTION={direction!r} must be one of {', '.join(DIRECTIONS)}")
    queue_manager = required(environ, "IBMMQ_QUEUE_MANAGER", "the queue manager's name, e.g. QM1")
    queue = required(environ, "IBMMQ_QUEUE", "the IBM MQ queue's name, e.g. DEV.QUEUE.1")
    payloads = PayloadStore(clients["s3"], required(environ, "PAYLOAD_BUCKET", "the large-payload bucket's name"))
    dead_letters = S3DeadLetters(clients["s3"], required(environ, "DEAD_LETTER_BUCKET", "the DLQ bucket's name"),
                                 prefix=f"{direction}/")
    max_retries = env.integer(environ, "MAX_RETRIES", 0, 10)
    if mq_client is None:
        url = required(environ, "IBMMQ_REST_URL", "the queue manager's messaging REST API, https://<host>:9443")
        mq_client = RestMqClient(url, queue_manager, mutual_tls(clients["secretsmanager"], environ))
    if direction == "ibm-to-aws":
        return Bridge(IbmMqSource(mq_client, queue_manager, queue),
                      SnsSink(clients["sns"], env.arn(environ, "TOPIC_ARN", "sns"), payloads),
                      dead_letters, max_retries=max_retries)
    source_url = required(environ, "SOURCE_QUEUE_URL", "the inbound SQS queue's URL")
    return Bridge(SqsSource(clients["sqs"], source_url, payloads), IbmMqSink(mq_client, queue_manager, queue),
                  dead_letters, max_retries=max_retries)


def main() -> int:
    try:
        bridge = build_bridge(os.environ, {service: boto3.client(service)
                                           for service in ("sns", "sqs", "s3", "secretsmanager")})
    except ValueError as error:
        print(f"ibm-mq-bridge: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # ECS stops a task with SIGTERM, then SIGKILL after 30 s
    logger.info("bridge started", extra={"source": bridge.source.name, "sink": bridge.sink.name})
    outcome = bridge.run(stop)
    logger.info("bridge stopped", extra={"delivered": len(outcome.delivered),
                                         "dead_lettered": len(outcome.dead_lettered), "polls": outcome.polls})
    return 0


if __name__ == "__main__":
    sys.exit(main())
