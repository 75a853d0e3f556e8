"""ibm-mq-bridge (seed 003 #9): both bridge services, the sample producer and consumer Lambdas, against moto and a
local IBM MQ.

What is real here: the bridge (``Bridge``, its sources, sinks and dead-letter store), the IBM MQ REST client over
mutual TLS (certificates made here, the key store's private key encrypted, everything read from moto's Secrets
Manager as the service does at start), SNS delivering to a raw-delivery SQS subscription and to an envelope
queue (what the consumer Lambda's event is built from), SQS, S3 (large payloads and dead letters), the
extended-client pointer format.

What is emulated: IBM MQ. ``FakeQueueManager`` serves the subset of IBM MQ's messaging REST API (v2) the bridge
uses - put (POST, 201 + ``ibm-mq-md-messageId``), destructive get (DELETE, ``wait``, 200/204), the
``ibm-mq-rest-csrf-token`` check, IBM MQ's error document - over HTTPS on 127.0.0.1 (port 0), requiring a client
certificate from the test CA. Lambda's SNS invocation is emulated by calling the consumer with the envelope SNS
delivered to a queue (moto runs no Lambda code); ECS runs no task here: the services are built by
``service.build_bridge`` from the environment the component gives them and run for a bounded number of polls.
"""
from __future__ import annotations

import collections
import datetime
import ipaddress
import json
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from unittest.mock import patch

import boto3
import pytest
from botocore.client import BaseClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws

from handlers.ibm_mq_bridge import consumer, producer, service
from handlers.ibm_mq_bridge.aws_side import S3DeadLetters, SnsSink, SqsSource
from handlers.ibm_mq_bridge.bridge import Bridge
from handlers.ibm_mq_bridge.ibm_mq import IbmMqError, IbmMqSink, IbmMqSource, RestMqClient
from handlers.ibm_mq_bridge.messages import DeadLetters, Message, MessageSink
from handlers.ibm_mq_bridge.offloading import POINTER_CLASS, PayloadError, PayloadStore, Pointer
from handlers.ibm_mq_bridge.tls import mutual_tls
from tests.support import deploy
from tests.support.aws_calls import Call, checked_aws_calls, recorded_calls, resource_arn  # noqa: F401 (fixture)
from tests.support.loopback import serving
from tests.support.sfn import REGION, FakeLambdaContext
from tools.offline_engine import by_type

# Every AWS call the Lambda handlers make here is checked against the role the example stack deploys them with;
# the bridge services' calls against their task roles (``run_service``).
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "ibm-mq-bridge-dev"

ACCOUNT = "123456789012"
QUEUE_MANAGER = "QM1"
INBOUND_MQ_QUEUE = "DEV.QUEUE.1"  # the post's IBM MQ -> AWS test queue
OUTBOUND_MQ_QUEUE = "DEV.QUEUE.2"  # the post's AWS -> IBM MQ test queue
LARGE = 300_000  # bytes: above the 262,144-byte threshold
NO_WAIT = 0


# ---------------------------------------------------------------------------------------------- certificates
def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: Any, issuer_key: Any, issuer: str, ca: bool,
                 server: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: Any, password: Optional[str]) -> str:
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    server_certificate: str
    server_key: str
    client_keystore: str  # the bridge's certificate and key, as stored in Secrets Manager
    stranger_keystore: str  # a certificate from another CA
    encrypted_keystore: str  # the bridge's certificate with its key encrypted (refused)


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key, other_ca_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server_key, client_key, stranger_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("IBM MQ test CA", ca_key, ca_key, "IBM MQ test CA", ca=True)
    server = _certificate("127.0.0.1", server_key, ca_key, "IBM MQ test CA", ca=False, server=True)
    client = _certificate("ibm-mq-bridge", client_key, ca_key, "IBM MQ test CA", ca=False)
    stranger = _certificate("stranger", stranger_key, other_ca_key, "other CA", ca=False)
    return Pki(_pem(ca), _pem(server), _key_pem(server_key, None), _pem(client) + _key_pem(client_key, None),
               _pem(stranger) + _key_pem(stranger_key, None), _pem(client) + _key_pem(client_key, "a password"))


# -------------------------------------------------------------------------------------------- fake IBM MQ
@dataclass
class FakeQueueManager:
    """The queues of one queue manager and what the test wants it to do wrong."""

    name: str
    queues: dict[str, collections.deque] = field(default_factory=dict)
    fail_puts: int = 0  # the next N puts answer 503 (queue manager unavailable)
    clients: list[str] = field(default_factory=list)  # the client certificate CN of every request
    sequence: int = 0
    lock: threading.Condition = field(default_factory=threading.Condition)

    def put(self, queue: str, body: str, correlation_id: str = "0" * 48) -> str:
        with self.lock:
            self.sequence += 1
            message_id = f"414d5120514d31{self.sequence:034x}"  # "AMQ QM1" + a counter, 24 bytes in hex
            self.queues[queue].append({"id": message_id, "body": body, "correlation": correlation_id})
            self.lock.notify_all()
            return message_id

    def bodies(self, queue: str) -> list[str]:
        with self.lock:
            return [message["body"] for message in self.queues[queue]]


