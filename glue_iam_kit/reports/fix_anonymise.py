"""The fix of an anonymised report, anonymised as data and rendered after (pure).

The fix record (:func:`glue_iam_kit.diagnosis.fix.fix_record`) holds typed values: the principal by its kind,
ARNs, the whole policy document and the added statements, the profile, Identity Center ids. Each is replaced by
its placeholder (:class:`~glue_iam_kit.reports.anonymise.Anonymiser`, so placeholders are the ones the rest of
the report uses), and the CLI, CloudFormation and Terraform forms are then rendered from the anonymised record.
The rendered code is never rewritten afterwards: a name that is also a word of the forms (``Policy``, ``data``,
``Statement``) cannot corrupt it. The names the kit generated (the fix's policy name and Sids, such as
``AllowPassGlueRuntimeRoleToGlue``) are the kit's words, not the customer's, and stay.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from glue_iam_kit.diagnosis.fix import render_fix
from glue_iam_kit.diagnosis.fix_forms import render_tag_command
from glue_iam_kit.engine.policy import as_list
from glue_iam_kit.reports.anonymise import Anonymiser
from glue_iam_kit.reports.aws_owned import is_aws_owned
from glue_iam_kit.reports.typed import anonymise_record

# The placeholder kind of the principal, by where the fix goes (a key policy's principal is the key's ARN).
_PRINCIPAL_LABELS = {"user": "user", "group": "group", "role": "role", "permission-set": "permission-set",
                     "boundary": "policy"}
# The fix record's fields read by type below (the others are prose, anonymised as text).
_TYPED = {"where", "principal_type", "principal", "policy_name", "policy", "statement", "profile", "policy_arn",
          "sso", "boundary_of", "alternatives"}
# Sids AWS writes itself (the default key policy of a KMS key): AWS's vocabulary, kept.
_AWS_SIDS = {"Enable IAM User Permissions", "Allow access for Key Administrators", "Allow use of the key",
             "Allow attachment of persistent resources"}
# Values AWS defines for its condition keys (aws:PrincipalType, S3 encryption and ACLs, ...): AWS's words.
_AWS_VALUES = {"Account", "User", "FederatedUser", "AssumedRole", "Anonymous", "AWS_ACCOUNT", "aws:kms",
               "aws:kms:dsse", "AES256", "private", "public-read", "bucket-owner-full-control",
               "bucket-owner-read", "authenticated-read", "STANDARD", "GLACIER"}
_REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d")
_TIME = re.compile(r"\d{4}-\d\d-\d\d(?:T[\d:.]+Z?)?")
_VARIABLE = re.compile(r"(?:\$\{[\w:/.-]+\}|[*?])+")


def _value(a: Anonymiser, value: str, label: str) -> str:
    """One whole identifier of the fix record (*label*: ``group``, ``policy``, ``account``...): the placeholder it
    has everywhere else, or a new one. Placeholders and AWS-owned names stay."""
    if not value or re.fullmatch(r"<[\w-]+>", value) or a.is_aws(value):
        return value
    return a.placeholder_for(label, value)


def kit_names(fix: dict[str, Any] | None) -> set[str]:
    """The names the kit generated for *fix* (its policy name, its statements' Sids): never identifiers."""
    if not fix or not fix.get("policy"):
        return set()
    names = {st.get("Sid") for st in fix.get("statement") or [] if st.get("Sid")}
    if fix["where"] != "boundary" or fix.get("boundary_of"):
        names.add(fix.get("policy_name") or "")
    return {n for n in names if n}


def without_kit_names(identifiers: dict[str, Any], fix: dict[str, Any] | None) -> dict[str, Any]:
    """*identifiers* without the kit's own names (a customer policy named ``AllowPassGlueRuntimeRoleToGlue``
    is the kit's earlier fix: the kit's word, not the customer's)."""
    kit = kit_names(fix)
    if not kit:
        return identifiers
    return {k: ([x for x in v if x not in kit] if isinstance(v, list) else ("" if v in kit else v))
            for k, v in identifiers.items()}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def anonymise_condition_value(value: Any, a: Anonymiser) -> Any:
    """A condition's value: AWS's vocabulary (service principals, regions, booleans, times, policy variables,
    wildcards) stays; an ARN, account or address by its placeholder; anything else is the customer's."""
    if not isinstance(value, str):
        return value
    if (value.lower() in ("true", "false") or value in _AWS_VALUES or value.endswith(".amazonaws.com")
            or _REGION.fullmatch(value) or _TIME.fullmatch(value) or _VARIABLE.fullmatch(value)
            or (value.isdigit() and len(value) < 12) or is_aws_owned(value)):
        return value
    if value.startswith("arn:"):
        return a.anonymise_arn(value)
    if value.isdigit():
        return _value(a, value, "account")
    return _value(a, value, "ip" if _is_ip(value) else "value")


def _principal(principal: Any, a: Anonymiser) -> Any:
    if not isinstance(principal, dict):
        return principal  # "*"
    out: dict[str, Any] = {}
    for kind, ids in principal.items():
        values = [v if kind == "Service" or not isinstance(v, str) or v.endswith(".amazonaws.com") or v == "*"
                  else a.anonymise_arn(v) if v.startswith("arn:")
                  else _value(a, v, "account" if v.isdigit() else "principal") for v in as_list(ids)]
        out[kind] = values if isinstance(ids, list) else values[0]
    return out


def anonymise_statement(st: dict[str, Any], a: Anonymiser, kit: set[str]) -> dict[str, Any]:
    """One statement, by the meaning of each of its elements."""
    out: dict[str, Any] = {}
    for key, value in st.items():
        if key == "Sid":
            out[key] = value if value in kit or value in _AWS_SIDS else _value(a, value, "sid")
        elif key in ("Resource", "NotResource"):
            values = [v if v == "*" else a.anonymise_arn(v) for v in as_list(value)]
            out[key] = values if isinstance(value, list) else values[0]
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _principal(value, a)
        elif key == "Condition":
            out[key] = {op: {k: ([anonymise_condition_value(v, a) for v in vs] if isinstance(vs, list)
                                 else anonymise_condition_value(vs, a)) for k, vs in keys.items()}
                        for op, keys in value.items()}
        else:  # Effect, Action, NotAction: AWS's words
            out[key] = value
    return out


def anonymise_document(doc: dict[str, Any], a: Anonymiser, kit: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("Statement", "Id")}
    if "Id" in doc:
        out["Id"] = _value(a, doc["Id"], "value")
    statements = doc.get("Statement", [])
    out["Statement"] = ([anonymise_statement(st, a, kit) for st in statements] if isinstance(statements, list)
                        else anonymise_statement(statements, a, kit))
    return {k: out[k] for k in doc}


def anonymise_fix(fix: dict[str, Any] | None, a: Anonymiser) -> dict[str, Any] | None:
    """*fix* with every value replaced by its placeholder and its forms rendered again from them; a fix without
    a policy (an SCP change for the organization's admins) is prose only."""
    if not fix or not fix.get("policy"):
        return a.anonymise_object(fix) if fix else fix
    kit = kit_names(fix)
    # Prose (note, managed_by, refused) and any field this module does not know yet: typed by its key (a stack named
    # "platform", a kit word, is only found as the stack of "CloudFormation stack NAME"), never as it is.
    out = {k: v if k in _TYPED else anonymise_record(a, v, k) for k, v in fix.items() if k not in ("forms", "command")}
    where, name = fix["where"], fix.get("policy_name") or ""
    out["principal"] = (a.anonymise_arn(fix["principal"]) if where == "key-policy" else
                        fix["principal"] if where == "boundary" and fix.get("boundary_of") else
                        _value(a, fix["principal"], _PRINCIPAL_LABELS.get(where, "principal")))
    out["policy_name"] = name if name in kit else _value(a, name, "policy")
    out["policy"] = anonymise_document(fix["policy"], a, kit)
    out["statement"] = [anonymise_statement(st, a, kit) for st in fix.get("statement") or []]
    if fix.get("profile"):
        out["profile"] = _value(a, fix["profile"], "profile")
    if fix.get("policy_arn"):
        out["policy_arn"] = a.anonymise_arn(fix["policy_arn"])
    if fix.get("sso"):
        out["sso"] = {k: _value(a, v, "account") if k == "account" else a.anonymise_arn(v)
                      for k, v in fix["sso"].items()}
    if fix.get("boundary_of"):
        kind = fix["boundary_of"]["kind"]
        out["boundary_of"] = {"kind": kind, "name": _value(a, fix["boundary_of"]["name"], kind)}
    if fix.get("alternatives"):
        out["alternatives"] = [_alternative(alt, a) for alt in fix["alternatives"]]
    return render_fix(out)


def _alternative(alt: dict[str, Any], a: Anonymiser) -> dict[str, Any]:
    out = {**alt, "why": a.anonymise_text(alt.get("why", ""))}
    if "role" in alt and "tags" in alt:
        out["role"] = _value(a, alt["role"], "role")
        out["tags"] = {k: anonymise_condition_value(v, a) for k, v in alt["tags"].items()}
        out["command"] = render_tag_command(out)
    else:
        out["command"] = a.anonymise_text(alt.get("command", ""))
    return out


def _blank_resource_type(node: Any) -> Any:
    """*node* with each ARN's resource type (``role/``, ``key/``: AWS's word) blanked, the code fields dropped."""
    if isinstance(node, str):
        parts = node.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[2] != "s3":
            return ":".join(parts[:5]) + ":" + re.sub(r"^[\w-]+(?=[/:])", " ", parts[5])
        return node
    if isinstance(node, list):
        return [_blank_resource_type(v) for v in node]
    if isinstance(node, dict):
        return {k: _blank_resource_type(v) for k, v in node.items() if k not in ("forms", "command")}
    return node


def fix_survivors(fix: dict[str, Any] | None, identifiers: dict[str, Any]) -> list[str]:
    """Real identifiers left in the anonymised fix's values (read by type: an ARN's resource type is AWS's word,
    a role named ``role`` is not found in ``role/<role-1>``); its code is rendered from these values."""
    import json

    from glue_iam_kit.reports.anonymise import find_survivors

    return find_survivors(json.dumps(_blank_resource_type(fix)), identifiers, "json") if fix else []


def fix_code_blocks(fix: dict[str, Any] | None) -> list[str]:
    """The code a reader copies from a fix (the policy as the reports print it, each form, each alternative's
    command), in a fixed order: the pieces no text pass may touch."""
    import json

    if not fix or not fix.get("policy"):
        return []
    forms = fix.get("forms") or {"cli": fix.get("command", "")}
    return ([json.dumps(fix["policy"], indent=2)] + [forms[k] for k in ("cli", "cloudformation", "terraform")
                                                     if forms.get(k)]
            + [alt["command"] for alt in fix.get("alternatives", []) if alt.get("command")])
