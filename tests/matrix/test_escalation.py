"""Glue escalation routes (matrix/escalation.py over diagnosis/routes/): the public test beds as snapshots, each
route found, and the controls that must find none.

Shapes from: IAM-Vulnerable (BishopFox) privesc18 (glue:CreateDevEndpoint + iam:PassRole) and privesc19
(glue:CreateJob + glue:StartJobRun + iam:PassRole); CloudGoat's glue_privesc (a Glue admin user with
glue:CreateJob, glue:StartJobRun and PassRole on an ETL role with S3 and RDS full access); pathfinding.cloud's
Glue paths (dev endpoint create / update, job create + run, job create + trigger, job update, interactive
session); Rhino Security Labs' "AWS privilege escalation methods" (UpdateExistingGlueDevEndpoint).
"""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.matrix.escalation import compute_escalation
from glue_iam_kit.sources.snapshot import FORMAT, SnapshotTarget

ACCOUNT = "111122223333"
ADMIN = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
S3_RDS = [{"Effect": "Allow", "Action": ["s3:*", "rds:*"], "Resource": "*"}]  # AmazonS3FullAccess + RDS, abridged


def allow(*actions, resource="*"):
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource}


def role_arn(name):
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def trust(service="glue.amazonaws.com"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                    "Action": "sts:AssumeRole"}]}


def snapshot(user, role=ADMIN, role_trust="glue.amazonaws.com", boundary=None, scp=None, **glue):
    """One user (its inline statements), one runtime role, and the Glue resources given."""
    policies = []
    entry = {"UserName": "dev", "Arn": f"arn:aws:iam::{ACCOUNT}:user/dev", "GroupList": [],
             "AttachedManagedPolicies": [],
             "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": user}}]}
    if boundary is not None:
        arn = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
        policies.append({"PolicyName": "Boundary", "Arn": arn, "DefaultVersionId": "v1", "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": True,
             "Document": {"Version": "2012-10-17", "Statement": boundary}}]})
        entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
    roles = [{"RoleName": "runtime", "Arn": role_arn("runtime"), "Path": "/",
              "AssumeRolePolicyDocument": trust(role_trust), "AttachedManagedPolicies": [],
              "RolePolicyList": [{"PolicyName": "r", "PolicyDocument": {"Version": "2012-10-17", "Statement": role}}]}]
    data = {"format": FORMAT, "CallerIdentity": {"Account": ACCOUNT, "Arn": entry["Arn"], "UserId": "AIDAX"},
            "Region": "us-east-1", "Jobs": glue.get("jobs", []), "DevEndpoints": glue.get("endpoints", []),
            "Triggers": glue.get("triggers", []),
            "AuthorizationDetails": {"UserDetailList": [entry], "GroupDetailList": [], "RoleDetailList": roles,
                                     "Policies": policies},
            "ServiceControlPolicies": scp or []}
    return SnapshotTarget(json.loads(json.dumps(data)))


def found(target):
    return {(r.principal.rsplit("/", 1)[-1], r.role.rsplit("/", 1)[-1], r.route): r for r in compute_escalation(target)}


PASS = allow("iam:PassRole", resource=role_arn("runtime"))
JOB = {"Name": "nightly", "Role": role_arn("runtime"),
       "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts-bucket/nightly.py"}}
ENDPOINT = {"EndpointName": "dev-ep", "RoleArn": role_arn("runtime")}


@pytest.mark.parametrize("name, user, glue, route, actions", [
    ("privesc18", [allow("glue:CreateDevEndpoint", "glue:GetDevEndpoint"), allow("iam:PassRole")], {},
     "dev-endpoint", ("glue:CreateDevEndpoint", "iam:PassRole")),
    ("privesc19", [allow("glue:CreateJob", "glue:StartJobRun"), allow("iam:PassRole")], {},
     "job", ("glue:CreateJob", "iam:PassRole", "glue:StartJobRun")),
    ("job create + trigger", [allow("glue:CreateJob", "glue:CreateTrigger"), PASS], {},
     "job", ("glue:CreateJob", "iam:PassRole", "glue:CreateTrigger")),
    ("job update + run", [allow("glue:UpdateJob", "glue:StartJobRun",
                                resource=f"arn:aws:glue:us-east-1:{ACCOUNT}:job/nightly"), PASS], {"jobs": [JOB]},
     "job", ("glue:UpdateJob", "iam:PassRole", "glue:StartJobRun")),
    ("job update + its trigger", [allow("glue:UpdateJob", resource=f"arn:aws:glue:us-east-1:{ACCOUNT}:job/nightly"),
                                  allow("glue:StartTrigger", resource=f"arn:aws:glue:us-east-1:{ACCOUNT}:trigger/t1"),
                                  PASS],
     {"jobs": [JOB], "triggers": [{"Name": "t1", "Actions": [{"JobName": "nightly"}]}]},
     "job", ("glue:UpdateJob", "iam:PassRole", "glue:StartTrigger")),
    ("dev endpoint update", [allow("glue:UpdateDevEndpoint")], {"endpoints": [ENDPOINT]},
     "dev-endpoint-update", ("glue:UpdateDevEndpoint",)),
    ("interactive session", [allow("glue:CreateSession", "glue:RunStatement"), PASS], {},
     "session", ("glue:CreateSession", "glue:RunStatement", "iam:PassRole")),
    ("script overwrite", [allow("s3:PutObject", resource="arn:aws:s3:::scripts-bucket/*")], {"jobs": [JOB]},
     "script", ("s3:PutObject",)),
])
def test_every_route_is_found(name, user, glue, route, actions):
    routes = found(snapshot(user, **glue))
    row = routes[("dev", "runtime", route)]
    assert row.actions == actions
    assert row.admin and row.gains > 10_000 and not row.mfa
    assert row.gains_sample


