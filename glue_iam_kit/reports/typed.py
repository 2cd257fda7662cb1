"""Data fields are typed by their key (pure): one table from a findings key (an evidence column, a verdict's
field, a policy element) to the kind of identifier its value is, and the walk that anonymises a findings
document by it. A typed value is replaced whole (an S3 key with a space is one value), never scanned for names;
prose fields are anonymised as prose (:meth:`Anonymiser.anonymise_text`: marks, then shapes).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from glue_iam_kit.reports.aws_owned import is_aws_operation
from glue_iam_kit.reports.freetext import anonymise_error_text, anonymise_user_agent
from glue_iam_kit.reports.vocabulary import is_kit_name

if TYPE_CHECKING:
    from glue_iam_kit.reports.anonymise import Anonymiser

# key -> kind (glue_iam_kit.engine.marks.KINDS). Values that are ARNs are anonymised as ARNs whatever the kind.
KEY_KINDS = {
    "principal": "principal", "user": "user", "user_name": "user", "trusted": "principal",
    "role": "role", "role_name": "role", "on": "role", "role_as_stored": "role", "job_role": "role",
    "investigated_role": "role",
    "role_arn": "arn", "arn": "arn", "group_arn": "arn", "policy_arn": "arn", "boundary_arn": "arn",
    "resource": "arn", "Resource": "arn", "NotResource": "arn", "Principal": "arn", "NotPrincipal": "arn",
    "AWS": "arn",
    "group": "group", "group_name": "group", "via_group": "group",
    "policy": "policy", "policy_name": "policy", "policy_id": "policy",
    "sid": "sid", "Sid": "sid",
    "job": "job", "job_name": "job", "name": "job",
    "session": "session", "path": "path",
    "account": "account", "actual": "account", "expected_account": "account", "access_key_id": "account",
    "source_ip": "value",
}
# Prose the kit wrote (identifiers marked), or free text a person pasted.
FREE_TEXT = {"error_text", "text", "error_message"}
# A failure row's "value" is typed by its "what".
WHAT_KINDS = {"principal": "principal", "role": "role", "job": "job", "crawler": "job", "dev-endpoint": "job",
              "ml-transform": "job", "session": "job", "resource": "arn", "error: account": "account"}
_LABELS = {"principal": "principal", "tag": "tag-value", "value": "value", "text": "text", "stack": "stack",
           "path": "path", "sid": "sid", "policy": "policy", "group": "group", "user": "user", "role": "role",
           "job": "job", "session": "session", "bucket": "bucket", "kms-key": "kms-key", "resource": "resource",
           "permission-set": "permission-set", "account": "account", "arn": "resource"}
_STACK = "CloudFormation stack "
_SHAPED = re.compile(r"\d{12}|[0-9a-fA-F.:]+(?:/\d{1,3})?|s3://\S+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PLACEHOLDER = re.compile(r"<[a-z]+(?:-[a-z]+)*(?:-\d+)?>")
_PATH_WORDS = {"service-role", "aws-service-role", "aws-reserved", "sso.amazonaws.com"}
# Not names: wildcards, and the kit's own stand-ins ("(from the job)", "(not given)").
_NOT_A_NAME = re.compile(r"[*?]+|\(.*\)")
_BARE_NAME = re.compile(r"[\w+=,.@/:-]*[A-Za-z][\w+=,.@/:-]*")


def context_value_kind(key: str) -> str:
    """The kind of a value a condition or request context key holds: a tag value under a ``.../tag/...`` key."""
    return "tag" if "tag/" in key.lower() else "value"


def label_for(kind: str, value: str) -> str:
    """The placeholder label for a new value of *kind*: an e-mail address says so."""
    if _EMAIL.fullmatch(value):
        return "email"
    return _LABELS.get(kind, kind if re.fullmatch(r"[a-z]+(?:-[a-z]+)*", kind) else "identifier")


def is_kit_grant(kind: str, value: str) -> bool:
    """A policy or Sid the kit names its grants so (``AllowPassGlueRuntimeRoleToGlue``): kept, and no survivor."""
    return kind in ("policy", "sid") and is_kit_name(value) and value.startswith("Allow")


def anonymise_typed(anon: Anonymiser, kind: str, value: str) -> str:
    """One value of *kind*, whole: AWS's stays; an ARN piece by piece; a path piece by piece; free text
    allow-listed; every other name by its placeholder."""
    if (not value or _PLACEHOLDER.fullmatch(value) or _NOT_A_NAME.fullmatch(value) or anon.is_aws(value, kind)
            or is_kit_grant(kind, value)):
        return value
    if value in anon.mapping:  # a known identifier: its placeholder, whatever the field calls it
        return anon.mapping[value]
    if value.startswith("arn:"):
        return anon.anonymise_arn(value)
    if kind == "text":
        return anon.placeholder_for(kind, value)
    if kind in ("arn", "account"):
        shaped = anon.anonymise_text(value)  # shapes: an account, an IP, an S3 URI, a partial ARN
        # A resource an error names without an ARN ("on resource: etl-role"): one name, never kept as it is.
        return anon.placeholder_for("resource", value) if shaped == value and _BARE_NAME.fullmatch(value) else shaped
    if kind == "value" and _SHAPED.fullmatch(value):
        return anon.anonymise_text(value)  # an account, an address or range, an S3 URI: by their shape
    if kind == "path":
        return "/".join(p if not p or p in _PATH_WORDS or anon.is_aws(p) else anon.placeholder_for("path", p)
                        for p in value.split("/"))
    return anon.placeholder_for(kind, value)


def _condition(anon: Anonymiser, block: Any) -> Any:
    """A policy's Condition block: operators and keys are AWS's; values are typed (tags as tag values)."""
    if not isinstance(block, dict):
        return anonymise_record(anon, block)
    out = {}
    for op, keys in block.items():
        if not isinstance(keys, dict):
            out[op] = anonymise_record(anon, keys)
            continue
        out[op] = {key: _values(anon, context_value_kind(key), values)
                   for key, values in keys.items()}
    return out


def _values(anon: Anonymiser, kind: str, values: Any) -> Any:
    if isinstance(values, list):
        return [_values(anon, kind, v) for v in values]
    return anon.typed(kind, values) if isinstance(values, str) else values


def _json_text(anon: Anonymiser, text: str) -> str | None:
    """A JSON object written into a field (a verdict's details, a trust condition): anonymised as data."""
    if not text.startswith(("{", "[")):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return json.dumps(anonymise_record(anon, data), separators=(",", ":") if ", " not in text else None,
                      ensure_ascii=False, default=str)


def anonymise_record(anon: Anonymiser, obj: Any, key: str = "") -> Any:
    """A findings document (or part of it), every value typed by its key."""
    from glue_iam_kit.reports.anonymise import _is_vocabulary

    if isinstance(obj, list):
        return [anonymise_record(anon, v, key) for v in obj]
    if isinstance(obj, dict):
        if "ContextKeyName" in obj:  # a request context entry: its values by its key
            kind = context_value_kind(str(obj["ContextKeyName"]))
            return {**obj, "ContextKeyValues": _values(anon, kind, obj.get("ContextKeyValues"))}
        if "what" in obj and "value" in obj and isinstance(obj["value"], str):
            kind = WHAT_KINDS.get(str(obj["what"]))
            if kind:
                return {**obj, "value": anon.typed(kind, obj["value"])}
        out = {}
        for k, v in obj.items():
            if _is_vocabulary(k, v):
                out[k] = v
            elif k in ("Condition", "condition") and isinstance(v, dict):
                out[k] = _condition(anon, v)
            elif k == "tags" and isinstance(v, dict):
                out[k] = {tk: _values(anon, "tag", tv) for tk, tv in v.items()}
            else:
                out[k] = anonymise_record(anon, v, k)
        return out
    if not isinstance(obj, str):
        return obj
    if key in FREE_TEXT:
        return anonymise_error_text(obj, anon.typed)
    if key == "user_agent":
        return anonymise_user_agent(obj, lambda token: anon.placeholder_for("text", token))
    if key == "operation":  # the operation a pasted error's wrapper names: AWS's, or the customer's words
        return obj if is_aws_operation(obj) else anon.typed("text", obj)
    if key == "managed_by" and obj.startswith(_STACK):
        return _STACK + anon.typed("stack", obj.removeprefix(_STACK))
    if key in ("condition", "details"):
        as_json = _json_text(anon, obj)
        if as_json is not None:
            return as_json if key == "details" else _json_condition(anon, obj)
    if key in KEY_KINDS and "\ue000" not in obj:
        return anon.typed(KEY_KINDS[key], obj)
    return anon.anonymise_text(obj)


def _json_condition(anon: Anonymiser, text: str) -> str:
    """A trust statement's condition as the trust table writes it (compact JSON)."""
    return json.dumps(_condition(anon, json.loads(text)), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
