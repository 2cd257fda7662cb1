"""Principal kinds: recognised from the ARN, each with its own request-context keys and fix target."""

from __future__ import annotations

import pytest

from glue_iam_kit.errors import KitError
from glue_iam_kit.principals import KINDS, PrincipalPolicies, principal_name
from glue_iam_kit.principals.context import MFA_MODES, request_context


@pytest.mark.parametrize("given,kind,name", [
    ("alice", "user", "alice"),
    ("arn:aws:iam::111122223333:user/alice", "user", "alice"),
    ("arn:aws:iam::111122223333:user/division/alice", "user", "alice"),
    ("arn:aws:iam::111122223333:role/ci-deployer", "role", "ci-deployer"),
    ("arn:aws:iam::111122223333:role/service-role/ci", "role", "ci"),
    ("arn:aws:sts::111122223333:assumed-role/ci-deployer/run-42", "role", "ci-deployer"),
])
def test_the_kind_and_name_come_from_the_arn(given, kind, name):
    k, n, _ = principal_name(given)
    assert (k.name, n) == (kind, name)


@pytest.mark.parametrize("bad", ["arn:aws:iam::111122223333:group/devs", "arn:aws:iam::nope"])
def test_other_arns_are_a_clear_error(bad):
    with pytest.raises(KitError):
        principal_name(bad)


USER = PrincipalPolicies("user", "alice", "arn:aws:iam::111122223333:user/alice", "AIDAEXAMPLE0000000001",
                         {"team": "data"})
ROLE = PrincipalPolicies("role", "ci", "arn:aws:iam::111122223333:role/ci", "AROAEXAMPLE0000000001")


@pytest.mark.parametrize("pp,want,absent", [
    (USER, {"aws:PrincipalType": "User", "aws:username": "alice", "aws:userid": "AIDAEXAMPLE0000000001",
            "aws:PrincipalTag/team": "data", "aws:PrincipalAccount": "111122223333"}, ()),
    # A role acts through a session: its aws:userid is "<role id>:<session>", unknown without the session.
    (ROLE, {"aws:PrincipalType": "AssumedRole", "aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci"},
     ("aws:username", "aws:userid")),
])
def test_each_kind_carries_its_own_keys(pp, want, absent):
    ctx = request_context(pp, "glue.amazonaws.com")
    assert {k: ctx.get(k).values[0] for k in want} == want
    assert all(ctx.get(k) is None for k in absent)
    assert ctx.get("aws:MultiFactorAuthPresent") is None  # long-term keys: absent, not false


@pytest.mark.parametrize("mfa,value", [("absent", None), ("present", "true"), ("false", "false")])
def test_mfa_modes(mfa, value):
    got = request_context(USER, "glue.amazonaws.com", mfa).get("aws:MultiFactorAuthPresent")
    assert (got.values[0] if got else None) == value
    assert mfa in MFA_MODES


def test_fix_targets():
    assert KINDS["role"].fix_target(ROLE, "glue:UpdateJob") == ("role", "ci")
    assert KINDS["user"].fix_target(USER, "glue:UpdateJob") == ("user", "alice")  # in no group
