"""A boundary fix AWS would refuse is refused: an AWS managed boundary is replaced by putting a new boundary on the
principal, which AWS refuses for Identity Center and service-linked roles (UnmodifiableEntity)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from glue_iam_kit.diagnosis.fix import _boundary_fix, render_fix
from glue_iam_kit.engine.policy import PolicySource
from glue_iam_kit.principals import PolicyRecord
from glue_iam_kit.principals.identity_center import KIND as IDENTITY_CENTER
from glue_iam_kit.principals.role import KIND as ROLE
from glue_iam_kit.principals.service_linked import KIND as SERVICE_LINKED

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
AWS_MANAGED = "arn:aws:iam::aws:policy/PowerUserAccess"


def _ev(kind):
    boundary = PolicyRecord(PolicySource("PowerUserAccess", "boundary", arn=AWS_MANAGED), {"Statement": []})
    pp = SimpleNamespace(boundary=boundary, kind=kind, account="111122223333", name="r")
    return SimpleNamespace(principal=pp, profile="")


@pytest.mark.parametrize("kind", [IDENTITY_CENTER, SERVICE_LINKED])
def test_an_aws_managed_boundary_on_an_unchangeable_role_is_refused(kind):
    fix = render_fix(_boundary_fix(_ev(kind), DOC))
    assert fix["refused"] == kind.why_unchangeable
    assert fix["command"] == ""


def test_an_aws_managed_boundary_on_a_role_is_replaced():
    fix = render_fix(_boundary_fix(_ev(ROLE), DOC))
    assert "refused" not in fix
    assert "put-role-permissions-boundary" in fix["command"]
