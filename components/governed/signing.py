"""The one upload -> sign -> signed-object pipeline, shared by governed functions and the platform's layers.

Code signing for Lambda takes a signed zip in S3: the code is uploaded as an unsigned object (keyed by its content
digest, so unchanged code is not re-signed), AWS Signer signs that object version with the company profile, and
the function or layer is created from the signed copy Signer writes under ``signed_prefix``.

The code is either files (zip path -> local file, what the blocks assemble) or a local ``pulumi.FileArchive`` (a
prebuilt ``.zip`` or a directory). A remote archive is not taken: its content, hence its digest, is not known until
it is downloaded.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pulumi
import pulumi_aws as aws


def code_digest(files: Mapping[str, Path]) -> str:
    """A content hash of the archive: a new digest means a new upload, a new signing job and a new version."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def archive_digest(path: Path) -> str:
    """The digest of a local archive: its bytes for a ``.zip`` file, its files (as ``code_digest``) for a directory."""
    if path.is_dir():
        return code_digest({file.relative_to(path).as_posix(): file for file in path.rglob("*") if file.is_file()})
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


@dataclass
class SignedCode:
    """Where the signed zip is (``bucket``, ``key``: pass them as the function's or layer's ``s3_bucket``/``s3_key``)
    and the resources that made it."""

    bucket: pulumi.Output[str]
    key: pulumi.Output[str]
    upload: aws.s3.BucketObjectv2
    job: aws.signer.SigningJob


def _first_signed_object(objects: Optional[Sequence[aws.signer.outputs.SigningJobSignedObject]]
                         ) -> aws.signer.outputs.SigningJobSignedObjectS3:
    # A completed job has exactly one signed object with one S3 location (ignore_signing_job_failure=False makes
    # a failed job fail the deployment instead of yielding none).
    signed = list(objects or [])
    locations = list(signed[0].s3s or []) if signed else []
    if not locations:
        raise ValueError("the signing job returned no signed object")
    return locations[0]


def signed_code(name: str, code: Union[Mapping[str, Path], pulumi.FileArchive], *, bucket: pulumi.Input[str],
                unsigned_prefix: str, signed_prefix: str, profile_name: pulumi.Input[str],
                opts: pulumi.ResourceOptions) -> SignedCode:
    """Upload ``code`` (zip path -> local file, or a local archive) to ``bucket`` under ``unsigned_prefix``, sign
    it with ``profile_name`` and return the signed copy's location under ``signed_prefix``. Resources are named
    ``{name}-code`` and ``{name}-signing`` and take ``opts`` (give ``depends_on`` on the bucket's versioning when the
    bucket is created in the same program: Signer signs an object version)."""
    source: pulumi.Archive
    if isinstance(code, pulumi.FileArchive):
        digest, source = archive_digest(Path(code.path)), code
    else:
        digest = code_digest(code)
        source = pulumi.AssetArchive({path: pulumi.FileAsset(str(local)) for path, local in code.items()})
    upload = aws.s3.BucketObjectv2(
        f"{name}-code",
        bucket=bucket,
        key=f"{unsigned_prefix}/{digest}.zip",
        source=source,
        opts=opts,
    )
    job = aws.signer.SigningJob(
        f"{name}-signing",
        profile_name=profile_name,
        source={"s3": {"bucket": upload.bucket, "key": upload.key, "version": upload.version_id}},
        destination={"s3": {"bucket": bucket, "prefix": f"{signed_prefix}/"}},
        ignore_signing_job_failure=False,
        opts=opts,
    )
    location = job.signed_objects.apply(_first_signed_object)
    return SignedCode(bucket=location.apply(lambda s3: s3.bucket or ""), key=location.apply(lambda s3: s3.key or ""),
                      upload=upload, job=job)
