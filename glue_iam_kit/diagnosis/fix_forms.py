"""Every fix in the three forms a team applies it in: the AWS CLI command, a CloudFormation snippet and a
Terraform snippet (pure text), rendered from the fix record alone (:func:`render_forms`). The record is the
source of truth: the reports render it after it was anonymised (its values are placeholders then), the notebook
before; nothing rewrites the rendered text afterwards. Every document the forms put is the record's ``policy``.
Where a stack owns the principal, the template is the place to change: a direct ``put-*-policy`` would drift.

Forms by where the grant goes:
- user / group / role: ``aws iam put-{user,group,role}-policy``; ``AWS::IAM::Policy`` (users, groups) or
  ``AWS::IAM::RolePolicy``; ``aws_iam_{user,group,role}_policy`` over an ``aws_iam_policy_document``;
- permission set (IAM Identity Center): ``aws sso-admin put-inline-policy-to-permission-set`` with the whole
  merged document (the call replaces it), then ``provision-permission-set``; the ``InlinePolicy`` of the
  ``AWS::SSO::PermissionSet``; ``aws_ssoadmin_permission_set_inline_policy``;
- permissions boundary: a new default version of the boundary policy (or, for an AWS managed boundary, a
  customer managed copy made the boundary); ``AWS::IAM::ManagedPolicy``; ``aws_iam_policy``;
- KMS key policy: ``aws kms put-key-policy`` with the whole merged policy; the ``KeyPolicy`` of the
  ``AWS::KMS::Key``; the ``policy`` of the ``aws_kms_key``.

Values are quoted for their language, never pasted: ``shlex.quote`` for a POSIX shell, JSON strings for YAML,
HCL strings with ``${`` escaped (a policy variable such as ``${aws:username}`` is IAM's, not Terraform's).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

_CLI_FLAGS = {"user": "--user-name", "group": "--group-name", "role": "--role-name"}
_CFN_TARGET = {"user": ("AWS::IAM::Policy", "Users"), "group": ("AWS::IAM::Policy", "Groups"),
               "role": ("AWS::IAM::RolePolicy", "RoleName")}
_TF_LISTS = (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
             ("NotResource", "not_resources"))


def compact(doc: dict[str, Any]) -> str:
    """A document as the CLI passes it: compact JSON."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _q(value: str) -> str:
    return shlex.quote(value)


def _tf_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()).strip("_") or "fix"


def _template_escape(m: re.Match[str]) -> str:
    return "$${" if m.group(0) == "${" and m.group(1) is not None else m.group(0)[0] + "\\u007b"


def hcl_string(value: Any) -> str:
    """*value* as an HCL string literal: JSON escapes, template sequences escaped — a policy variable
    ``${aws:username}`` as Terraform writes it (``$${aws:username}``), any other ``${`` or ``%{`` with its brace
    as ``\\u007b`` (every HCL parser reads that; not every one reads ``%%{`` or an unclosed ``$${``)."""
    text = json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
    return re.sub(r"[$%]\{(?=([^}\\\"]*\}))?", _template_escape, text)


def _hcl_list(values: Any) -> str:
    values = values if isinstance(values, list) else [values]
    return "[" + ", ".join(hcl_string(_scalar(v)) for v in values) + "]"


