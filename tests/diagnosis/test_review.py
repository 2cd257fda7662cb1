"""The security review of every PassRole fix (diagnosis/review.py, issue 22): what passing the role gives. The
verdicts do not change; the postmortem names the escalation."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.diagnosis.review import REVIEW_KEYS
from glue_iam_kit.reports.bundle import render_outputs
from glue_iam_kit.sources.snapshot import FORMAT, SnapshotTarget
from glue_iam_kit.sources.synthetic import GLUE_CONSOLE_PASSROLE

ACCOUNT = "123456789012"
CONSOLE_ARN = "arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess"


def target(role_statements, user_statements=()) -> SnapshotTarget:
    """A developer with AWSGlueConsoleFullAccess (no PassRole on a custom-named role) and a job whose runtime
    role carries *role_statements*."""
    doc = {"Version": "2012-10-17", "Statement": role_statements}
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/nightly-etl-runtime"
    data = {"format": FORMAT, "CallerIdentity": {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                                                 "UserId": "AIDAEXAMPLE"},
            "Region": "eu-west-1", "ServiceControlPolicies": [],
            "Jobs": [{"Name": "nightly", "Role": role_arn,
                      "Command": {"Name": "glueetl", "ScriptLocation": "s3://team-scripts/nightly.py"}}],
            "AuthorizationDetails": {
                "UserDetailList": [{"UserName": "alice", "Arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "UserId": "AIDAX",
                                    "GroupList": ["GlueUsers"], "AttachedManagedPolicies": [],
                                    "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {
                                        "Version": "2012-10-17", "Statement": list(user_statements)}}]
                                    if user_statements else []}],
                "GroupDetailList": [{"GroupName": "GlueUsers", "Arn": f"arn:aws:iam::{ACCOUNT}:group/GlueUsers",
                                     "GroupPolicyList": [], "AttachedManagedPolicies": [
                                         {"PolicyName": "AWSGlueConsoleFullAccess", "PolicyArn": CONSOLE_ARN}]}],
                "RoleDetailList": [{"RoleName": "nightly-etl-runtime", "Arn": role_arn, "Path": "/",
                                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                                        {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
                                         "Action": "sts:AssumeRole"}]},
                                    "AttachedManagedPolicies": [],
                                    "RolePolicyList": [{"PolicyName": "runtime", "PolicyDocument": doc}]}],
                "Policies": [{"PolicyName": "AWSGlueConsoleFullAccess", "Arn": CONSOLE_ARN, "DefaultVersionId": "v1",
                              "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": {
                                  "Version": "2012-10-17", "Statement": GLUE_CONSOLE_PASSROLE}}]}]}}
    return SnapshotTarget(json.loads(json.dumps(data)))


def investigate(role_statements, user_statements=()):
    inv = Investigation(target(role_statements, user_statements), user="alice", job="nightly")
    inv.run()
    return inv


ADMIN = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
HAS_ALREADY = [{"Effect": "Allow", "Action": ["glue:GetJob", "glue:GetTable"], "Resource": "*"}]
LACKS = [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::team-data/*"}]


@pytest.mark.parametrize("role, escalation, admin", [(ADMIN, True, True), (HAS_ALREADY, False, False),
                                                     (LACKS, True, False)])
def test_every_passrole_fix_gets_a_review(role, escalation, admin):
    inv = investigate(role)
    assert [v["verdict"] for v in inv.verdicts] == ["no-allow"]  # the verdicts do not change
    review = inv.fix["review"]
    assert set(review) >= set(REVIEW_KEYS) == {"escalation", "admin", "gains", "routes"}
    assert (review["escalation"], review["admin"]) == (escalation, admin)
    assert (review["gains_count"] > 0) == escalation
    # AWSGlueConsoleFullAccess gives glue:*: with the fix, every PassRole route is open.
    assert {r["route"] for r in review["routes"]} >= {"job", "dev-endpoint", "session"}
    if role is LACKS:
        assert {(g["service"], g["access_level"]) for g in review["gains"]} == {("s3", "Read"), ("s3", "Write")}


def test_the_postmortem_names_the_escalation_anonymised():
    inv = investigate(ADMIN)
    results = inv.results()
    files = render_outputs(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                           results, inv.identifiers())
    md = files["report.md"]
    assert "**Warning:**" in md and "### Security review" in md and "ESCALATION" in md and "administrator" in md
    assert "Scope the runtime role" in md  # the action item
    assert 'id="review-warning"' in files["report.html"] and 'id="security-review"' in files["report.html"]
    for text in (md, files["report.html"], files["findings.json"]):
        assert "nightly-etl-runtime" not in text and ACCOUNT not in text
    assert json.loads(files["findings.json"])["fix"]["review"]["admin"] is True


def test_no_escalation_gives_no_warning():
    inv = investigate(HAS_ALREADY)
    from glue_iam_kit.reports.postmortem import render_postmortem_md

    md = render_postmortem_md(inv.results())
    assert "**Warning:**" not in md and "no escalation" in md


def test_a_broad_role_gets_a_narrower_alternative():
    scoped = investigate(LACKS).fix["review"]["scoped_role"]
    statements = {s["Sid"]: s for s in scoped["policy"]["Statement"]}
    assert statements["ReadOwnScript"]["Resource"] == "arn:aws:s3:::team-scripts/nightly.py"
    assert set(statements) == {"ReadOwnScript", "ReadCatalog", "OwnLogs", "GlueMetrics"}  # no --TempDir
    assert scoped["command"].startswith("aws iam put-role-policy --role-name nightly-etl-runtime ")
    assert "scoped_role" not in investigate(HAS_ALREADY).fix["review"]  # nothing to narrow


def test_a_principal_that_may_grant_itself_anything_gains_nothing():
    # iam:PutUserPolicy on every user: alice may give herself AdministratorAccess, so no role is an escalation
    admin_already = [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}]
    review = investigate(ADMIN, admin_already).fix["review"]
    assert (review["escalation"], review["gains_count"]) == (False, 0)
    assert review["admin"] is True  # the role still is one: said, but no warning


def test_a_role_that_reaches_what_the_principal_is_denied_is_an_escalation():
    # alice may do glue and s3 everywhere but payroll; the role may read every bucket, payroll included
    mine = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::payroll/*"}]
    review = investigate([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}], mine).fix["review"]
    assert (review["escalation"], review["admin"]) == (True, False)
    assert review["gains_count"] == 1


def test_a_route_open_without_the_fix_is_said_on_the_card_and_in_the_action_item():
    # alice may overwrite the job's script: the job runs her code as the role, no PassRole needed
    scripts = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::team-scripts/*"}]
    inv = investigate(LACKS, scripts)
    routes = {r["route"]: r for r in inv.fix["review"]["routes"]}
    assert routes["script"]["already_open"] and not routes["job"]["already_open"]
    from glue_iam_kit.reports.postmortem import render_postmortem_md

    md = render_postmortem_md(inv.results())
    card = md.split("## Summary", 1)[0]
    assert "**Warning:**" in card and "already run code as this role without the fix (route script)" in card
    assert "route script: s3:PutObject — open already, without this fix" in md
    assert "without this grant (route script)" in md.split("## Action items", 1)[1]
