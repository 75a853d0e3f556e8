"""The governed Athena workgroup and access-log catalog under Pulumi mocks (what the engine would be sent), the
access-log table's format against a real S3 server access log record, and the values Athena or Glue would refuse
refused with the key, the value and what is allowed."""
from __future__ import annotations

import re

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.athena import (
    ACCESS_LOG_COLUMNS,
    ACCESS_LOG_REGEX,
    AccessLogCatalogArgs,
    AthenaWorkgroupArgs,
    GovernedAthenaWorkgroup,
    S3AccessLogCatalog,
)
from tools.offline_engine import one, run_program

GOV = Governance.for_tests()
# A record in the documented format (S3 User Guide, "Amazon S3 server access log format"), a presigned GET.
LOG_RECORD = (
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be files-bucket [06/Feb/2019:00:00:38 +0000] '
    '192.0.2.3 arn:aws:sts::123456789012:assumed-role/presign/session 3E57427F3EXAMPLE REST.GET.OBJECT '
    'user-1/file-1 "GET /user-1/file-1?X-Amz-Signature=abc HTTP/1.1" 200 - 2662992 3462992 70 10 "-" '
    '"Mozilla/5.0" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 '
    'ECDHE-RSA-AES128-GCM-SHA256 QueryString files-bucket.s3.us-west-1.amazonaws.com TLSv1.2 - -'
)


@pytest.fixture(scope="module")
def resources():
    def program() -> None:
        GovernedAthenaWorkgroup("reports", AthenaWorkgroupArgs(), GOV)
        S3AccessLogCatalog("files", AccessLogCatalogArgs(log_location="s3://logs-bucket/files/"))
    return run_program(program)


def test_the_workgroup_enforces_kms_encrypted_results_in_its_own_bucket(resources):
    workgroup = one(resources, "aws:athena/workgroup:Workgroup").inputs
    bucket = one(resources, "aws:s3/bucket:Bucket").outputs["bucket"]
    assert (workgroup["name"], workgroup["state"], workgroup["forceDestroy"]) == ("test-reports", "ENABLED", False)
    assert workgroup["configuration"] == {
        "enforceWorkgroupConfiguration": True,
        "publishCloudwatchMetricsEnabled": True,
        "bytesScannedCutoffPerQuery": 10 * 1024 ** 3,
        "engineVersion": {"selectedEngineVersion": "AUTO"},
        "resultConfiguration": {
            "outputLocation": f"s3://{bucket}/results/",
            "encryptionConfiguration": {"encryptionOption": "SSE_KMS", "kmsKeyArn": GOV.kms_key_arn},
        },
    }
    encryption = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                "BucketServerSideEncryptionConfiguration").inputs
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": GOV.kms_key_arn}


def test_the_catalog_table_reads_the_s3_access_log_format(resources):
    database = one(resources, "aws:glue/catalogDatabase:CatalogDatabase").inputs
    table = one(resources, "aws:glue/catalogTable:CatalogTable").inputs
    assert database["name"] == "test_files"
    assert (table["name"], table["databaseName"], table["tableType"], table["parameters"]) == (
        "access_logs", "test_files", "EXTERNAL_TABLE", {"EXTERNAL": "TRUE"})
    storage = table["storageDescriptor"]
    assert storage["location"] == "s3://logs-bucket/files/"
    assert storage["serDeInfo"] == {"serializationLibrary": "org.apache.hadoop.hive.serde2.RegexSerDe",
                                    "parameters": {"input.regex": ACCESS_LOG_REGEX}}
    assert [c["name"] for c in storage["columns"]][:12] == [
        "bucketowner", "bucket_name", "requestdatetime", "remoteip", "requester", "requestid", "operation", "key",
        "request_uri", "httpstatus", "errorcode", "bytessent"]
    assert len(storage["columns"]) == 26


def test_the_regex_splits_a_real_log_record_into_the_26_columns():
    # RegexSerDe uses java.util.regex; this pattern uses nothing Python's re reads differently.
    match = re.fullmatch(ACCESS_LOG_REGEX, LOG_RECORD)
    assert match is not None
    row = dict(zip((name for name, _ in ACCESS_LOG_COLUMNS), match.groups(), strict=True))
    assert len(match.groups()) == len(ACCESS_LOG_COLUMNS) == 26
    assert (row["bucket_name"], row["requestdatetime"], row["requester"], row["operation"], row["key"],
            row["httpstatus"], row["bytessent"], row["objectsize"], row["sigv"], row["authtype"],
            row["tlsversion"]) == (
        "files-bucket", "06/Feb/2019:00:00:38 +0000", "arn:aws:sts::123456789012:assumed-role/presign/session",
        "REST.GET.OBJECT", "user-1/file-1", "200", "2662992", "3462992", "SigV4", "QueryString", "TLSv1.2")
    # An older record without the eight trailing fields still matches (they read as NULL).
    short = re.fullmatch(ACCESS_LOG_REGEX, LOG_RECORD.split(" s9lzHY")[0])
    assert short is not None and short.group(18) == "-" and short.group(19) is None


@pytest.mark.parametrize("changes, message", [
    ({"bytes_scanned_cutoff_per_query": 1024}, "bytes_scanned_cutoff_per_query 1024 must be an integer of at "
                                               "least 10485760"),
    ({"engine_version": "Athena engine version 2"}, "engine_version 'Athena engine version 2'; allowed: AUTO, "
                                                    "Athena engine version 3"),
])
def test_values_athena_refuses_are_refused(changes, message):
    with pytest.raises(GovernanceError, match=re.escape(message)):
        run_program(lambda: GovernedAthenaWorkgroup("reports", AthenaWorkgroupArgs(**changes), GOV))


@pytest.mark.parametrize("changes, message", [
    ({"table_name": "Access-Logs"}, "table_name 'Access-Logs' must be lower-case letters, digits and '_'"),
    ({"log_location": "logs/"}, "log_location 'logs/' must be an s3://bucket/prefix/ URI"),
])
def test_catalog_values_athena_cannot_use_are_refused(changes, message):
    args = AccessLogCatalogArgs(**{"log_location": "s3://logs-bucket/files/", **changes})
    with pytest.raises(GovernanceError, match=re.escape(message)):
        run_program(lambda: S3AccessLogCatalog("files", args))
