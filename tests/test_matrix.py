"""The PassRole matrix equals pair-by-pair evaluation (explicit denies and boundaries included)."""

from __future__ import annotations

import random

import pytest

from glue_iam_kit.context import context_value
from glue_iam_kit.evaluator import Request, evaluate_request
from glue_iam_kit.matrix import MATRIX_COLUMNS, evaluate_matrix, gather_principals, matrix_context
from glue_iam_kit.principals import gather_scps
from glue_iam_kit.snapshot import SnapshotTarget
from glue_iam_kit.synthetic import synthetic_snapshot


@pytest.fixture(scope="module")
def snapshot():
    return SnapshotTarget(synthetic_snapshot(users=25, roles=30, groups=6, policies=12))


@pytest.mark.parametrize("mfa", ["absent", "present"])
def test_matrix_equals_pair_by_pair_on_a_sample(snapshot, mfa):
    frame = evaluate_matrix(snapshot, mfa=mfa)
    assert list(frame.columns) == MATRIX_COLUMNS
    principals = {pp.arn: pp for pp in gather_principals(snapshot)}
    roles = sorted(set(frame.role_arn))
    assert len(frame) == len(principals) * len(roles)
    assert set(frame.decision) >= {"allowed", "implicitDeny"}
    if mfa == "absent":
        assert "explicitDeny" in set(frame.decision)  # the MFA deny catches long-term keys
    assert "boundary" in set(frame.blocked_by) or mfa == "absent"
    scps = gather_scps(snapshot)
    indexed = frame.set_index(["principal_arn", "role_arn"])
    for principal, role in random.Random(3).sample([(p, r) for p in principals for r in roles], 300):
        pp = principals[principal]
        context = matrix_context("glue.amazonaws.com", mfa).with_values(context_value("aws:PrincipalArn", pp.arn))
        if pp.principal_type == "user":
            context = context.with_values(context_value("aws:username", pp.name))
        d = evaluate_request(pp.policy_set(scps), Request("iam:PassRole", role, pp.arn, context))
        row = indexed.loc[(principal, role)]
        assert (row.decision, row.blocked_by) == (d.decision, d.blocked_by or ""), (principal, role)


def test_synthetic_snapshot_has_the_mixes_it_promises():
    data = synthetic_snapshot(users=10, roles=12, groups=3, policies=10)
    names = {p["PolicyName"] for p in data["AuthorizationDetails"]["Policies"]}
    assert "AWSGlueConsoleFullAccess" in names and "DeveloperBoundary" in names
    assert data["ServiceControlPolicies"] and len(data["AuthorizationDetails"]["RoleDetailList"]) == 12
    assert synthetic_snapshot(users=10, roles=12, groups=3, policies=10) == data  # deterministic
