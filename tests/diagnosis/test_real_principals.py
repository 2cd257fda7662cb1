"""Real principals, judged by what AWS does, in ``investigate`` and ``matrix`` alike: tag-based PassRole (ABAC),
tag guard-rails, service-linked roles under SCPs, Version 2008-10-17 policies, Identity Center and
CloudFormation-managed principals and the fixes AWS accepts for them."""

from __future__ import annotations

import copy
import json

import pytest

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.engine.marks import strip_marks
from glue_iam_kit.matrix import evaluate_matrix
from glue_iam_kit.sources.snapshot import SnapshotTarget
from tests.diagnosis.fix_checks import assert_forms_put_the_policy

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/etl-runtime"
GLUE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _role(name, path="/", tags=None, policies=None):
    return {"RoleName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}", "RoleId": f"AROA{name.upper()[:8]}",
            "Path": path, "AssumeRolePolicyDocument": GLUE_TRUST, "AttachedManagedPolicies": [],
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (policies or {}).items()]}


def _snapshot(principal, roles=(), scps=()):
    data = {"format": "glue-iam-kit/snapshot@1", "Region": "eu-west-1",
            "CallerIdentity": {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor", "UserId": "X"},
            "ServiceControlPolicies": [list(level) for level in scps],
            "AuthorizationDetails": {"UserDetailList": [], "GroupDetailList": [], "Policies": [],
                                     "RoleDetailList": [principal, *roles]}}
    return data


def _both(data, principal_arn, role_arn=ROLE):
    inv = Investigation(SnapshotTarget(copy.deepcopy(data)), user=principal_arn, role=role_arn)
    inv.step("trust")
    inv.step("simulate")
    frame = evaluate_matrix(SnapshotTarget(copy.deepcopy(data)))
    row = frame[(frame.principal_arn == principal_arn) & (frame.role_arn == role_arn)]
    return inv.layers[0].decision.decision, str(row.decision.iloc[0]), inv


ABAC = _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:ResourceTag/team": "${aws:PrincipalTag/team}",
                                            "iam:PassedToService": "glue.amazonaws.com"}}})
GUARD = _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE},
             {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
              "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}})


@pytest.mark.parametrize("policy,role_team,want", [
    (ABAC, "data", "allowed"),            # tags match: AWS allows
    (ABAC, "web", "implicitDeny"),        # tags differ
    (GUARD, "data", "allowed"),           # the guard-rail does not fire for a matching tag
    (GUARD, "web", "explicitDeny"),       # ... and does for another team's role
])
def test_tag_based_passrole(policy, role_team, want):
    ci = _role("ci", tags={"team": "data"}, policies={"Pass": policy})
    data = _snapshot(ci, [_role("etl-runtime", tags={"team": role_team})])
    local, matrix, _ = _both(data, ci["Arn"])
    assert local == matrix == want


def test_a_tag_mismatch_offers_the_tag_change_that_keeps_the_design():
    ci = _role("ci", tags={"team": "data"}, policies={"Pass": ABAC})
    inv = Investigation(SnapshotTarget(_snapshot(ci, [_role("etl-runtime", tags={"team": "web"})])),
                        user=ci["Arn"], role=ROLE)
    inv.run()
    alternatives = inv.fix["alternatives"]
    assert alternatives[0]["keeps_design"] and "tag-role" in alternatives[0]["command"]
    assert "Key=team,Value=data" in strip_marks(alternatives[0]["command"])  # as people see it


def test_scps_never_apply_to_a_service_linked_role():
    deny = _doc({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    allow_all = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    slr = _role("AWSServiceRoleForExample", path="/aws-service-role/example.amazonaws.com/",
                policies={"Pass": _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE})})
    data = _snapshot(slr, [_role("etl-runtime")], scps=[[allow_all, deny]])
    local, matrix, inv = _both(data, slr["Arn"])
    assert local == matrix == "allowed"
    assert inv.principal.principal_type == "service-linked"


def test_a_2008_policy_reads_variables_literally():
    old = {"Version": "2008-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/${{aws:username}}*"}]}
    ci = _role("ci", policies={"Pass": old})
    data = _snapshot(ci, [_role("etl-runtime")])
    local, matrix, inv = _both(data, ci["Arn"])
    assert local == matrix == "implicitDeny"
    assert "literal text" in inv.layers[0].decision.notes[0]