MAX_FAKE_WAIT_S = 2.0  # the fake never holds a request longer than this, whatever ``wait`` asks


class MqRestHandler(BaseHTTPRequestHandler):
    """``/ibmmq/rest/v2/messaging/qmgr/{qmgr}/queue/{queue}/message``: POST puts, DELETE gets."""

    manager: FakeQueueManager  # set per server class

    def _error(self, status: int, msg_id: str, explanation: str, reason: int = 0) -> None:
        body = json.dumps({"error": [{"type": "rest", "msgId": msg_id, "message": f"{msg_id}: {explanation}",
                                      "explanation": explanation, "reasonCode": reason}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _target(self) -> Optional[tuple[str, dict[str, list[str]]]]:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if len(parts) != 10 or parts[1:6] != ["ibmmq", "rest", "v2", "messaging", "qmgr"] or parts[7] != "queue" \
                or parts[9] != "message":
            self._error(404, "MQWB0005E", f"the resource {url.path} does not exist")
            return None
        qmgr, queue = urllib.parse.unquote(parts[6]), urllib.parse.unquote(parts[8])
        if qmgr != self.manager.name:
            self._error(404, "MQWB0009E", f"queue manager {qmgr} does not exist", 2058)
            return None
        if queue not in self.manager.queues:
            self._error(404, "MQWB0009E", f"MQRC_UNKNOWN_OBJECT_NAME: queue {queue}", 2085)
            return None
        if "ibm-mq-rest-csrf-token" not in self.headers:
            self._error(403, "MQWB0115E", "the ibm-mq-rest-csrf-token header is missing")
            return None
        self.manager.clients.append(dict(x[0] for x in self.connection.getpeercert()["subject"])["commonName"])
        return queue, urllib.parse.parse_qs(url.query)

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        target = self._target()
        if target is None:
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        with self.manager.lock:
            if self.manager.fail_puts:
                self.manager.fail_puts -= 1
                self._error(503, "MQWB0009E", "MQRC_Q_MGR_NOT_AVAILABLE", 2059)
                return
        message_id = self.manager.put(target[0], body, self.headers.get("ibm-mq-md-correlationId", "0" * 48))
        self.send_response(201)
        self.send_header("ibm-mq-md-messageId", message_id)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self) -> None:  # noqa: N802
        target = self._target()
        if target is None:
            return
        queue, query = target
        wait = min(int(query.get("wait", ["0"])[0]) / 1000, MAX_FAKE_WAIT_S)
        with self.manager.lock:
            self.manager.lock.wait_for(lambda: bool(self.manager.queues[queue]), timeout=wait)
            message = self.manager.queues[queue].popleft() if self.manager.queues[queue] else None
        if message is None:
            self.send_response(204)
            self.end_headers()
            return
        body = message["body"].encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain;charset=utf-8")
        self.send_header("ibm-mq-md-messageId", message["id"])
        self.send_header("ibm-mq-md-correlationId", message["correlation"])
        self.send_header("ibm-mq-md-persistence", "persistent")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def queue_manager(pki: Pki, tmp_path_factory: Any) -> Iterator[tuple[FakeQueueManager, str]]:
    """IBM MQ's messaging REST API on https://127.0.0.1:<free port>, client certificates required."""
    manager = FakeQueueManager(QUEUE_MANAGER, {INBOUND_MQ_QUEUE: collections.deque(),
                                               OUTBOUND_MQ_QUEUE: collections.deque()})
    directory = tmp_path_factory.mktemp("mqweb")
    (directory / "server.pem").write_text(pki.server_certificate + pki.server_key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server.pem")
    context.load_verify_locations(cadata=pki.ca_pem)
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS, as the post's queue manager channel
    handler = type("Handler", (MqRestHandler,), {"manager": manager})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as url:
        yield manager, url.replace("http://", "https://")


@pytest.fixture(scope="module")
def mq(pki, tmp_path_factory) -> Iterator[tuple[FakeQueueManager, str]]:
    with queue_manager(pki, tmp_path_factory) as running:
        yield running


@pytest.fixture
def broker(mq) -> FakeQueueManager:
    """The module's queue manager, emptied for each test."""
    manager, _ = mq
    with manager.lock:
        for queue in manager.queues.values():
            queue.clear()
        manager.fail_puts = 0
        manager.clients.clear()
    return manager


# ------------------------------------------------------------------------------------------------------- AWS
@dataclass(frozen=True)
class Deployed:
    """The stack's AWS resources in moto, and the environment the component gives each service."""

    topic: str
    inbound_queue: str  # the producer -> bridge queue (AWS -> IBM MQ)
    subscribed_queue: str  # the post's "snsIntegrationStack-dev-2" queue (raw delivery)
    envelope_queue: str  # SNS's envelope, as Lambda would receive it
    payload_bucket: str
    dead_letter_bucket: str
    secrets: dict[str, str]

    def environment(self, direction: str, url: str) -> dict[str, str]:
        common = {"BRIDGE_DIRECTION": direction, "IBMMQ_REST_URL": url, "IBMMQ_QUEUE_MANAGER": QUEUE_MANAGER,
                  "PAYLOAD_BUCKET": self.payload_bucket, "DEAD_LETTER_BUCKET": self.dead_letter_bucket,
                  "MAX_RETRIES": "2", **self.secrets}
        if direction == "ibm-to-aws":
            return {**common, "IBMMQ_QUEUE": INBOUND_MQ_QUEUE, "TOPIC_ARN": self.topic}
        return {**common, "IBMMQ_QUEUE": OUTBOUND_MQ_QUEUE, "SOURCE_QUEUE_URL": self.inbound_queue}


def client(service_name: str) -> Any:
    return boto3.client(service_name, region_name=REGION)


def clients() -> dict[str, Any]:
    return {name: client(name) for name in ("sns", "sqs", "s3", "secretsmanager")}


def queue_arn(url: str) -> str:
    return client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture(scope="module")
def aws(pki, monkeypatch_module) -> Iterator[Deployed]:
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        sns, sqs, s3, secrets = client("sns"), client("sqs"), client("s3"), client("secretsmanager")
        topic = sns.create_topic(Name="ibm-mq-bridge-TargetTopic")["TopicArn"]
        inbound = sqs.create_queue(QueueName="ibm-mq-bridge-InboundQueue")["QueueUrl"]
        subscribed = sqs.create_queue(QueueName="ibm-mq-bridge-ConsumerQueue")["QueueUrl"]
        envelope = sqs.create_queue(QueueName="ibm-mq-bridge-LambdaEnvelope")["QueueUrl"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(subscribed),
                      Attributes={"RawMessageDelivery": "true"})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(envelope))
        for bucket in ("ibm-mq-bridge-payloads", "ibm-mq-bridge-dead-letters"):
            s3.create_bucket(Bucket=bucket)
        stored = {"IBMMQ_TRUSTSTORE_ARN": ("truststore", pki.ca_pem),
                  "IBMMQ_KEYSTORE_ARN": ("keystore", pki.client_keystore)}
        arns = {variable: secrets.create_secret(Name=f"ibm-mq-bridge/{name}", SecretString=value)["ARN"]
                for variable, (name, value) in stored.items()}
        yield Deployed(topic, inbound, subscribed, envelope, "ibm-mq-bridge-payloads", "ibm-mq-bridge-dead-letters",
                       arns)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def drain(url: str) -> list[dict[str, Any]]:
    """Every message waiting on a queue (deleted as read)."""
    sqs, found = client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       VisibilityTimeout=0).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += messages


def objects(bucket: str) -> dict[str, bytes]:
    s3 = client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


@pytest.fixture
def clean(aws) -> Deployed:
    """Empty queues and buckets before each test."""
    for url in (aws.inbound_queue, aws.subscribed_queue, aws.envelope_queue):
        drain(url)
    s3 = client("s3")
    for bucket in (aws.payload_bucket, aws.dead_letter_bucket):
        for listed in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=listed["Key"])
    return aws