def _scalar(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def render_cli(fix: dict[str, Any]) -> str:
    where, principal, name, doc = fix["where"], fix["principal"], fix["policy_name"], fix["policy"]
    with_profile = f" --profile {_q(fix['profile'])}" if fix.get("profile") else ""
    if where in _CLI_FLAGS:
        return (f"aws iam put-{where}-policy{with_profile} {_CLI_FLAGS[where]} {_q(principal)} --policy-name "
                f"{_q(name)} --policy-document {_q(compact(doc))}")
    if where == "permission-set":
        s = fix.get("sso") or {}
        instance = _q(s.get("instance_arn") or "<instance-arn>")
        ps = _q(s.get("permission_set_arn") or "<permission-set-arn>")
        account = _q(s.get("account") or "<account-id>")
        return (f"aws sso-admin put-inline-policy-to-permission-set{with_profile} --instance-arn {instance} "
                f"--permission-set-arn {ps} --inline-policy {_q(compact(doc))}\n"
                f"aws sso-admin provision-permission-set{with_profile} --instance-arn {instance} "
                f"--permission-set-arn {ps} --target-type AWS_ACCOUNT --target-id {account}")
    if where == "boundary" and fix.get("boundary_of"):
        # An AWS managed boundary: a customer managed copy with the grant becomes the boundary.
        entity = fix["boundary_of"]
        return (f"aws iam create-policy{with_profile} --policy-name {_q(name)} --policy-document "
                f"{_q(compact(doc))}\n"
                f"aws iam put-{entity['kind']}-permissions-boundary{with_profile} --{entity['kind']}-name "
                f"{_q(entity['name'])} --permissions-boundary {_q(fix['policy_arn'])}")
    if where == "boundary":
        return (f"aws iam create-policy-version{with_profile} --policy-arn {_q(fix['policy_arn'])} "
                f"--set-as-default --policy-document {_q(compact(doc))}")
    if where == "key-policy":
        return (f"aws kms put-key-policy{with_profile} --key-id {_q(principal)} --policy-name default "
                f"--policy {_q(compact(doc))}")
    return ""


def render_cloudformation(fix: dict[str, Any]) -> str:
    where, principal, name = fix["where"], fix["principal"], fix["policy_name"]
    body = json.dumps(fix["policy"], ensure_ascii=False)
    if where in _CFN_TARGET:
        rtype, prop = _CFN_TARGET[where]
        value = json.dumps(principal) if prop == "RoleName" else f"[{json.dumps(principal)}]"
        logical = re.sub(r"[^A-Za-z0-9]", "", name) or "Fix"
        return (f"{logical}:\n  Type: {rtype}\n  Properties:\n    PolicyName: {json.dumps(name)}\n"
                f"    {prop}: {value}\n    PolicyDocument: {body}")
    if where == "permission-set":
        return f"# in the AWS::SSO::PermissionSet named {principal}: the whole inline policy\nInlinePolicy: {body}"
    if where == "boundary":
        return f"# in the AWS::IAM::ManagedPolicy {principal}: the whole document\nPolicyDocument: {body}"
    if where == "key-policy":
        return f"# in the AWS::KMS::Key {principal}: the whole key policy\nKeyPolicy: {body}"
    return ""


def _tf_principals(block: str, principal: Any) -> list[str]:
    if principal == "*":
        principal = {"*": ["*"]}
    out = []
    for ptype, ids in (principal or {}).items():
        out += [f"    {block} {{", f"      type        = {hcl_string(ptype)}",
                f"      identifiers = {_hcl_list(ids)}", "    }"]
    return out


def render_tf_document(ref: str, doc: dict[str, Any]) -> str:
    """An ``aws_iam_policy_document`` data source that renders exactly *doc* (statements, principals,
    conditions)."""
    out = [f'data "aws_iam_policy_document" "{ref}" {{']
    if doc.get("Version") and doc["Version"] != "2012-10-17":
        out.append(f"  version = {hcl_string(doc['Version'])}")
    statements = doc.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        out.append("  statement {")
        if st.get("Sid"):
            out.append(f"    sid       = {hcl_string(st['Sid'])}")
        out.append(f"    effect    = {hcl_string(st.get('Effect', 'Allow'))}")
        for key, tf in _TF_LISTS:
            if key in st:
                out.append(f"    {tf:<9} = {_hcl_list(st[key])}")
        out += _tf_principals("principals", st.get("Principal"))
        out += _tf_principals("not_principals", st.get("NotPrincipal"))
        for test, keys in (st.get("Condition") or {}).items():
            for variable, values in keys.items():
                out += ["    condition {", f"      test     = {hcl_string(test)}",
                        f"      variable = {hcl_string(variable)}", f"      values   = {_hcl_list(values)}", "    }"]
        out.append("  }")
    out.append("}")
    return "\n".join(out)


def render_terraform(fix: dict[str, Any]) -> str:
    where, principal, name = fix["where"], fix["principal"], fix["policy_name"]
    ref = _tf_name(name)
    document = render_tf_document(ref, fix["policy"])
    policy = f"data.aws_iam_policy_document.{ref}.json"
    if where in _CLI_FLAGS:
        return (f"{document}\n\nresource \"aws_iam_{where}_policy\" \"{ref}\" {{\n  name   = {hcl_string(name)}\n"
                f"  {where:<6} = {hcl_string(principal)}\n  policy = {policy}\n}}")
    if where == "permission-set":
        s = fix.get("sso") or {}
        return (f"{document}\n\n# the whole inline policy of permission set {principal}\n"
                f"resource \"aws_ssoadmin_permission_set_inline_policy\" \"{ref}\" {{\n"
                f"  instance_arn       = {hcl_string(s.get('instance_arn') or '<instance-arn>')}\n"
                f"  permission_set_arn = {hcl_string(s.get('permission_set_arn') or '<permission-set-arn>')}\n"
                f"  inline_policy      = {policy}\n}}")
    if where == "boundary":
        return f"{document}\n\n# the aws_iam_policy of the boundary {principal}: policy = {policy}"
    if where == "key-policy":
        return f"{document}\n\n# the aws_kms_key {principal}: policy = {policy}"
    return ""


def render_tag_command(alt: dict[str, Any]) -> str:
    """The tag change that keeps an attribute-based design: ``aws iam tag-role`` with the tags the grant expects."""
    pairs = " ".join(_q(f"Key={k},Value={v}") for k, v in alt["tags"].items())
    return f"aws iam tag-role --role-name {_q(alt['role'])} --tags {pairs}"


def render_forms(fix: dict[str, Any]) -> dict[str, str]:
    """{"cli", "cloudformation", "terraform"} for one fix record (``where``, ``principal``, ``policy_name``,
    ``policy``, and ``profile``, ``sso``, ``policy_arn``, ``boundary_of`` where they apply)."""
    return {"cli": render_cli(fix), "cloudformation": render_cloudformation(fix), "terraform": render_terraform(fix)}
