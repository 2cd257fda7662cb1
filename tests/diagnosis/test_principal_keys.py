"""One request context: for a PassRole Allow conditioned on each principal key, ``investigate`` and ``matrix``
reach the same decision for the same principal and role, and it is AWS's.

Every request by an IAM user carries aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType (User),
aws:userid (its unique id) and aws:username (IAM User Guide, "AWS global condition context keys"), and
aws:PrincipalTag/<key> for each of its tags: a grant conditioned on one that holds for the user allows.
"""

from __future__ import annotations

import copy

import pytest

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.matrix import evaluate_matrix
from glue_iam_kit.sources.snapshot import SnapshotTarget

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/etl-runtime"
USER_ID = "AIDAEXAMPLEUSERID0001"


def _snapshot(condition: dict) -> dict:
    grant = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE_ARN, "Condition": condition}
    user = {"UserName": "alice", "Arn": USER_ARN, "UserId": USER_ID, "Path": "/", "GroupList": [],
            "AttachedManagedPolicies": [], "Tags": [{"Key": "team", "Value": "data"}],
            "UserPolicyList": [{"PolicyName": "Grant", "PolicyDocument": {"Version": "2012-10-17",
                                                                          "Statement": [grant]}}]}
    role = {"RoleName": "etl-runtime", "Arn": ROLE_ARN, "RoleId": "AROAEXAMPLEROLEID0001", "Path": "/",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "AttachedManagedPolicies": [], "RolePolicyList": []}
    return {"format": "glue-iam-kit/snapshot@1",
            "CallerIdentity": {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor", "UserId": "X"},
            "Region": "eu-west-1", "ServiceControlPolicies": [],
            "AuthorizationDetails": {"UserDetailList": [user], "GroupDetailList": [], "RoleDetailList": [role],
                                     "Policies": []}}


HOLDS = [
    ("aws:PrincipalAccount", ACCOUNT),
    ("aws:PrincipalArn", USER_ARN),
    ("aws:username", "alice"),
    ("aws:userid", USER_ID),
    ("aws:PrincipalType", "User"),
    ("aws:PrincipalTag/team", "data"),
]


def _investigate(data: dict) -> str:
    inv = Investigation(SnapshotTarget(copy.deepcopy(data)), user="alice", role=ROLE_ARN)
    inv.step("simulate")
    return inv.layers[0].decision.decision


def _matrix(data: dict) -> str:
    frame = evaluate_matrix(SnapshotTarget(copy.deepcopy(data)))
    row = frame[(frame.principal_arn == USER_ARN) & (frame.role_arn == ROLE_ARN)]
    return str(row.decision.iloc[0])


@pytest.mark.parametrize("key,value", HOLDS)
def test_a_grant_on_a_principal_key_that_holds_allows_in_both(key, value):
    data = _snapshot({"StringEquals": {key: value, "iam:PassedToService": "glue.amazonaws.com"}})
    assert _investigate(data) == _matrix(data) == "allowed"


@pytest.mark.parametrize("key,value", HOLDS)
def test_a_grant_on_a_principal_key_that_does_not_hold_denies_in_both(key, value):
    data = _snapshot({"StringEquals": {key: value + "-other"}})
    assert _investigate(data) == _matrix(data) == "implicitDeny"