def lambda_sns_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """What Lambda receives for one SNS notification: the envelope SNS delivered, inside a record."""
    return {"Records": [{"EventVersion": "1.0", "EventSource": "aws:sns",
                         "EventSubscriptionArn": f"{envelope['TopicArn']}:0b3c2f36-1111-4d4f-9d6c-3f0e6d0f6a11",
                         "Sns": envelope}]}


def run_service(environment: dict[str, str], polls: int = 1) -> Any:
    """Start the service as its task would (secrets read, clients built), run ``polls`` polls, and check every AWS
    call it made against the task role the example stack gives that direction's service."""
    calls: list[Call] = []
    original = BaseClient._make_api_call

    def recording(aws_client, operation, params):  # noqa: ANN001, ANN202 (botocore's signature)
        calls.extend(recorded_calls(aws_client, operation, params, "bridge"))
        return original(aws_client, operation, params)

    with patch.object(BaseClient, "_make_api_call", recording):
        bridge = service.build_bridge(environment, clients())
        bridge.retry_delay = 0.0  # the default 1 s between attempts is asserted in test_the_post_s_retry_policy
        if isinstance(bridge.source, IbmMqSource):
            bridge.source.wait_ms = 200
        else:
            bridge.source.wait_seconds = 0
        outcome = bridge.run(threading.Event(), max_polls=polls)
    assert task_role_refusals(environment, calls) == []
    return outcome