def test_cloudgoat_glue_privesc_gives_s3_and_rds_not_admin():
    user = [allow("glue:CreateJob", "glue:StartJobRun", "glue:GetJob*", "glue:ListJobs"), PASS]
    row = found(snapshot(user, role=S3_RDS))[("dev", "runtime", "job")]
    assert not row.admin
    assert any(s.startswith(("s3:", "rds:")) for s in row.gains_sample)


@pytest.mark.parametrize("name, kwargs", [
    ("PassRole without any Glue action", {"user": [allow("iam:PassRole")]}),
    ("a role that gives nothing the principal lacks",
     {"user": [allow("glue:*", "s3:*"), PASS], "role": [allow("s3:GetObject", "glue:GetJob")]}),
    ("an admin principal", {"user": ADMIN}),
    ("a principal that may grant itself anything (iam:* without s3, ec2, ...)",
     {"user": [allow("glue:*"), PASS, allow("iam:*")]}),
    ("a principal that may attach any policy to any user",
     {"user": [allow("glue:*"), PASS, allow("iam:AttachUserPolicy")]}),
    ("a boundary without the Glue actions",
     {"user": [allow("glue:*"), PASS], "boundary": [allow("s3:*", "iam:PassRole")]}),
    ("a role whose trust does not name Glue", {"user": [allow("glue:*"), PASS], "role_trust": "ec2.amazonaws.com"}),
    ("an explicit deny on the create action",
     {"user": [allow("glue:CreateJob", "glue:StartJobRun", "glue:CreateDevEndpoint", "glue:CreateSession",
                     "glue:RunStatement"), PASS,
               {"Effect": "Deny", "Action": ["glue:Create*"], "Resource": "*"}]}),
    ("an SCP denying the create action",
     {"user": [allow("glue:CreateJob", "glue:StartJobRun"), PASS],
      "scp": [[{"Version": "2012-10-17", "Statement": [allow("*"), {"Effect": "Deny", "Action": "glue:CreateJob",
                                                                    "Resource": "*"}]}]]}),
])
def test_controls_find_none(name, kwargs):
    assert found(snapshot(**kwargs)) == {}


