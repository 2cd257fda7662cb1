"""Every fix in the three forms a team applies it in: the AWS CLI command, a CloudFormation snippet and a
Terraform snippet (pure text). Where a stack owns the principal, the template is the place to change: a direct
``put-*-policy`` would drift from it.

Forms by where the grant goes:
- user / group / role: ``aws iam put-{user,group,role}-policy``; ``AWS::IAM::Policy`` (users, groups) or
  ``AWS::IAM::RolePolicy``; ``aws_iam_{user,group,role}_policy`` over an ``aws_iam_policy_document``;
- permission set (IAM Identity Center): ``aws sso-admin put-inline-policy-to-permission-set`` with the whole
  merged document (the call replaces it), then ``provision-permission-set``; the ``InlinePolicy`` of the
  ``AWS::SSO::PermissionSet``; ``aws_ssoadmin_permission_set_inline_policy``;
- permissions boundary: a new default version of the boundary policy; ``AWS::IAM::ManagedPolicy``;
  ``aws_iam_policy``;
- KMS key policy: ``aws kms put-key-policy`` with the whole merged policy; the ``KeyPolicy`` of the
  ``AWS::KMS::Key``; the ``policy`` of the ``aws_kms_key``.
"""

from __future__ import annotations

import json
import re
from typing import Any

_CLI_FLAGS = {"user": "--user-name", "group": "--group-name", "role": "--role-name"}
_CFN_TARGET = {"user": ("AWS::IAM::Policy", "Users"), "group": ("AWS::IAM::Policy", "Groups"),
               "role": ("AWS::IAM::RolePolicy", "RoleName")}


def _compact(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _tf_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()).strip("_") or "fix"


def render_cli(where: str, principal: str, name: str, doc: dict[str, Any], profile: str = "",
               sso: dict[str, str] | None = None) -> str:
    with_profile = f" --profile {profile}" if profile else ""
    if where in _CLI_FLAGS:
        return (f"aws iam put-{where}-policy{with_profile} {_CLI_FLAGS[where]} {principal} --policy-name {name} "
                f"--policy-document '{_compact(doc)}'")
    if where == "permission-set":
        s = sso or {}
        instance, ps = s.get("instance_arn") or "<instance-arn>", s.get("permission_set_arn") or "<permission-set-arn>"
        account = s.get("account") or "<account-id>"
        return (f"aws sso-admin put-inline-policy-to-permission-set{with_profile} --instance-arn {instance} "
                f"--permission-set-arn {ps} --inline-policy '{_compact(doc)}'\n"
                f"aws sso-admin provision-permission-set{with_profile} --instance-arn {instance} "
                f"--permission-set-arn {ps} --target-type AWS_ACCOUNT --target-id {account}")
    if where == "boundary":
        return (f"aws iam create-policy-version{with_profile} --policy-arn {principal} --set-as-default "
                f"--policy-document '{_compact(doc)}'")
    if where == "key-policy":
        return (f"aws kms put-key-policy{with_profile} --key-id {principal} --policy-name default "
                f"--policy '{_compact(doc)}'")
    return ""


def render_cloudformation(where: str, principal: str, name: str, doc: dict[str, Any]) -> str:
    body = json.dumps(doc)
    if where in _CFN_TARGET:
        rtype, prop = _CFN_TARGET[where]
        value = principal if prop == "RoleName" else f"[{principal}]"
        return (f"{name}:\n  Type: {rtype}\n  Properties:\n    PolicyName: {name}\n    {prop}: {value}\n"
                f"    PolicyDocument: {body}")
    if where == "permission-set":
        return (f"# in the AWS::SSO::PermissionSet named {principal}: the whole inline policy\n"
                f"InlinePolicy: {body}")
    if where == "boundary":
        return f"# in the AWS::IAM::ManagedPolicy {principal}: the whole document\nPolicyDocument: {body}"
    if where == "key-policy":
        return f"# in the AWS::KMS::Key {principal}: the whole key policy\nKeyPolicy: {body}"
    return ""


def _tf_document(ref: str, doc: dict[str, Any]) -> str:
    out = [f'data "aws_iam_policy_document" "{ref}" {{']
    for st in doc.get("Statement", []):
        out.append("  statement {")
        if st.get("Sid"):
            out.append(f'    sid       = "{st["Sid"]}"')
        out.append(f'    effect    = "{st.get("Effect", "Allow")}"')
        for key, tf in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                        ("NotResource", "not_resources")):
            if key in st:
                values = st[key] if isinstance(st[key], list) else [st[key]]
                out.append(f"    {tf:<9} = {json.dumps(values)}")
        for test, keys in (st.get("Condition") or {}).items():
            for variable, values in keys.items():
                values = values if isinstance(values, list) else [values]
                out += ["    condition {", f'      test     = "{test}"', f'      variable = "{variable}"',
                        f"      values   = {json.dumps(values)}", "    }"]
        out.append("  }")
    out.append("}")
    return "\n".join(out)


def render_terraform(where: str, principal: str, name: str, doc: dict[str, Any],
                     sso: dict[str, str] | None = None) -> str:
    ref = _tf_name(name)
    document = _tf_document(ref, doc)
    policy = f"data.aws_iam_policy_document.{ref}.json"
    if where in _CLI_FLAGS:
        return (f"{document}\n\nresource \"aws_iam_{where}_policy\" \"{ref}\" {{\n  name   = \"{name}\"\n"
                f"  {where:<6} = \"{principal}\"\n  policy = {policy}\n}}")
    if where == "permission-set":
        return (f"{document}\n\n# the whole inline policy of permission set {principal}\n"
                f"resource \"aws_ssoadmin_permission_set_inline_policy\" \"{ref}\" {{\n"
                f"  instance_arn       = \"{(sso or {}).get('instance_arn') or '<instance-arn>'}\"\n"
                f"  permission_set_arn = \"{(sso or {}).get('permission_set_arn') or '<permission-set-arn>'}\"\n"
                f"  inline_policy      = {policy}\n}}")
    if where == "boundary":
        return f"{document}\n\n# the aws_iam_policy of the boundary {principal}: policy = {policy}"
    if where == "key-policy":
        return f"{document}\n\n# the aws_kms_key {principal}: policy = {policy}"
    return ""


def render_forms(where: str, principal: str, name: str, doc: dict[str, Any], profile: str = "",
                 sso: dict[str, str] | None = None) -> dict[str, str]:
    """{"cli", "cloudformation", "terraform"} for one fix."""
    return {"cli": render_cli(where, principal, name, doc, profile, sso),
            "cloudformation": render_cloudformation(where, principal, name, doc),
            "terraform": render_terraform(where, principal, name, doc, sso)}
