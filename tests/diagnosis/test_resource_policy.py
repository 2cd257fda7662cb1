"""Which resource-based policy the kit reads for an ARN: S3 bucket policies (the bucket and its objects) and KMS
key policies; nothing for anything else."""

from __future__ import annotations

import pytest

from glue_iam_kit.diagnosis.resource_policy import resource_policy_ref

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize("arn,expect", [
    ("arn:aws:s3:::example-etl-data/raw/orders.csv", ("s3-bucket", "arn:aws:s3:::example-etl-data",
                                                      "example-etl-data", False)),
    ("arn:aws:s3:::example-etl-data", ("s3-bucket", "arn:aws:s3:::example-etl-data", "example-etl-data", False)),
    ("arn:aws-cn:s3:::b/k", ("s3-bucket", "arn:aws-cn:s3:::b", "b", False)),
    (KEY, ("kms-key", KEY, "1234abcd-12ab-34cd-56ef-1234567890ab", True)),
    ("arn:aws:kms:eu-west-1:111122223333:alias/etl", None),  # an alias is not a key: its policy is the key's
    ("arn:aws:iam::111122223333:role/r", None),
    ("arn:aws:s3:eu-west-1:111122223333:accesspoint/ap", None),  # access points have their own policies
    ("not an arn", None),
    ("", None),
])
def test_resource_policy_ref(arn, expect):
    ref = resource_policy_ref(arn)
    assert (ref and (ref.kind, ref.arn, ref.name, ref.required)) == expect