def test_a_route_that_needs_mfa_says_so():
    user = [allow("glue:CreateJob", "glue:StartJobRun"), PASS,
            {"Effect": "Deny", "NotAction": "iam:ListMFADevices", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]
    assert found(snapshot(user))[("dev", "runtime", "job")].mfa


def test_the_command_prints_json_and_writes_csv(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(snapshot([allow("glue:CreateDevEndpoint"), PASS]).data))
    out = tmp_path / "routes.csv"
    assert main(["escalation", "--snapshot", str(path), "--json", "--out", str(out)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["route"], r["admin"], r["mfa"]) for r in rows] == [("dev-endpoint", True, False)]
    assert set(rows[0]) == {"principal", "role", "route", "actions", "admin", "gains", "mfa"}
    assert rows[0]["gains"]["count"] > 0 and rows[0]["gains"]["sample"]
    assert out.read_text().splitlines()[0] == "principal,role,route,actions,admin,gains,gains_sample,mfa"


@pytest.mark.parametrize("command", [None, "x", {"ScriptLocation": 5}, {"ScriptLocation": ["s3://b/k"]}])
def test_a_hand_edited_job_command_gives_no_script_route_and_no_crash(command):
    job = {**JOB, "Command": command}
    user = [allow("s3:PutObject", resource="arn:aws:s3:::scripts-bucket/*")]
    assert ("dev", "runtime", "script") not in found(snapshot(user, jobs=[job]))


def test_json_output_still_says_what_could_not_be_checked(tmp_path, capsys):
    data = snapshot([allow("glue:CreateDevEndpoint"), PASS]).data
    data["AuthorizationDetails"]["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"] = {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    assert main(["escalation", "--snapshot", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "could not check: " + role_arn("runtime") + ": what it may do: " in captured.err
    assert captured.err.count("could not check") == 1


def test_a_principal_denied_part_of_what_the_role_may_gains_it():
    # the role reads every bucket; the principal may too, except payroll: the role gives payroll
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::payroll/*"}
    user = [allow("glue:CreateJob", "glue:StartJobRun"), PASS, allow("s3:*")]
    assert found(snapshot(user, role=[allow("s3:*")])) == {}  # the control: nothing the principal lacks
    row = found(snapshot([*user, deny], role=[allow("s3:*")]))[("dev", "runtime", "job")]
    assert not row.admin and row.gains > 0


def region_guardrail(*regions):
    """An SCP denying every region but *regions*, global services exempt (as AWS Control Tower's)."""
    return [[{"Version": "2012-10-17", "Statement": [allow("*"), {
        "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"], "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(regions)}}}]}]]


@pytest.mark.parametrize("regions, listed", [(("us-east-1", "eu-west-1"), True), (("eu-west-1",), False)])
def test_a_region_guardrail_applies_to_the_routes_in_the_glue_region(regions, listed):
    # the snapshot's region is us-east-1: the Glue calls are made there (aws:RequestedRegion)
    rows = found(snapshot([allow("glue:CreateJob", "glue:StartJobRun"), PASS], scp=region_guardrail(*regions)))
    assert (("dev", "runtime", "job") in rows) == listed
    if listed:
        assert rows[("dev", "runtime", "job")].admin


def test_a_role_limited_to_a_region_is_still_admin_through_iam():
    # IAM calls carry aws:RequestedRegion us-east-1: "*" there is admin
    role = [{"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]
    assert found(snapshot([allow("glue:CreateJob", "glue:StartJobRun"), PASS], role=role))[
        ("dev", "runtime", "job")].admin


def test_a_route_that_needs_a_recent_mfa_sign_in_is_found_with_mfa():
    # an MFA session carries aws:MultiFactorAuthAge: a policy that tests it opens the route with MFA only
    recent = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
    user = [{**allow("glue:CreateJob", "glue:StartJobRun"), "Condition": recent}, PASS]
    assert found(snapshot(user))[("dev", "runtime", "job")].mfa


def test_passrole_under_a_region_guardrail_without_exemptions_is_decided_in_the_glue_region():
    # an SCP denying everything outside us-east-1 (IAM not exempted): PassRole rides on the Glue call there
    scp = [[{"Version": "2012-10-17", "Statement": [allow("*"), {
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}}]}]]
    user = [allow("glue:CreateJob", "glue:StartJobRun"), PASS]
    row = found(snapshot(user, scp=scp))[("dev", "runtime", "job")]
    assert row.admin and not row.mfa


def test_a_session_tagged_as_the_policy_asks_is_a_route():
    # AWS's AwsGlueSessionUserRestrictedPolicy, abridged: sessions only with the tag owner = the caller's user id
    owner = {"StringEquals": {"aws:RequestTag/owner": "${aws:userid}"},
             "ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}
    run = {"StringEquals": {"aws:ResourceTag/owner": "${aws:userid}"}}
    sessions = "arn:aws:glue:*:*:session/*"

    def shape(run_condition):
        target = snapshot([{**allow("glue:CreateSession", resource=sessions), "Condition": owner},
                           {**allow("glue:RunStatement", resource=sessions), "Condition": run_condition}, PASS])
        target.data["AuthorizationDetails"]["UserDetailList"][0]["UserId"] = "AIDAEXAMPLEDEV"
        return found(target)

    assert ("dev", "runtime", "session") in shape(run)
    # the control: statements only on sessions someone else owns
    assert ("dev", "runtime", "session") not in shape({"StringEquals": {"aws:ResourceTag/owner": "someone-else"}})


@pytest.mark.parametrize("source_arn, listed", [
    (f"arn:aws:glue:us-east-1:{ACCOUNT}:job/*", True),  # the confused-deputy pattern: Glue acts for a job here
    (f"arn:aws:glue:*:{ACCOUNT}:*", True),
    (f"arn:aws:glue:us-east-1:{ACCOUNT}:crawler/only-this-crawler", False),  # no route runs a crawler
    ("arn:aws:glue:us-east-1:999999999999:job/*", False),
])
def test_a_trust_pinned_to_glue_source_arns_is_decided_for_the_routes_resources(source_arn, listed):
    target = snapshot([allow("glue:CreateJob", "glue:StartJobRun"), PASS])
    role = target.data["AuthorizationDetails"]["RoleDetailList"][0]
    role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": source_arn}}
    assert (("dev", "runtime", "job") in found(target)) == listed
