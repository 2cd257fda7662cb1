"""An AccessDenied for another action than iam:PassRole (the runtime role's s3:GetObject during a run, its
kms:Decrypt) is investigated for that action, on its resource and the denied principal: the PassRole-only steps
say so, the bucket or key policy takes part where it can be read, and the fix is that action on that resource."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.fix import refusal
from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.engine.marks import strip_marks
from glue_iam_kit.model import INFO
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.snapshot import SnapshotTarget, build_snapshot
from tests.diagnosis.fix_checks import assert_forms_put_the_policy

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/etl-runtime-role"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/etl-runtime-role/GlueJobRunnerSession"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OBJECT = "arn:aws:s3:::example-etl-data/raw/orders/2026-12-01.csv"
BUCKET = "arn:aws:s3:::example-etl-data"


def _denied(action: str, resource: str, cause: str = "no identity-based policy allows the {a} action") -> str:
    return (f"User: {SESSION} is not authorized to perform: {action} on resource: {resource} because "
            + cause.format(a=action))


@pytest.fixture(scope="module")
def snapshot() -> dict:
    with open_target("sandbox", scenario="runtime-role-s3-read") as t:
        return json.loads(json.dumps(build_snapshot(t), default=str))


def _investigate(data: dict, error_text: str, policies: dict | None = None) -> Investigation:
    data = json.loads(json.dumps(data))
    if policies is not None:
        data["ResourcePolicies"] = policies
    inv = Investigation(SnapshotTarget(data), error_text=error_text)
    inv.run()
    return inv


def test_the_sandbox_scenario_gets_a_fix_for_its_own_action():
    inv = open_investigation("sandbox", scenario="runtime-role-s3-read")
    try:
        inv.run()
        assert [v["verdict"] for v in inv.verdicts] == ["no-allow"]
        for key in ("trust", "job"):
            assert inv.finding(key).status == INFO
            assert inv.finding(key).summary.startswith("not an iam:PassRole error")
        assert inv.finding("simulate").title == "Simulate s3:GetObject on the resource in the error"
        policy, ref = inv.evidence.resource_policy()
        assert ref.kind == "s3-bucket" and policy is not None and not inv.evidence.resource_note
        fix = inv.fix
        assert (fix["where"], fix["principal"], fix["policy_name"]) == ("role", "etl-runtime-role", "AllowS3GetObject")
        assert fix["policy"]["Statement"] == [{"Sid": "AllowS3GetObject", "Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": OBJECT}]
        assert "iam:PassRole" not in json.dumps(fix)
        assert [w["as_expected"] for w in inv.what_if] == [True, True, True]
        assert "passes no role" not in inv.finding("verdict").summary
        assert inv.results()["rule"].startswith("A Glue job's runtime role needs its own grants")
    finally:
        inv.target.close()


def test_a_key_policy_that_does_not_delegate_decides_and_gets_the_fix(snapshot):
    own = {"Version": "2012-10-17", "Statement": [{"Sid": "Admins", "Effect": "Allow", "Principal": {
        "AWS": f"arn:aws:iam::{ACCOUNT}:role/KeyAdmins"}, "Action": "kms:*", "Resource": "*"}]}
    inv = _investigate(snapshot, _denied("kms:Decrypt", KEY), {KEY: own})
    layer = inv.layers[-1].decision
    assert (layer.decision, layer.blocked_by) == ("implicitDeny", "resource")
    fix = inv.fix
    assert (fix["where"], fix["principal"]) == ("key-policy", KEY)
    assert fix["statement"][0]["Principal"] == {"AWS": ROLE_ARN}  # the role, never its session
    cli = fix["forms"]["cli"]
    cli = strip_marks(cli)  # as people see it (the anonymiser reads the marks)
    assert cli.startswith(f"aws kms put-key-policy --key-id {KEY} --policy-name default --policy '")
    merged = json.loads(cli.split("--policy '", 1)[1].rstrip("'"))
    assert [s.get("Sid") for s in merged["Statement"]] == ["Admins", "AllowKmsDecrypt"]  # the old policy kept
    assert merged == fix["policy"]  # fix.policy is what the command puts
    assert_forms_put_the_policy(fix)
    assert [w["as_expected"] for w in inv.what_if] == [True, True]
    assert refusal(fix).startswith("not applied: the kit does not change a key-policy; apply it by hand")


def test_a_key_policy_that_delegates_lets_identity_policies_decide(snapshot):
    delegate = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}
    inv = _investigate(snapshot, _denied("kms:Decrypt", KEY), {KEY: delegate})
    assert inv.layers[-1].decision.blocked_by == "identity"
    assert inv.fix["where"] == "role" and inv.fix["policy"]["Statement"][0]["Resource"] == KEY


def test_a_bucket_policy_deny_is_the_explicit_deny(snapshot):
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoRaw", "Effect": "Deny", "Principal": {"AWS": ROLE_ARN},
                                                    "Action": "s3:GetObject", "Resource": f"{BUCKET}/raw/*"}]}
    inv = _investigate(snapshot, _denied("s3:GetObject", OBJECT, "an explicit deny in a resource-based policy"),
                       {BUCKET: deny})
    v = inv.verdicts[0]
    assert (v["verdict"], v["policy_type"], v["restriction"]) == ("explicit-deny", "resource", "resource")
    assert v["policy"] == "bucket policy of example-etl-data"
    assert "evidence-disagrees" not in [x["verdict"] for x in inv.verdicts]


def test_an_unread_resource_policy_is_could_not_check_not_silence(snapshot):
    inv = _investigate(snapshot, _denied("s3:GetObject", OBJECT))
    f = inv.finding("simulate")
    assert "could not check" in f.summary and "bucket policy of example-etl-data" in f.summary
    assert [v["verdict"] for v in inv.verdicts] == ["no-allow"]


def test_the_report_says_what_was_denied_and_hides_the_bucket(tmp_path):
    from glue_iam_kit.cli import main

    assert main(["investigate", "--sandbox", "runtime-role-s3-read", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert md.startswith("# Postmortem: arn:aws:sts::<account-id>:assumed-role/<role-1>/GlueJobRunnerSession was "
                         "denied s3:GetObject")
    for secret in ("example-etl-data", "orders", "2026-12-01", "etl-runtime-role", ACCOUNT, "nightly-orders"):
        assert secret not in md, secret
    assert "Grant iam:PassRole" not in md


def test_object_key_parts_are_not_names_that_rewrite_the_prose(snapshot):
    """An object key spelling kit words ("policy", "identity") is anonymised inside its ARN only."""
    from glue_iam_kit.reports.anonymise import Anonymiser

    inv = _investigate(snapshot, _denied("s3:GetObject", f"{BUCKET}/policy/identity"), {BUCKET: None})
    text = json.dumps(Anonymiser(inv.identifiers()).anonymise_object(inv.results()))
    assert "no identity policy allows s3:GetObject" in text
    assert "arn:aws:s3:::<bucket-1>/<resource-" in text and "/policy/identity" not in text
    assert "example-etl-data" not in text
