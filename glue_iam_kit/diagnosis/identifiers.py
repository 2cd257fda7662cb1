"""Every identifier the reports must anonymise, gathered from what the investigation saw: the principal, its
groups, the role, the Glue resources, the accounts, the investigator, and every name the target lists."""

from __future__ import annotations

import re
from typing import Any

from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.resource_policy import resource_policy_ref
from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.errors import ArnError, CouldNotCheck, KitError
from glue_iam_kit.principals.base import CLOUDFORMATION_STACK_TAG, tag_map
from glue_iam_kit.principals.identity_center import permission_set_name

_LIST_KEYS = ("users", "roles", "groups", "jobs", "policies", "accounts", "sessions", "permission_sets", "stacks",
              "crawlers", "glue_sessions", "dev_endpoints", "ml_transforms", "buckets", "kms_keys",
              "app_ids", "aws_policies")
# An SDK's user agent carries the application id it was configured with (``app/<id>``, the SDKs' "user agent
# app id" setting): often a team, pipeline or person's name. Access key ids and addresses are found by shape.
_APP_ID = re.compile(r"(?:^|\s)app/([^\s/]+)")


def is_person(session: str) -> bool:
    """A role session named after a person (an e-mail address, as Identity Center and most SAML logins name
    them), rather than a tool (GitHubActions, AWSCodeBuild-..., botocore-session-...)."""
    return "@" in session


def _add_session(ids: dict[str, Any], session: str) -> None:
    if not session:
        return
    if is_person(session) and not ids["user"]:
        ids["user"] = session  # the person behind the session: <human-user>
    else:
        ids["sessions"].append(session)


def _add_kind_names(ids: dict[str, Any], role_name: str, tags: dict[str, str]) -> None:
    ps = permission_set_name(role_name)
    if ps:
        ids["permission_sets"].append(ps)
    stack = tags.get(CLOUDFORMATION_STACK_TAG)
    if stack:
        ids["stacks"].append(stack)


def _add_action_resource(ids: dict[str, Any], arn: str) -> None:
    """The resource of a non-PassRole error: an S3 bucket, a KMS key id (both also named outside ARNs, as in
    "bucket policy of NAME"). An object key's parts are not names: they only appear inside the ARN, which is
    anonymised piece by piece; as names they would rewrite every word they spell ("policy", "identity")."""
    ref = resource_policy_ref(arn)
    if ref is not None:
        ids["buckets" if ref.kind == "s3-bucket" else "kms_keys"].append(ref.name)


def collect_identifiers(ev: Evidence) -> dict[str, Any]:
    """``{"user", "role", "job", "profile", "account", "investigator", "users", "roles", ...}`` for the Anonymiser."""
    is_job = ev.entry_point.name == "job"
    ids: dict[str, Any] = {"user": "", "role": ev.role_name, "job": ev.job if is_job else "", "profile": ev.profile,
                           "account": "", "service": ev.service, **{k: [] for k in _LIST_KEYS}}
    if not is_job and ev.job:
        ids[ev.entry_point.identifier_key].append(ev.job)
    try:
        ident = ev.caller_identity()  # step 1 read it already
        ids["investigator"] = ident["Arn"].rsplit("/", 1)[-1] if "/" in ident["Arn"] else ""
        ids["accounts"].append(ident["Account"])
    except (KitError, CouldNotCheck):
        pass
    try:
        pp = ev.principal
        ids["account"] = pp.account
        if pp.kind.has_groups:  # an IAM user: the person
            ids["user"] = pp.name
        else:
            ids["roles"].append(pp.name)
            _add_session(ids, pp.session)
        _add_kind_names(ids, pp.name, pp.tags)
        ids["groups"] = [g["GroupName"] for g in pp.groups]
        # AWS managed policies are AWS's (the one rule, glue_iam_kit.reports.aws_owned): named so they stay.
        ids["aws_policies"] = [r.source.name for r in [*pp.records, *([pp.boundary] if pp.boundary else [])]
                               if (r.source.arn or "").startswith("arn:aws:iam::aws:policy/")]
    except KitError:
        ids["user"] = ev.user.rsplit("/", 1)[-1]
    arns = [ev.error.principal, ev.error.resource] if ev.error else []
    if ev.error:
        ids["accounts"].append(ev.error.account)
    if ev.event is not None:  # the CloudTrail event: its principal, and the app id its user agent may carry
        arns.append(ev.event.principal)
        ids["app_ids"] += _APP_ID.findall(ev.event.user_agent)
    for arn in arns:
        try:
            a = parse_arn(arn)
        except ArnError:
            continue
        if a.service not in ("iam", "sts"):  # the resource of another action: added below
            continue
        if a.resource_type == "assumed-role":  # assumed-role/ROLE/SESSION
            parts = a.resource.split("/", 2)
            ids["roles"].append(parts[1])
            _add_session(ids, parts[2] if len(parts) > 2 else "")
        else:
            ids["roles" if a.resource_type == "role" else "users"].append(a.name)
    try:
        auth = ev.target.authorization_details(aws_managed=False)
        ids["users"] += [u["UserName"] for u in auth["UserDetailList"]]
        ids["groups"] += [g["GroupName"] for g in auth["GroupDetailList"]]
        ids["roles"] += [r["RoleName"] for r in auth["RoleDetailList"]]
        for entity in (*auth["RoleDetailList"], *auth["UserDetailList"]):
            _add_kind_names(ids, entity.get("RoleName", ""), tag_map(entity))
        ids["policies"] += [p.get("PolicyName") or p["Arn"].rsplit("/", 1)[-1] for p in auth["Policies"]
                            if not p.get("Arn", "").startswith("arn:aws:iam::aws:")]
    except (KitError, CouldNotCheck):
        pass
    try:
        ids[ev.entry_point.identifier_key] += ev.entry_point.list_names(ev.target)
    except (KitError, CouldNotCheck):
        pass
    _add_action_resource(ids, ev.action_resource)
    if ev.job_frame is not None and not ev.job_frame.empty:
        ids["roles"].append(ev.job_frame.loc[0, "role_name"])
    for key in _LIST_KEYS:
        ids[key] = sorted({x for x in ids[key] if x})
    return ids