def test_identity_center_gets_a_permission_set_fix_never_put_role_policy():
    sso = _role("AWSReservedSSO_DataEngineer_0123456789abcdef",
                path="/aws-reserved/sso.amazonaws.com/eu-west-1/",
                policies={"Glue": _doc({"Effect": "Allow", "Action": "glue:*", "Resource": "*"})})
    data = _snapshot(sso, [_role("etl-runtime")])
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{sso['RoleName']}/jane@example.com"
    inv = Investigation(SnapshotTarget(data), user=session, role=ROLE)
    inv.run(apply_fix=True)
    fix = inv.fix
    assert inv.principal.principal_type == "identity-center" and inv.principal.session == "jane@example.com"
    assert fix["where"] == "permission-set" and fix["principal"] == "DataEngineer"
    assert "put-role-policy" not in fix["command"] and "put-inline-policy-to-permission-set" in fix["command"]
    assert "provision-permission-set" in fix["command"]
    assert set(fix["forms"]) == {"cli", "cloudformation", "terraform"}
    assert inv.finding("verify").status == "could not check"


def test_a_cloudformation_managed_role_is_named_with_its_stack_and_not_changed():
    ci = _role("ci", tags={"aws:cloudformation:stack-name": "etl-pipeline"},
               policies={"Glue": _doc({"Effect": "Allow", "Action": "glue:*", "Resource": "*"})})
    inv = Investigation(SnapshotTarget(_snapshot(ci, [_role("etl-runtime")])), user=ci["Arn"], role=ROLE)
    inv.run()
    fix = inv.fix
    assert fix["where"] == "role" and fix["managed_by"] == "CloudFormation stack etl-pipeline"
    assert "AWS::IAM::RolePolicy" in fix["forms"]["cloudformation"]
    assert 'resource "aws_iam_role_policy"' in fix["forms"]["terraform"]
    assert "change the template" in fix["note"]


@pytest.mark.parametrize("scenario,secrets", [
    ("identity-center", ["jane@example.com", "DataEngineer", "AWSReservedSSO_DataEngineer"]),
    ("ci-oidc-role", ["GitHubActions", "github-deployer", "example-org/etl"]),
    ("cloudformation-managed-role", ["etl-pipeline", "AWSCodeBuild-0f1e2d3c"]),
])
def test_anonymised_findings_carry_no_session_permission_set_or_stack_name(scenario, secrets):
    from tests.diagnosis.test_golden import scenario_findings

    text = json.dumps(scenario_findings(scenario))
    assert not [s for s in secrets if s in text]
    assert "<session-1>" in text or "<human-user>" in text or "<stack-1>" in text


def test_the_aws_target_reads_a_permission_set_through_sso_admin():
    """The aws path, with botocore's Stubber standing in for sso-admin (read-only calls only)."""
    from botocore.stub import Stubber

    from glue_iam_kit.sources.aws import AwsTarget, make_session

    target = AwsTarget(make_session(region="eu-west-1", credentials=("testing", "testing", None)))
    sso = target.client("sso-admin")
    instance, ps = "arn:aws:sso:::instance/ssoins-1", "arn:aws:sso:::permissionSet/ssoins-1/ps-1"
    with Stubber(sso) as stub:
        stub.add_response("list_instances", {"Instances": [{"InstanceArn": instance}]})
        stub.add_response("list_permission_sets", {"PermissionSets": [ps]})
        stub.add_response("describe_permission_set", {"PermissionSet": {"Name": "DataEngineer",
                                                                        "PermissionSetArn": ps}})
        stub.add_response("get_inline_policy_for_permission_set",
                          {"InlinePolicy": json.dumps(_doc({"Effect": "Allow", "Action": "s3:GetObject",
                                                            "Resource": "*"}))})
        found = target.find_permission_set("DataEngineer")
        stub.assert_no_pending_responses()
    assert found["instance_arn"] == instance and found["permission_set_arn"] == ps
    assert found["inline_policy"]["Statement"][0]["Action"] == "s3:GetObject"


def test_an_aws_managed_boundary_is_replaced_never_versioned():
    glue = _doc({"Effect": "Allow", "Action": "glue:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE})
    ci = {**_role("ci", policies={"Pass": glue}),
          "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                  "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess"}}
    data = _snapshot(ci, [_role("etl-runtime")])
    data["AuthorizationDetails"]["Policies"].append({
        "PolicyName": "AWSGlueConsoleFullAccess", "Arn": "arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess",
        "DefaultVersionId": "v1", "PolicyVersionList": [{
            "VersionId": "v1", "IsDefaultVersion": True,
            "Document": _doc({"Effect": "Allow", "Action": "glue:*", "Resource": "*"})}]})
    inv = Investigation(SnapshotTarget(data), user=ci["Arn"], role=ROLE)
    inv.run()
    fix = inv.fix
    assert fix["where"] == "boundary" and "create-policy-version" not in fix["command"]
    assert "aws iam put-role-permissions-boundary" in fix["command"] and "arn:aws:iam::aws:policy" not in \
        fix["command"].split("--permissions-boundary")[1]
    assert_forms_put_the_policy(fix)  # the copy carries the AWS managed boundary's statements and the grant