def task_role_refusals(environment: dict[str, str], calls: list[Call]) -> list[str]:
    """The recorded calls the deployed task role of the service would refuse. A call's resource named by one of
    the service's variables in the test is mapped to the stack's value of that variable (its container
    environment in the task definition), so each call is decided on the ARN the deployed service would use."""
    facts = deploy.stack_facts(DEPLOYED_STACK)
    direction = environment["BRIDGE_DIRECTION"]
    [definition] = [d for d in by_type(facts.resources, "aws:ecs/taskDefinition:TaskDefinition")
                    if json.loads(d.inputs["containerDefinitions"])[0]["environment"][0] ==
                    {"name": "BRIDGE_DIRECTION", "value": direction}]
    deployed = {v["name"]: v["value"] for v in json.loads(definition.inputs["containerDefinitions"])[0]["environment"]}
    role = facts.roles[definition.inputs["taskRoleArn"]]
    arns, requirements = facts.arns(), []
    for call in dict.fromkeys(calls):
        value = str(call.value)
        sources = [name for name, test_value in environment.items() if test_value and test_value in value]
        assert sources, f"{call.action} on {value!r}: no service variable names it"
        variable = max(sources, key=lambda name: len(environment[name]))
        value = value.replace(environment[variable], deployed[variable])
        arn = arns.get(value) or resource_arn(call.param, value, facts.account, facts.region)
        if call.param == "Bucket" and call.key:
            arn = f"{arn}/{call.key}"
        requirements.append(deploy.Requirement(call.action, arn, f"the {direction} service calls {call.action} "
                                                                 f"({call.param} from ${variable})"))
    assert {r.action for r in requirements}, "the service made no AWS call"
    return deploy.missing(role, requirements)


