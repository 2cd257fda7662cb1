"""The aws target reads bucket and key policies read-only (Stubber: no network); a bucket without a policy is
None, an unreadable one is CouldNotCheck."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.errors import CouldNotCheck
from glue_iam_kit.sources.aws import AwsTarget, make_session

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                               "Resource": "arn:aws:s3:::b/*"}]}
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _target() -> AwsTarget:
    return AwsTarget(make_session(region="eu-west-1", credentials=("testing", "testing", None)))


@pytest.mark.parametrize("error,expect", [(None, DOC), ("NoSuchBucketPolicy", None), ("AccessDenied", CouldNotCheck)])
def test_bucket_policy(error, expect):
    from botocore.stub import Stubber

    target = _target()
    with Stubber(target.client("s3")) as stub:
        if error:
            stub.add_client_error("get_bucket_policy", error, http_status_code=404 if error != "AccessDenied" else 403,
                                  expected_params={"Bucket": "b"})
        else:
            stub.add_response("get_bucket_policy", {"Policy": json.dumps(DOC)}, {"Bucket": "b"})
        if expect is CouldNotCheck:
            with pytest.raises(CouldNotCheck, match="s3:GetBucketPolicy"):
                target.get_resource_policy("s3-bucket", "arn:aws:s3:::b", "b")
        else:
            assert target.get_resource_policy("s3-bucket", "arn:aws:s3:::b", "b") == expect


def test_key_policy():
    from botocore.stub import Stubber

    target = _target()
    with Stubber(target.client("kms")) as stub:
        stub.add_response("get_key_policy", {"Policy": json.dumps(DOC)}, {"KeyId": KEY, "PolicyName": "default"})
        assert target.get_resource_policy("kms-key", KEY, KEY.rsplit("/", 1)[1]) == DOC
