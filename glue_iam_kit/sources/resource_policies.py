"""Resource-based policies that can decide a runtime role's request: an S3 bucket policy (``GetBucketPolicy``)
and a KMS key policy (``GetKeyPolicy``; "default" is the only policy name a key has). Read-only."""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.errors import CouldNotCheck, KitError


def fetch_resource_policy(target: Any, kind: str, arn: str, name: str) -> dict[str, Any] | None:
    """The policy of the bucket *name* (kind ``s3-bucket``) or the key *arn* (``kms-key``); None when the bucket
    has none; CouldNotCheck when it cannot be read."""
    try:
        if kind == "s3-bucket":
            text = target.call("s3", "get_bucket_policy", Bucket=name)["Policy"]
        elif kind == "kms-key":
            text = target.call("kms", "get_key_policy", KeyId=arn, PolicyName="default")["Policy"]
        else:
            raise KitError(f"no resource policy of kind {kind!r}")
    except CouldNotCheck as exc:
        if "NoSuchBucketPolicy" in str(exc):
            return None
        raise
    return json.loads(text)
