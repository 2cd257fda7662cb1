"""Which resource-based policy can decide a request on a resource, and how it combines with identity policies.

Only the two that a Glue job's runtime role meets every day are read: an S3 bucket policy (for the bucket and
every object in it) and a KMS key policy. Same account, a bucket policy is one more way in (IAM User Guide,
"Policy evaluation logic": identity-based *or* resource-based allow); a key policy is the only way in unless
it delegates to the account (AWS KMS Developer Guide, "Key policies in AWS KMS"). Pure: the sources read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.errors import ArnError


@dataclass(frozen=True)
class ResourcePolicyRef:
    """The resource-based policy that can decide a request on a resource."""

    kind: str  # s3-bucket | kms-key
    arn: str  # the bucket's or the key's ARN: the key of a snapshot's ResourcePolicies
    name: str  # the bucket name, or the key id
    required: bool  # the policy must grant (KMS), not only may (S3)

    @property
    def label(self) -> str:
        return f"bucket policy of {self.name}" if self.kind == "s3-bucket" else f"key policy of key {self.name}"

    @property
    def marked_label(self) -> str:
        """:attr:`label` with the bucket or key marked for the anonymiser (:mod:`glue_iam_kit.engine.marks`)."""
        if self.kind == "s3-bucket":
            return f"bucket policy of {ident('bucket', self.name)}"
        return f"key policy of key {ident('kms-key', self.name)}"


def resource_policy_ref(resource_arn: str) -> ResourcePolicyRef | None:
    """The resource policy that governs *resource_arn*, or None when the kit reads none for it."""
    try:
        a = parse_arn(resource_arn)
    except ArnError:
        return None
    if a.service == "s3" and not a.region and not a.account and a.resource:
        bucket = a.resource.split("/", 1)[0]
        return ResourcePolicyRef("s3-bucket", f"arn:{a.partition}:s3:::{bucket}", bucket, False)
    if a.service == "kms" and a.resource.startswith("key/"):
        return ResourcePolicyRef("kms-key", resource_arn, a.resource.split("/", 1)[1], True)
    return None
