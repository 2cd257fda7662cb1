"""IAM Access Analyzer's ValidatePolicy on the proposed fix (sources/access_analyzer.py): read-only, listed in
required-permissions.json, "could not check" when denied. moto lacks it, so botocore's Stubber answers."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from glue_iam_kit.diagnosis.review import analyse_fix
from glue_iam_kit.reports.review import render_review_md
from glue_iam_kit.sources.aws import AwsTarget, is_read_only
from glue_iam_kit.sources.base import POLICY_VALIDATOR, can

FIX = {"where": "group", "policy": {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}
FINDING = {"findingType": "SECURITY_WARNING", "issueCode": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
           "findingDetails": "Using the iam:PassRole action with wildcards (*) in the resource can be overly "
                             "permissive", "learnMoreLink": "https://docs.aws.amazon.com/", "locations": []}


@pytest.fixture
def target():
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1")
    return AwsTarget(session)


def test_findings_come_back_beside_the_fix(target):
    with Stubber(target.client("accessanalyzer")) as stub:
        stub.add_response("validate_policy", {"findings": [FINDING]},
                          {"policyDocument": json.dumps(FIX["policy"]), "policyType": "IDENTITY_POLICY"})
        result = analyse_fix(target, FIX)
    assert result == {"could_not_check": "", "findings": [{
        "finding_type": "SECURITY_WARNING", "issue_code": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "details": FINDING["findingDetails"], "learn_more": "https://docs.aws.amazon.com/"}]}
    md = "\n".join(render_review_md({}, {**FIX, "access_analyzer": result}))
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in md


def test_denied_is_could_not_check(target):
    with Stubber(target.client("accessanalyzer")) as stub:
        stub.add_client_error("validate_policy", "AccessDeniedException", "not authorized", 403)
        result = analyse_fix(target, FIX)
    assert result["findings"] == [] and "AccessDenied on accessanalyzer:ValidatePolicy" in result["could_not_check"]
    assert "could not check" in "\n".join(render_review_md({}, {**FIX, "access_analyzer": result}))


def test_read_only_and_only_where_aws_answers(target):
    assert is_read_only("ValidatePolicy")
    assert can(target, POLICY_VALIDATOR)
    from glue_iam_kit.sources.sandbox.target import SandboxTarget
    from glue_iam_kit.sources.snapshot import SnapshotTarget

    assert POLICY_VALIDATOR not in SandboxTarget.capabilities | SnapshotTarget.capabilities
