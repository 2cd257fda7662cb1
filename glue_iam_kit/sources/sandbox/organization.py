"""A sandbox organisation in moto, for ``org snapshot`` without AWS: the management account (moto's default
account), two OUs (``Prod`` with an SCP that denies passing roles to SageMaker, ``Dev``), member accounts
seeded with built-in scenarios (each its own IAM users, roles and Glue jobs, reached by AssumeRole of
``OrganizationAccountAccessRole`` as in a real organisation) and one closed (suspended) account."""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.errors import KitError
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.sandbox import render_scenario
from glue_iam_kit.sources.sandbox.target import (
    FAKE_CREDENTIALS,
    _load_aws_policies,
    _referenced_aws_policies,
    check_none_open,
    hand_over,
    seed,
)

ORG_NAME = "organization"
MEMBER_SCENARIOS = ("seed-incident", "passrole-star", "crawler-update", "job-other-role", "abac-allow")
PROD_SCP = {"Version": "2012-10-17", "Statement": [{
    "Sid": "NoPassRoleToSageMaker", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
    "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}]}


def open_org_sandbox(members: int = 3, region: str = "eu-west-1", suspended: int = 1) -> AwsTarget:
    """Start moto and build the organisation; the target is the management account (closing it stops moto)."""
    check_none_open()
    from moto import mock_aws

    # Every AWS managed policy, in every account: member accounts are made on the fly.
    mock = mock_aws(config={"iam": {"load_aws_managed_policies": False}})
    mock.start()
    try:
        session = make_session(region=region, credentials=FAKE_CREDENTIALS)
        _build(session, members, suspended)
    except Exception:
        mock.stop()
        raise
    return hand_over(AwsTarget(session, kind="sandbox", region=region), ORG_NAME, mock)


def _build(session: Any, members: int, suspended: int) -> None:
    org = session.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {name: org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
           for name in ("Prod", "Dev")}
    policy = org.create_policy(Content=json.dumps(PROD_SCP), Description="no PassRole to SageMaker",
                               Name="NoPassRoleToSageMaker", Type="SERVICE_CONTROL_POLICY")["Policy"]
    org.attach_policy(PolicyId=policy["PolicySummary"]["Id"], TargetId=ous["Prod"])
    sts = session.client("sts")
    for i in range(members + suspended):
        name = f"member-{i + 1}"
        account = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        account_id = account["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root,
                         DestinationParentId=ous["Prod" if i % 2 == 0 else "Dev"])
        if i >= members:
            org.close_account(AccountId=account_id)
            continue
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                                RoleSessionName="sandbox-seed")["Credentials"]
        member = make_session(region=session.region_name, credentials=(
            creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
        rendered = render_scenario(MEMBER_SCENARIOS[i % len(MEMBER_SCENARIOS)], account_id=account_id,
                                   region=session.region_name)
        if not _load_aws_policies(account_id, _referenced_aws_policies(rendered)):
            raise KitError("moto's AWS managed policies could not be loaded for the sandbox organisation")
        seed(member, rendered)
