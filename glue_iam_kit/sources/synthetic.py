"""A synthetic account snapshot (N users, M roles, G groups, P policies) with realistic mixes, for tests and
benchmarks: the Glue managed policies (console access for people, the service role for job roles), PassRole
grants exact and wildcard, over-broad ones (``*``, NotAction), conditions on iam:PassedToService, a policy
variable, an MFA-enforcement deny, a deny on production roles, permissions boundaries and SCP levels.
Deterministic per seed."""

from __future__ import annotations

import json
import random
from typing import Any

from glue_iam_kit.sources.snapshot import FORMAT

GLUE_CONSOLE_PASSROLE = [
    {"Sid": "BaseAppPermissions", "Effect": "Allow", "Action": ["glue:*", "iam:ListRoles", "iam:GetRole"],
     "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/AWSGlueServiceRole*",
     "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/AWSGlueServiceNotebookRole*",
     "Condition": {"StringLike": {"iam:PassedToService": ["ec2.amazonaws.com"]}}},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/service-role/AWSGlueServiceRole*",
     "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}},
]
# AWSGlueServiceRole (abridged): what Glue job roles carry. It grants no iam:PassRole.
GLUE_SERVICE_ROLE = [
    {"Effect": "Allow", "Action": ["glue:*", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets",
                                   "s3:GetBucketAcl", "ec2:Describe*", "iam:ListRolePolicies", "iam:GetRole",
                                   "iam:GetRolePolicy", "cloudwatch:PutMetricData"], "Resource": ["*"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"]},
]
MFA_DENY = [{"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
             "NotAction": ["iam:GetUser", "iam:ListMFADevices", "sts:GetSessionToken"], "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _managed(arn: str, name: str, statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"PolicyName": name, "Arn": arn, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": _doc(statements)}]}


TEAMS = ("data", "web", "ml", "ops", "finance")


def synthetic_snapshot(users: int = 20, roles: int = 30, groups: int = 6, policies: int = 12, seed: int = 7,
                       account: str = "111122223333", tags: bool = False) -> dict[str, Any]:
    """A snapshot in the ``glue-iam-kit/snapshot@1`` format. With *tags*, users and roles carry a ``team`` tag and
    some policies grant PassRole by the role's tag (a fixed team, or the caller's own: attribute-based)."""
    rng = random.Random(seed)
    role_specs = []
    for i in range(roles):
        kind = rng.choice(["glue-named", "service-role", "custom", "custom", "etl", "prod", "personal"])
        path, name = {"glue-named": ("/", f"AWSGlueServiceRole-{i}"),
                      "service-role": ("/service-role/", f"AWSGlueServiceRole{i}"),
                      "custom": ("/", f"app-{i}-runtime"), "etl": ("/", f"etl-{i}"), "prod": ("/", f"prod-{i}"),
                      "personal": ("/", f"user-{rng.randrange(max(1, users))}-sandbox-{i}")}[kind]
        role_specs.append((path, name, f"arn:aws:iam::{account}:role{path}{name}"))

    def passrole(resource: str, service: str | list[str] | None) -> dict[str, Any]:
        st: dict[str, Any] = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource}
        if service:
            st["Condition"] = {"StringEquals": {"iam:PassedToService": service}}
        return st

    customer = [_managed("arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess", "AWSGlueConsoleFullAccess",
                         GLUE_CONSOLE_PASSROLE)]
    for i in range(policies):
        shape = i % 9 if tags else i % 7
        target_role = rng.choice(role_specs)[2]
        statements = [
            [passrole(target_role, "glue.amazonaws.com")],
            [passrole(f"arn:aws:iam::{account}:role/etl-*", ["glue.amazonaws.com", "ec2.amazonaws.com"])],
            [passrole("*", None)],  # over-broad: Access Analyzer warns
            [passrole(target_role, "lambda.amazonaws.com"), {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            MFA_DENY,
            # a policy variable: each user may pass their own sandbox roles (principal-specific decisions)
            [passrole(f"arn:aws:iam::{account}:role/${{aws:username}}-sandbox-*", "glue.amazonaws.com")],
            # an explicit deny on production roles, and a NotAction grant that includes iam:PassRole
            [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{account}:role/prod-*"},
             {"Effect": "Allow", "NotAction": ["iam:CreateUser", "iam:DeleteUser"], "Resource": "*"}],
            # tag-based: roles of one team, and (attribute-based) roles of the caller's own team
            [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {
                "iam:ResourceTag/team": rng.choice(TEAMS), "iam:PassedToService": "glue.amazonaws.com"}}}],
            [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {
                "iam:ResourceTag/team": "${aws:PrincipalTag/team}", "iam:PassedToService": "glue.amazonaws.com"}}}],
        ][shape]
        customer.append(_managed(f"arn:aws:iam::{account}:policy/team-policy-{i}", f"team-policy-{i}", statements))
    boundary = _managed(f"arn:aws:iam::{account}:policy/DeveloperBoundary", "DeveloperBoundary",
                        [{"Effect": "Allow", "Action": ["glue:*", "s3:*", "logs:*"], "Resource": "*"}])
    customer.append(boundary)
    attachable = [p for p in customer if p["PolicyName"] != "DeveloperBoundary"]

    group_list = []
    for g in range(groups):
        attached = rng.sample(attachable, k=min(len(attachable), rng.randint(1, 3)))
        group_list.append({"GroupName": f"group-{g}", "Arn": f"arn:aws:iam::{account}:group/group-{g}",
                           "GroupPolicyList": [],
                           "AttachedManagedPolicies": [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]}
                                                       for p in attached]})
    user_list = []
    for u in range(users):
        entry: dict[str, Any] = {
            "UserName": f"user-{u}", "Arn": f"arn:aws:iam::{account}:user/user-{u}", "Path": "/",
            "GroupList": [g["GroupName"] for g in rng.sample(group_list, k=rng.randint(1, min(2, groups)))],
            "AttachedManagedPolicies": [], "UserPolicyList": []}
        if tags:
            entry["Tags"] = [{"Key": "team", "Value": rng.choice(TEAMS)}]
        if rng.random() < 0.2:
            entry["UserPolicyList"].append({"PolicyName": "own-passrole", "PolicyDocument": _doc(
                [passrole(rng.choice(role_specs)[2], "glue.amazonaws.com")])})
        if rng.random() < 0.15:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                            "PermissionsBoundaryArn": boundary["Arn"]}
        user_list.append(entry)
    trust = _doc([{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    glue_service = _managed("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole", "AWSGlueServiceRole",
                            GLUE_SERVICE_ROLE)
    customer.append(glue_service)
    role_list = []
    for path, name, arn in role_specs:
        attached = rng.sample(attachable, k=rng.randint(0, 1))
        if "Glue" in name or name.startswith("etl-"):
            attached.append(glue_service)
        role_list.append({"RoleName": name, "Path": path, "Arn": arn, "AssumeRolePolicyDocument": trust,
                          "RolePolicyList": [], "AttachedManagedPolicies": [
                              {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in attached]})
        if tags:
            role_list[-1]["Tags"] = [{"Key": "team", "Value": rng.choice(TEAMS)}]
    scps = [[_doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])],
            [_doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
             _doc([{"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}])]]
    return json.loads(json.dumps({
        "format": FORMAT, "CallerIdentity": {"Account": account, "Arn": f"arn:aws:iam::{account}:user/auditor",
                                             "UserId": "AIDASYNTHETIC0000001"},
        "Region": "ap-northeast-1",
        "AuthorizationDetails": {"UserDetailList": user_list, "GroupDetailList": group_list,
                                 "RoleDetailList": role_list, "Policies": customer},
        "Jobs": [{"Name": f"job-{i}", "Role": arn} for i, (_, _, arn) in enumerate(role_specs[:: max(1, roles // 10)])],
        "ServiceControlPolicies": scps}))


def synthetic_org(out_dir: str, accounts: int = 6, users: int = 20, roles: int = 30, seed: int = 7,
                  progress: bool = False) -> list[str]:
    """An organisation as ``org snapshot`` writes it: ``<out_dir>/<account-id>.json`` for *accounts* accounts,
    each its own synthetic account (seeded per account: different grants and over-broad shapes). Returns the
    paths."""
    from pathlib import Path

    from glue_iam_kit.files import write_json_atomic

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(accounts):
        account = f"{200000000000 + i * 1111:012d}"
        data = synthetic_snapshot(users=users, roles=roles, groups=max(2, users // 12), policies=max(7, users // 5),
                                  seed=seed + i, account=account, tags=i % 3 == 2)
        path = out / f"{account}.json"
        write_json_atomic(path, data)
        paths.append(str(path))
    return paths
