"""GovernedBucket and GovernedTable: exact properties under Pulumi mocks."""
import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.storage import BucketArgs, GovernedBucket, GovernedTable, TableArgs, TableIndex
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
KEY = GOV.kms_key_arn


def test_bucket_is_private_encrypted_and_tls_only():
    resources = run_program(lambda: GovernedBucket("uploads", governance=GOV))
    component = one(resources, "serverless-governance:governed:Bucket", "uploads")
    bucket = one(resources, "aws:s3/bucket:Bucket", "uploads")
    assert bucket.parent == component.urn
    assert bucket.inputs["forceDestroy"] is False
    block = one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "uploads-public-access")
    assert {k: block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                         "restrictPublicBuckets")} == dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    bucket_id = block.inputs["bucket"]
    assert bucket_id.startswith("uploads-")
    sse = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["bucket"] == bucket_id
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                           "kmsMasterKeyId": KEY},
                                    "bucketKeyEnabled": True}]
    policy = one(resources, "aws:s3/bucketPolicy:BucketPolicy", "uploads-policy")
    assert json.loads(policy.inputs["policy"])["Statement"] == [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket_id}", f"arn:aws:s3:::{bucket_id}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    assert block.urn in policy.dependencies
    assert by_type(resources, "aws:s3/bucketVersioning:BucketVersioning") == []
    assert by_type(resources, "aws:s3/bucketNotification:BucketNotification") == []


def test_bucket_versioning_and_eventbridge_when_asked():
    resources = run_program(lambda: GovernedBucket(
        "media", BucketArgs(versioning=True, event_bridge=True, force_destroy=True), governance=GOV))
    assert one(resources, "aws:s3/bucket:Bucket").inputs["forceDestroy"] is True
    versioning = one(resources, "aws:s3/bucketVersioning:BucketVersioning", "media-versioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    notification = one(resources, "aws:s3/bucketNotification:BucketNotification", "media-notifications")
    assert notification.inputs["eventbridge"] is True


def test_bucket_sse_s3_needs_a_reason():
    with pytest.raises(GovernanceError, match="breaks guardrail 's3-bucket-kms-encryption'"):
        run_program(lambda: GovernedBucket("logs", BucketArgs(sse_algorithm="AES256"), governance=GOV))
    with pytest.raises(GovernanceError, match="sse_algorithm 'aws:kms:dsse' is not allowed; allowed: aws:kms, AES256"):
        run_program(lambda: GovernedBucket("logs", BucketArgs(sse_algorithm="aws:kms:dsse"), governance=GOV))
    resources = run_program(lambda: GovernedBucket("logs", BucketArgs(
        sse_algorithm="AES256", overrides={"s3-bucket-kms-encryption": "ALB access logs support SSE-S3 only"}),
        governance=GOV))
    sse = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
                                    "bucketKeyEnabled": False}]
    assert one(resources, "aws:s3/bucket:Bucket").inputs["tags"] == {
        "governance:overrides": "s3-bucket-kms-encryption",
        "governance:override:s3-bucket-kms-encryption": "ALB access logs support SSE-S3 only"}


def test_table_defaults_on_demand_pitr_and_platform_key():
    resources = run_program(lambda: GovernedTable("orders", governance=GOV))
    table = one(resources, "aws:dynamodb/table:Table", "orders")
    assert table.parent == one(resources, "serverless-governance:governed:Table").urn
    inputs = table.inputs
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert inputs["hashKey"] == "pk"
    assert inputs["attributes"] == [{"name": "pk", "type": "S"}]
    assert inputs["pointInTimeRecovery"] == {"enabled": True}
    assert inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY}
    assert inputs["deletionProtectionEnabled"] is False
    for absent in ("rangeKey", "ttl", "streamEnabled", "globalSecondaryIndexes"):
        assert absent not in inputs


def test_table_ttl_stream_range_key_and_index():
    args = TableArgs(hash_key="pk", range_key="sk", attributes={"pk": "S", "sk": "S", "status": "S", "at": "N"},
                     ttl_attribute="expires_at", stream_view_type="NEW_AND_OLD_IMAGES",
                     global_secondary_indexes=[TableIndex("by-status", "status", "at"),
                                               {"name": "by-at", "hash_key": "at", "projection_type": "KEYS_ONLY"}])
    resources = run_program(lambda: GovernedTable("orders", args, governance=GOV))
    inputs = one(resources, "aws:dynamodb/table:Table").inputs
    assert inputs["rangeKey"] == "sk"
    assert inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert inputs["streamEnabled"] is True and inputs["streamViewType"] == "NEW_AND_OLD_IMAGES"
    assert inputs["globalSecondaryIndexes"] == [
        {"name": "by-status", "hashKey": "status", "rangeKey": "at", "projectionType": "ALL"},
        {"name": "by-at", "hashKey": "at", "projectionType": "KEYS_ONLY"}]


def test_table_without_pitr_needs_a_reason():
    with pytest.raises(GovernanceError, match="breaks guardrail 'dynamodb-pitr'"):
        run_program(lambda: GovernedTable("cache", TableArgs(point_in_time_recovery=False), governance=GOV))
    resources = run_program(lambda: GovernedTable("cache", TableArgs(
        point_in_time_recovery=False, overrides={"dynamodb-pitr": "rebuildable cache with a 1 hour TTL"}),
        governance=GOV))
    inputs = one(resources, "aws:dynamodb/table:Table").inputs
    assert inputs["pointInTimeRecovery"] == {"enabled": False}
    assert inputs["tags"] == {"governance:overrides": "dynamodb-pitr",
                              "governance:override:dynamodb-pitr": "rebuildable cache with a 1 hour TTL"}


@pytest.mark.parametrize("args, message", [
    (TableArgs(attributes={"pk": "STRING"}), "attribute 'pk' has type 'STRING'; allowed: S, N, B"),
    (TableArgs(range_key="sk"), "range_key 'sk' is not declared in attributes"),
    (TableArgs(attributes={"pk": "S", "extra": "S"}), r"attributes \['extra'\] are not a table or index key"),
    (TableArgs(stream_view_type="ALL"), "stream_view_type 'ALL'"),
    (TableArgs(global_secondary_indexes=[TableIndex("gsi", "missing")]), "index 'gsi' hash_key 'missing' is not declared"),
])
def test_table_bad_input_is_a_clear_error(args, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(lambda: GovernedTable("bad", args, governance=GOV))


def test_a_bucket_sends_server_access_logs_to_a_log_bucket_that_admits_only_its_sources():
    source = "arn:aws:s3:::files-bucket"

    def program() -> None:
        GovernedBucket("logs", BucketArgs(access_log_sources=[source]), governance=GOV)
        GovernedBucket("files", BucketArgs(access_log_bucket="logs-bucket", access_log_prefix="files/"),
                       governance=GOV)
    resources = run_program(program)
    logging = one(resources, "aws:s3/bucketLogging:BucketLogging", "files-access-logs").inputs
    assert (logging["bucket"].startswith("files-"), logging["targetBucket"], logging["targetPrefix"]) == (
        True, "logs-bucket", "files/")
    policy = json.loads(one(resources, "aws:s3/bucketPolicy:BucketPolicy", "logs-policy").inputs["policy"])
    bucket_id = one(resources, "aws:s3/bucket:Bucket", "logs").outputs["bucket"]
    assert policy["Statement"][1] == {
        "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket_id}/*",
        "Condition": {"ArnLike": {"aws:SourceArn": [source]}}}
    assert len(by_type(resources, "aws:s3/bucketLogging:BucketLogging")) == 1  # the log bucket logs nowhere
