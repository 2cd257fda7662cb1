"""The sandbox: declarative scenarios with parameters, the read-only guard, one sandbox per process."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.errors import KitError, MutatingCallBlocked, NotFoundError
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.sandbox import list_scenarios, render_scenario


def test_read_only_guard_refuses_mutations(sandbox):
    user = sandbox.scenario["parameters"]["user"]
    doc = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})
    with pytest.raises(MutatingCallBlocked, match="read-only"):
        sandbox.put_inline_policy("user", user, "x", doc)
    assert "iam:PutUserPolicy" not in sandbox.operations
    with sandbox.writable():
        sandbox.put_inline_policy("user", user, "x", doc)
    assert sandbox.operations[-1] == "iam:PutUserPolicy"
    with pytest.raises(MutatingCallBlocked):
        sandbox.put_inline_policy("user", user, "y", doc)


def test_names_are_parameters():
    with open_target("sandbox", user="alice", role="etl-runtime", job="nightly", account_id="123456789012",
                     glue_group="Glue-Users") as t:
        assert t.get_user("alice")["Arn"] == "arn:aws:iam::123456789012:user/alice"
        assert t.get_job("nightly")["Role"] == "etl-runtime"
        assert next(g["GroupName"] for g in t.list_groups_for_user("alice")) == "Glue-Users"
        assert "arn:aws:iam::123456789012:role/etl-runtime" in t.scenario["error_text"]
        assert t.caller_identity()["Account"] == "123456789012"


def test_a_second_sandbox_closes_the_first(sandbox):
    with open_target("sandbox", user="second") as second:  # moto holds one state: the first one is closed
        assert second.get_user("second")["UserName"] == "second"
    with open_target("sandbox") as third:  # and again, after the second was closed by hand
        assert third.caller_identity()["Account"]


@pytest.mark.parametrize("overrides,message", [
    ({"account_id": "12345"}, "twelve digits"),
    ({"user": "bad name!"}, "not a valid name"),
    ({"region": "mars-1"}, "not an AWS region"),
    ({"colour": "blue"}, "no parameter"),
])
def test_bad_parameters_are_clear(overrides, message):
    with pytest.raises(KitError, match=message):
        render_scenario("seed-incident", **overrides)


def test_unknown_scenario_is_clear():
    with pytest.raises(NotFoundError, match="scenario 'nope' not found"):
        open_target("sandbox", scenario="nope")


def test_scenarios_are_listed_with_cause_and_verdicts():
    seed = {s["name"]: s for s in list_scenarios()}["seed-incident"]
    assert seed["expected_verdicts"] == ["explicit-deny", "no-allow"] and seed["root_cause"]


def test_the_suite_records_what_was_sent(sandbox):
    from tests.conftest import SENT

    before = len(SENT)
    sandbox.get_user(sandbox.scenario["parameters"]["user"])
    assert SENT[before:] == [("iam:GetUser", False)]
