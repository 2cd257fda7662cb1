"""Reading SCPs through AWS Organizations (the aws target's code path), against moto's Organizations.

moto gives member accounts random ids, so the sandbox's scenarios serve their SCP levels themselves; this test
proves the real path: the levels from the root down to the account, and the management account exempt."""

from __future__ import annotations

import json

from moto import mock_aws

from glue_iam_kit.errors import CouldNotCheck
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.sandbox.target import FAKE_CREDENTIALS, _account_header

DENY = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyPassRoleToGlue", "Effect": "Deny",
                                                "Action": "iam:PassRole", "Resource": "*"}]}


def _session(account: str):
    s = make_session(region="us-east-1", credentials=FAKE_CREDENTIALS)
    s.events.register("before-sign", _account_header(account))
    return s


def test_scp_levels_root_first_account_last_and_management_exempt():
    with mock_aws():
        management = "111111111111"
        org = _session(management).client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="data")["OrganizationalUnit"]["Id"]
        member = org.create_account(AccountName="etl", Email="etl@example.com")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
        policy = org.create_policy(Name="NoGlueRolePassing", Description="", Type="SERVICE_CONTROL_POLICY",
                                   Content=json.dumps(DENY))["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=policy, TargetId=ou)

        target = AwsTarget(_session(management), kind="aws")
        levels = target.service_control_policies(member)
        assert [[name for name, _ in level] for level in levels] == [
            ["FullAWSAccess"], ["FullAWSAccess", "NoGlueRolePassing"], ["FullAWSAccess"]]
        assert levels[1][1][1] == DENY
        assert {"organizations:ListParents", "organizations:DescribePolicy"} <= set(target.calls)

        assert AwsTarget(_session(management), kind="aws").service_control_policies() == []
        # From the member account itself, AWS (and moto) refuse to walk the organization: say so.
        try:
            AwsTarget(_session(member), kind="aws").service_control_policies()
        except CouldNotCheck as exc:
            assert "management account or a delegated administrator" in str(exc)
        else:
            raise AssertionError("a member account cannot list its parents")


def test_no_organization_means_no_scps():
    with mock_aws():
        assert AwsTarget(_session("222222222222"), kind="aws").service_control_policies() == []
