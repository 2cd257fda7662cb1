"""Every collector on every target: the sandbox, the aws target against a loopback moto server, and a snapshot."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from glue_iam_kit import collectors as c
from glue_iam_kit import frames
from glue_iam_kit.errors import CouldNotCheck, KitError, NotFoundError
from glue_iam_kit.sources.snapshot import SnapshotTarget, build_snapshot


@pytest.fixture(scope="module")
def snapshot_target(shared_sandbox):
    snap = SnapshotTarget(json.loads(json.dumps(build_snapshot(shared_sandbox), default=str)))
    snap.scenario = shared_sandbox.scenario
    return snap


@pytest.fixture(params=["sandbox", "aws", "snapshot"])
def target(request):
    if request.param == "sandbox":
        return request.getfixturevalue("shared_sandbox")
    if request.param == "aws":
        return request.getfixturevalue("aws_target")
    return request.getfixturevalue("snapshot_target")


def _p(target):
    return target.scenario["parameters"]


def test_caller_identity(target):
    account = _p(target)["account_id"]
    frame = c.fetch_caller_identity(target, account)
    assert list(frame.columns) == frames.IDENTITY_COLUMNS
    assert frame.loc[0, "account"] == account and frame.loc[0, "matches"]
    assert not c.fetch_caller_identity(target, "999999999999").loc[0, "matches"]


def test_user_policies_empty_but_with_columns(target):
    frame = c.fetch_user_policies(target, _p(target)["user"])
    assert list(frame.columns) == frames.POLICY_COLUMNS
    assert frame.empty  # the seed user has no policy of its own, as in the write-up


def test_user_groups_and_their_policies(target):
    p = _p(target)
    frame = c.fetch_user_groups(target, p["user"])
    assert list(frame.columns) == frames.GROUP_COLUMNS
    rows = {(r.group_name, r.policy_name, r.policy_type, r.attachment) for r in frame.itertuples()}
    assert rows == {(p["glue_group"], "AWSGlueConsoleFullAccess", "aws-managed", "managed"),
                    (p["dev_group"], "RequireMFA", "group", "inline")}
    doc = json.loads(frame.set_index("policy_name").loc["AWSGlueConsoleFullAccess", "document"])
    passrole = [s for s in doc["Statement"] if "iam:PassRole" in json.dumps(s.get("Action"))]
    assert any("AWSGlueServiceRole*" in json.dumps(s["Resource"]) for s in passrole)


def test_identity_statements_have_sources(target):
    p = _p(target)
    frame = c.fetch_identity_statements(target, p["user"])
    assert list(frame.columns) == frames.STATEMENT_COLUMNS
    deny = frame[frame.effect == "Deny"]
    assert len(deny) == 1 and deny.iloc[0].via_group == p["dev_group"] and deny.iloc[0].not_action
    passrole = frame[frame.action == "iam:PassRole"]
    assert set(passrole.via_group) == {p["glue_group"]} and len(passrole) == 3


def test_role_trust_rows(target):
    p = _p(target)
    frame = c.fetch_role(target, p["role"])
    assert list(frame.columns) == frames.TRUST_COLUMNS
    assert frame.loc[0, "principal"] == "glue.amazonaws.com" and frame.loc[0, "principal_type"] == "Service"
    assert frame.loc[0, "role_arn"] == f"arn:aws:iam::{p['account_id']}:role/{p['role']}"
    # a role ARN is accepted as well as a name
    assert c.fetch_role(target, frame.loc[0, "role_arn"]).equals(frame)


def test_job_resolves_role(target):
    p = _p(target)
    frame = c.fetch_job(target, p["job"])
    assert list(frame.columns) == frames.JOB_COLUMNS
    assert frame.loc[0, "role_as_stored"] == p["role"]
    assert frame.loc[0, "role_arn"] == f"arn:aws:iam::{p['account_id']}:role/{p['role']}"


def test_scps_not_in_an_organization(target):
    frame = c.fetch_service_control_policies(target)
    assert list(frame.columns) == frames.SCP_COLUMNS and frame.empty


@pytest.mark.parametrize("step,kind", [
    (lambda t: c.fetch_user_policies(t, "no-such-user"), "user 'no-such-user' not found"),
    (lambda t: c.fetch_user_groups(t, "no-such-user"), "user 'no-such-user' not found"),
    (lambda t: c.fetch_role(t, "no-such-role"), "role 'no-such-role' not found"),
    (lambda t: c.fetch_job(t, "no-such-job"), "Glue job 'no-such-job' not found"),
])
def test_unknown_names_are_clear_errors(target, step, kind):
    with pytest.raises(NotFoundError) as err:
        step(target)
    assert kind in str(err.value)


def test_malformed_arn_is_clear(target):
    with pytest.raises(KitError, match="malformed ARN"):
        c.fetch_role(target, "arn:aws:iam:role")


def test_call_tally_counts_operations(shared_sandbox):
    before = dict(shared_sandbox.calls)
    c.fetch_user_groups(shared_sandbox, _p(shared_sandbox)["user"])
    tally = c.render_call_tally(shared_sandbox)
    assert list(tally.columns) == frames.CALL_COLUMNS
    counts = dict(zip(tally.operation, tally.calls, strict=True))
    assert counts["iam:ListGroupsForUser"] - before.get("iam:ListGroupsForUser", 0) == 1
    assert counts["iam:GetPolicyVersion"] - before.get("iam:GetPolicyVersion", 0) == 1


def test_sandbox_round_trip_through_snapshot_gives_same_frames(shared_sandbox, tmp_path):
    sandbox = shared_sandbox
    from glue_iam_kit.files import write_json_atomic

    path = tmp_path / "snap.json"
    write_json_atomic(str(path), build_snapshot(sandbox))
    snap = SnapshotTarget.from_file(str(path))
    p = _p(sandbox)
    for fetch in (lambda t: c.fetch_caller_identity(t, p["account_id"]),
                  lambda t: c.fetch_user_policies(t, p["user"]),
                  lambda t: c.fetch_user_groups(t, p["user"]),
                  lambda t: c.fetch_identity_statements(t, p["user"]),
                  lambda t: c.fetch_role(t, p["role"]),
                  lambda t: c.fetch_role_policies(t, p["role"]),
                  c.fetch_service_control_policies):
        pd.testing.assert_frame_equal(fetch(sandbox), fetch(snap))
    # job timestamps pass through JSON as text
    assert fetch_job_without_time(sandbox, p) == fetch_job_without_time(snap, p)


def fetch_job_without_time(target, p):
    return c.fetch_job(target, p["job"]).drop(columns=["last_modified"]).to_dict("records")


def test_snapshot_keeps_only_policies_in_use(shared_sandbox):
    sandbox = shared_sandbox
    data = build_snapshot(sandbox)
    arns = {p["Arn"] for p in data["AuthorizationDetails"]["Policies"]}
    assert arns == {"arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess"}


def test_bare_authorization_details_is_accepted(shared_sandbox):
    sandbox = shared_sandbox
    data = build_snapshot(sandbox)
    bare = json.loads(json.dumps(data["AuthorizationDetails"], default=str))
    # the CLI may print documents URL-encoded, and moto omits PolicyName/PolicyId
    for g in bare["GroupDetailList"]:
        for p in g["GroupPolicyList"]:
            from urllib.parse import quote

            p["PolicyDocument"] = quote(json.dumps(p["PolicyDocument"]))
    snap = SnapshotTarget(bare)
    p = _p(sandbox)
    assert len(c.fetch_user_groups(snap, p["user"])) == 2
    with pytest.raises(CouldNotCheck, match="no Jobs"):
        c.fetch_job(snap, p["job"])
    with pytest.raises(CouldNotCheck, match="no CallerIdentity"):
        c.fetch_caller_identity(snap)


def test_a_null_glue_list_is_not_recorded_not_empty(tmp_path):
    """README: null in an optional top-level key means "not recorded" (could not check), never "none found"."""
    path = tmp_path / "s.json"
    path.write_text('{"format": "glue-iam-kit/snapshot@1", "AuthorizationDetails": {}, "Jobs": null, '
                    '"Crawlers": null}')
    snap = SnapshotTarget.from_file(str(path))
    with pytest.raises(CouldNotCheck, match="has no Jobs"):
        snap.get_job("nightly")
    with pytest.raises(CouldNotCheck, match="has no Crawlers"):
        snap.get_glue_resource("crawler", "c")


@pytest.mark.parametrize("content,message", [
    ("", "not valid JSON"),
    ('{"format": "glue-iam-kit/snapshot@1", "AuthorizationDetails": {"UserDetailList": [', "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"hello": 1}', "neither a glue-iam-kit snapshot"),
    ('{"format": "glue-iam-kit/snapshot@1", "Jobs": []}', "a glue-iam-kit snapshot without AuthorizationDetails"),
    ('{"format": "other@9", "AuthorizationDetails": {}}', "unknown format"),
])
def test_bad_snapshot_files_are_clear(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(KitError, match=message):
        SnapshotTarget.from_file(str(path))


def test_missing_snapshot_file_is_clear(tmp_path):
    with pytest.raises(KitError, match="not found"):
        SnapshotTarget.from_file(str(tmp_path / "nope.json"))