# --------------------------------------------------------------------------------------- IBM MQ -> AWS
def test_ibm_mq_to_sns_reaches_the_subscribed_queue_and_the_consumer_lambda(clean, broker, mq, monkeypatch):
    _, url = mq
    message_id = broker.put(INBOUND_MQ_QUEUE, "Hello AWS")  # the post's test message
    outcome = run_service(clean.environment("ibm-to-aws", url))
    assert (outcome.delivered, outcome.dead_lettered, outcome.released) == ([message_id], [], [])
    assert broker.bodies(INBOUND_MQ_QUEUE) == []
    assert set(broker.clients) == {"ibm-mq-bridge"}  # every request authenticated with the bridge's certificate

    [raw] = drain(clean.subscribed_queue)
    assert raw["Body"] == "Hello AWS"
    assert raw["MessageAttributes"] == {"ibmmq.messageId": {"DataType": "String", "StringValue": message_id}}

    [wrapped] = drain(clean.envelope_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    result = consumer.handler(lambda_sns_event(json.loads(wrapped["Body"])), FakeLambdaContext())
    assert result == {"messages": [{"messageId": json.loads(wrapped["Body"])["MessageId"],
                                    "ibmMessageId": message_id, "bytes": 9, "offloaded": False}]}


def test_a_large_ibm_mq_message_goes_to_s3_and_the_topic_carries_the_extended_client_pointer(
        clean, broker, mq, monkeypatch):
    _, url = mq
    body = "x" * LARGE
    message_id = broker.put(INBOUND_MQ_QUEUE, body)
    outcome = run_service(clean.environment("ibm-to-aws", url))
    assert outcome.delivered == [message_id]

    [(key, stored)] = objects(clean.payload_bucket).items()
    assert stored == body.encode()
    [raw] = drain(clean.subscribed_queue)
    assert raw["Body"] == (f'["software.amazon.payloadoffloading.PayloadS3Pointer",'
                           f'{{"s3BucketName":"{clean.payload_bucket}","s3Key":"{key}"}}]')
    assert raw["MessageAttributes"] == {
        "ibmmq.messageId": {"DataType": "String", "StringValue": message_id},
        "ExtendedPayloadSize": {"DataType": "Number", "StringValue": str(LARGE)}}

    # The consumer Lambda follows the pointer.
    [wrapped] = drain(clean.envelope_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    result = consumer.handler(lambda_sns_event(json.loads(wrapped["Body"])), FakeLambdaContext())
    assert result["messages"][0] | {"messageId": "-"} == {"messageId": "-", "ibmMessageId": message_id,
                                                          "bytes": LARGE, "offloaded": True}


def test_the_threshold_is_262144_bytes_of_body_and_attributes(clean):
    store = PayloadStore(client("s3"), clean.payload_bucket, new_key=lambda: "k")
    attributes = {"ibmmq.messageId": "a" * 48}  # 15 + 6 ("String") + 48 = 69 bytes
    fits = "y" * (262_144 - 69)
    assert store.offload(fits, attributes) == (fits, attributes, None)
    body, sent, pointer = store.offload(fits + "y", attributes)
    assert (body, sent, pointer) == (Pointer(clean.payload_bucket, "k").body(),
                                     {**attributes, "ExtendedPayloadSize": str(262_144 - 68)},
                                     Pointer(clean.payload_bucket, "k"))
    assert json.loads(body) == [POINTER_CLASS, {"s3BucketName": clean.payload_bucket, "s3Key": "k"}]


def test_a_pointer_to_another_bucket_or_of_the_wrong_size_is_refused(clean):
    s3 = client("s3")
    store = PayloadStore(s3, clean.payload_bucket)
    foreign = Pointer("someone-elses-bucket", "secret.txt").body()
    with pytest.raises(PayloadError, match="names bucket 'someone-elses-bucket'; only the large-payload bucket "
                                           "'ibm-mq-bridge-payloads' is read"):
        store.resolve(foreign, {"ExtendedPayloadSize": "10"})
    s3.put_object(Bucket=clean.payload_bucket, Key="short", Body=b"12345")
    with pytest.raises(PayloadError, match="has 5 bytes, the message announced 6"):
        store.resolve(Pointer(clean.payload_bucket, "short").body(), {"SQSLargePayloadSize": "6"})
    with pytest.raises(PayloadError, match="body must be"):
        store.resolve('["com.example.Other", {}]', {"ExtendedPayloadSize": {"DataType": "Number",
                                                                           "StringValue": "6"}})
    with pytest.raises(PayloadError, match="'ExtendedPayloadSize' is reserved"):
        store.offload("small", {"ExtendedPayloadSize": "1"})
    assert store.resolve("plain", {"other": {"DataType": "String", "StringValue": "v"}}) == ("plain", None)


# --------------------------------------------------------------------------------------- AWS -> IBM MQ
def test_the_producer_lambda_reaches_ibm_mq_through_the_inbound_queue(clean, broker, mq, monkeypatch):
    _, url = mq
    monkeypatch.setenv("QUEUE_URL", clean.inbound_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    correlation = "c0ffee" * 8
    sent = producer.handler({"message": "Hello from AWS", "attributes": {"ibmmq.correlationId": correlation}},
                            FakeLambdaContext())
    assert (sent["bytes"], sent["offloaded"]) == (14, False)
    outcome = run_service(clean.environment("aws-to-ibm", url))
    assert (outcome.delivered, outcome.dead_lettered) == ([sent["messageId"]], [])
    with broker.lock:
        [put] = list(broker.queues[OUTBOUND_MQ_QUEUE])
    assert (put["body"], put["correlation"]) == ("Hello from AWS", correlation)
    assert drain(clean.inbound_queue) == []  # deleted once delivered


def test_a_large_produced_message_travels_by_pointer_and_its_payload_is_removed_once_delivered(
        clean, broker, mq, monkeypatch):
    _, url = mq
    monkeypatch.setenv("QUEUE_URL", clean.inbound_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    body = "é" * (LARGE // 2)  # 300,000 bytes in UTF-8: the limit counts bytes, not characters
    sent = producer.handler({"message": body}, FakeLambdaContext())
    assert (sent["bytes"], sent["offloaded"]) == (LARGE, True)
    assert list(objects(clean.payload_bucket).values()) == [body.encode()]

    outcome = run_service(clean.environment("aws-to-ibm", url))
    assert outcome.delivered == [sent["messageId"]]
    assert broker.bodies(OUTBOUND_MQ_QUEUE) == [body]
    assert objects(clean.payload_bucket) == {}  # as the Java SQS Extended Client deletes it with the message


@pytest.mark.parametrize("event, message", [
    ({}, "the event must be {'message': '<non-empty text>'"),
    ({"message": ""}, "the event must be"),
    ({"message": "hi", "attributes": {"a": 1}}, "event attributes must map names to non-empty strings"),
])
def test_the_producer_refuses_a_malformed_event(aws, monkeypatch, event, message):
    monkeypatch.setenv("QUEUE_URL", aws.inbound_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", aws.payload_bucket)
    with pytest.raises(ValueError, match=message):
        producer.handler(event, FakeLambdaContext())


# ------------------------------------------------------------------------------ retries and dead letters
class FlakySink(MessageSink):
    """Fails the first ``failures`` sends, then delivers to ``delivered``."""

    name = "flaky://sink"

    def __init__(self, failures: int) -> None:
        self.failures, self.attempts, self.delivered = failures, 0, []

    def send(self, message: Message) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError(f"attempt {self.attempts} failed")
        self.delivered.append(message.body)


def test_the_post_s_retry_policy_two_retries_then_the_dead_letter_bucket(clean, broker, mq):
    _, url = mq
    mq_client = RestMqClient(url, QUEUE_MANAGER, mutual_tls(client("secretsmanager"), clean.secrets))
    dead_letters = S3DeadLetters(client("s3"), clean.dead_letter_bucket, "ibm-to-aws/", clock=lambda: 1_700_000_000)
    delays: list[float] = []

    # Two failures: the second retry delivers.
    broker.put(INBOUND_MQ_QUEUE, "second retry delivers")
    sink = FlakySink(failures=2)
    bridge = Bridge(IbmMqSource(mq_client, QUEUE_MANAGER, INBOUND_MQ_QUEUE, wait_ms=NO_WAIT), sink, dead_letters,
                    sleep=delays.append)
    assert len(bridge.poll().delivered) == 1
    assert (sink.attempts, sink.delivered, delays) == (3, ["second retry delivers"], [1.0, 1.0])

    # Three failures: dead-lettered with the error, acknowledged (gone from IBM MQ).
    message_id = broker.put(INBOUND_MQ_QUEUE, "never delivered")
    sink = FlakySink(failures=3)
    bridge = Bridge(IbmMqSource(mq_client, QUEUE_MANAGER, INBOUND_MQ_QUEUE, wait_ms=NO_WAIT), sink, dead_letters,
                    sleep=lambda _: None)
    outcome = bridge.poll()
    key = f"ibm-to-aws/2023/11/14/1700000000000-{message_id}.json"
    assert (sink.attempts, outcome.delivered, outcome.dead_lettered) == (
        3, [], [f"s3://{clean.dead_letter_bucket}/{key}"])
    assert json.loads(objects(clean.dead_letter_bucket)[key]) == {
        "source": f"ibmmq://{QUEUE_MANAGER}/{INBOUND_MQ_QUEUE}", "messageId": message_id, "body": "never delivered",
        "attributes": {"ibmmq.messageId": message_id}, "error": "ConnectionError('attempt 3 failed')",
        "attempts": 3, "failedAt": "2023-11-14T22:13:20Z"}
    assert broker.bodies(INBOUND_MQ_QUEUE) == []


def test_ibm_mq_refusing_puts_is_retried_then_the_sqs_message_is_dead_lettered(clean, broker, mq, monkeypatch):
    _, url = mq
    monkeypatch.setenv("QUEUE_URL", clean.inbound_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    sent = producer.handler({"message": "queue manager down"}, FakeLambdaContext())
    broker.fail_puts = 3  # MQRC_Q_MGR_NOT_AVAILABLE three times: the first attempt and both retries
    outcome = run_service(clean.environment("aws-to-ibm", url))
    assert (outcome.delivered, len(outcome.dead_lettered)) == ([], 1)
    [record] = [json.loads(body) for body in objects(clean.dead_letter_bucket).values()]
    assert (record["messageId"], record["body"], record["attempts"]) == (sent["messageId"], "queue manager down", 3)
    assert record["error"].startswith("IbmMqError('IBM MQ answered 503: MQWB0009E: MQRC_Q_MGR_NOT_AVAILABLE')")
    assert broker.bodies(OUTBOUND_MQ_QUEUE) == []
    assert drain(clean.inbound_queue) == []  # acknowledged: the DLQ bucket holds it

    # Two refusals only: the second retry delivers.
    producer.handler({"message": "queue manager back"}, FakeLambdaContext())
    broker.fail_puts = 2
    assert len(run_service(clean.environment("aws-to-ibm", url)).delivered) == 1
    assert broker.bodies(OUTBOUND_MQ_QUEUE) == ["queue manager back"]


class BrokenDeadLetters(DeadLetters):
    def store(self, message: Message, source: str, error: BaseException, attempts: int) -> str:
        raise PermissionError("s3:PutObject denied")


def test_a_message_neither_delivered_nor_dead_lettered_stays_with_its_source(clean, broker, mq, monkeypatch):
    _, url = mq
    mq_client = RestMqClient(url, QUEUE_MANAGER, mutual_tls(client("secretsmanager"), clean.secrets))
    broker.put(INBOUND_MQ_QUEUE, "keep me", correlation_id="ab" * 24)
    bridge = Bridge(IbmMqSource(mq_client, QUEUE_MANAGER, INBOUND_MQ_QUEUE, wait_ms=NO_WAIT), FlakySink(9),
                    BrokenDeadLetters(), sleep=lambda _: None)
    outcome = bridge.poll()
    assert (outcome.delivered, outcome.dead_lettered, len(outcome.released)) == ([], [], 1)
    with broker.lock:
        [kept] = list(broker.queues[INBOUND_MQ_QUEUE])
    assert (kept["body"], kept["correlation"]) == ("keep me", "ab" * 24)  # put back, correlation id kept

    monkeypatch.setenv("QUEUE_URL", clean.inbound_queue)
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    producer.handler({"message": "keep me too"}, FakeLambdaContext())
    source = SqsSource(client("sqs"), clean.inbound_queue, PayloadStore(client("s3"), clean.payload_bucket),
                       wait_seconds=0)
    outcome = Bridge(source, FlakySink(9), BrokenDeadLetters(), sleep=lambda _: None).poll()
    assert len(outcome.released) == 1
    assert [m["Body"] for m in drain(clean.inbound_queue)] == ["keep me too"]  # visible again at once


def test_an_unreadable_inbound_message_is_left_for_the_queue_s_redrive(clean, mq):
    """A pointer to a bucket other than the payload bucket is not followed: the message stays on the inbound
    queue (not acknowledged, not delivered) until SQS moves it to the queue's DLQ."""
    client("sqs").send_message(QueueUrl=clean.inbound_queue, MessageBody=Pointer("elsewhere", "k").body(),
                               MessageAttributes={"ExtendedPayloadSize": {"DataType": "Number", "StringValue": "5"}})
    source = SqsSource(client("sqs"), clean.inbound_queue, PayloadStore(client("s3"), clean.payload_bucket),
                       wait_seconds=0)
    sink = FlakySink(0)
    outcome = Bridge(source, sink, BrokenDeadLetters(), sleep=lambda _: None).poll()
    assert (outcome.delivered, outcome.dead_lettered, outcome.released, sink.attempts) == ([], [], [], 0)
    sqs = client("sqs")
    counts = sqs.get_queue_attributes(QueueUrl=clean.inbound_queue, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}  # received
    sqs.purge_queue(QueueUrl=clean.inbound_queue)  # the in-flight message would reach a later test


def test_the_consumer_lambda_fails_on_a_payload_it_cannot_read_so_lambda_retries_it(clean, monkeypatch):
    monkeypatch.setenv("PAYLOAD_BUCKET", clean.payload_bucket)
    envelope = {"Type": "Notification", "MessageId": "m-1", "TopicArn": clean.topic,
                "Message": Pointer(clean.payload_bucket, "missing-key").body(), "Timestamp": "2023-11-14T22:13:20Z",
                "SignatureVersion": "1", "Signature": "", "SigningCertUrl": "", "UnsubscribeUrl": "",
                "MessageAttributes": {"ExtendedPayloadSize": {"Type": "Number", "Value": "5"}}}
    with pytest.raises(Exception, match="NoSuchKey"):
        consumer.handler(lambda_sns_event(envelope), FakeLambdaContext())


def test_the_service_loop_survives_an_unreachable_queue_manager_and_stops_when_asked(aws, pki, tmp_path_factory):
    with queue_manager(pki, tmp_path_factory) as (_, url):
        pass  # started and stopped: nothing listens on its port any more
    bridge = service.build_bridge(aws.environment("ibm-to-aws", url), clients())
    bridge.retry_delay = 0.01
    outcome = bridge.run(threading.Event(), max_polls=3)
    assert (outcome.polls, outcome.delivered) == (3, [])
    stopped = threading.Event()
    stopped.set()
    assert bridge.run(stopped).polls == 0


# ------------------------------------------------------------------------------------------- mutual TLS
def test_the_queue_manager_refuses_a_client_without_the_bridge_certificate(aws, mq, pki):
    _, url = mq
    anonymous = ssl.create_default_context(cadata=pki.ca_pem)
    with pytest.raises(Exception, match="certificate|alert|reset|EOF") as raised:
        RestMqClient(url, QUEUE_MANAGER, anonymous).get(INBOUND_MQ_QUEUE, 0)
    assert not isinstance(raised.value, IbmMqError)  # refused in the TLS handshake, before any HTTP

    secrets = client("secretsmanager")
    stranger = dict(aws.secrets)
    stranger["IBMMQ_KEYSTORE_ARN"] = secrets.create_secret(Name="ibm-mq-bridge/stranger",
                                                                  SecretString=pki.stranger_keystore)["ARN"]
    with pytest.raises(Exception, match="certificate|alert|reset|EOF"):
        RestMqClient(url, QUEUE_MANAGER, mutual_tls(secrets, stranger)).get(INBOUND_MQ_QUEUE, 0)


def test_the_bridge_refuses_a_queue_manager_its_trust_store_does_not_know(aws, pki, tmp_path_factory):
    secrets = client("secretsmanager")
    other = dict(aws.secrets)
    other_ca = _certificate("other CA", ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1()), "other CA", ca=True)
    other["IBMMQ_TRUSTSTORE_ARN"] = secrets.create_secret(Name="ibm-mq-bridge/other-truststore",
                                                                 SecretString=_pem(other_ca))["ARN"]
    with queue_manager(pki, tmp_path_factory) as (_, url):
        with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
            RestMqClient(url, QUEUE_MANAGER, mutual_tls(secrets, other)).get(INBOUND_MQ_QUEUE, 0)


def test_ibm_mq_errors_are_reported_with_ibm_mq_s_explanation(aws, mq):
    _, url = mq
    mq_client = RestMqClient(url, QUEUE_MANAGER, mutual_tls(client("secretsmanager"), aws.secrets))
    with pytest.raises(IbmMqError, match="IBM MQ answered 404: MQWB0009E: MQRC_UNKNOWN_OBJECT_NAME: queue "
                                         "DEV.QUEUE.9"):
        mq_client.get("DEV.QUEUE.9", 0)
    with pytest.raises(ValueError, match="IBM MQ queue 'DEV QUEUE' must be 1-48 characters"):
        IbmMqSink(mq_client, QUEUE_MANAGER, "DEV QUEUE")


@pytest.mark.parametrize("change, message", [
    ({"BRIDGE_DIRECTION": "both"}, "BRIDGE_DIRECTION='both' must be one of ibm-to-aws, aws-to-ibm"),
    ({"IBMMQ_QUEUE": ""}, "IBMMQ_QUEUE='' must be the IBM MQ queue's name"),
    ({"MAX_RETRIES": "11"}, "MAX_RETRIES='11' must be an integer 0-10"),
    ({"TOPIC_ARN": "my-topic"}, "TOPIC_ARN='my-topic' must be an arn:...:sns:... ARN"),
    ({"IBMMQ_REST_URL": "http://mq.example.com:9443"}, "must be https://<host>"),
    ({"IBMMQ_KEYSTORE_ARN": "-----BEGIN"}, "IBMMQ_KEYSTORE_ARN='-----BEGIN' must be an "
                                           "arn:...:secretsmanager:... ARN"),
])
def test_bad_service_settings_are_named(aws, mq, change, message):
    _, url = mq
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        service.build_bridge({**aws.environment("ibm-to-aws", url), **change}, clients())


@pytest.mark.parametrize("variable, stored, message", [
    ("IBMMQ_KEYSTORE_ARN", "encrypted", r"\(IBMMQ_KEYSTORE_ARN\) is not a PEM certificate followed by its "
                                        r"unencrypted private key: .*the private key is encrypted"),
    ("IBMMQ_KEYSTORE_ARN", "certificate only", r"\(IBMMQ_KEYSTORE_ARN\) is not a PEM certificate followed by"),
    ("IBMMQ_TRUSTSTORE_ARN", "not PEM", r"\(IBMMQ_TRUSTSTORE_ARN\) is not PEM CA certificates"),
])
def test_unusable_tls_material_is_named(aws, pki, variable, stored, message):
    secrets = client("secretsmanager")
    values = {"encrypted": pki.encrypted_keystore, "certificate only": pki.ca_pem, "not PEM": "hello"}
    changed = {**aws.secrets, variable: secrets.create_secret(Name=f"ibm-mq-bridge/{stored}",
                                                              SecretString=values[stored])["ARN"]}
    with pytest.raises(ValueError, match=message):
        mutual_tls(secrets, changed)


def test_the_service_stops_with_one_line_on_bad_settings(monkeypatch, capsys):
    monkeypatch.setenv("BRIDGE_DIRECTION", "sideways")
    assert service.main() == 2
    assert capsys.readouterr().err == ("ibm-mq-bridge: environment BRIDGE_DIRECTION='sideways' must be one of "
                                       "ibm-to-aws, aws-to-ibm\n")


def test_sns_sink_publishes_small_messages_as_they_are(clean):
    sink = SnsSink(client("sns"), clean.topic, PayloadStore(client("s3"), clean.payload_bucket))
    sink.send(Message("plain", {"ibmmq.correlationId": "ab" * 24}, id="m-1"))
    [raw] = drain(clean.subscribed_queue)
    assert (raw["Body"], raw["MessageAttributes"]) == (
        "plain", {"ibmmq.correlationId": {"DataType": "String", "StringValue": "ab" * 24}})
    drain(clean.envelope_queue)
