"""The shape a snapshot must have where its readers iterate or index, checked once when it is loaded (pure).

A hand-edited or tool-written snapshot may hold ``"GroupList": null`` or a string where a list belongs; read
later, that would end as ``'NoneType' object is not iterable`` deep inside ``investigate``, ``matrix`` or ``org
matrix``. :func:`check_snapshot_shape` names the key and the entity in one line instead. Null is accepted only
where it means "none" as AWS itself would omit it (a permissions boundary, tags, role last used) and where the
readers already treat it so; a null list of groups or policies is refused, never read as empty: "no groups" and
"not recorded" lead to different verdicts.
"""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import KitError, PolicyError

_LIST, _OBJECT, _TEXT, _DOCUMENT = "a list", "an object", "a string", "a policy document (object or JSON text)"
_TYPES: dict[str, tuple[type, ...]] = {_LIST: (list,), _OBJECT: (dict,), _TEXT: (str,), _DOCUMENT: (dict, str)}

# Fields that may be null (AWS omits them when there is none; every reader already reads null as none).
_NULL_IS_NONE = frozenset({"PermissionsBoundary", "Tags", "RoleLastUsed"})

# The items of list fields: what each item must be and the keys it must hold.
_ATTACHED = (_OBJECT, {"PolicyArn": _TEXT})
_INLINE = (_OBJECT, {"PolicyName": _TEXT, "PolicyDocument": _DOCUMENT})
_ITEMS: dict[str, tuple[str, dict[str, str]]] = {
    "GroupList": (_TEXT, {}), "AttachedManagedPolicies": _ATTACHED, "UserPolicyList": _INLINE,
    "GroupPolicyList": _INLINE, "RolePolicyList": _INLINE, "Tags": (_OBJECT, {}), "InstanceProfileList": (_OBJECT, {}),
    "PolicyVersionList": (_OBJECT, {}),
}

# AuthorizationDetails list -> (entity noun, name key, required keys, optional keys with their shape).
_ENTITIES: dict[str, tuple[str, str, dict[str, str], dict[str, str]]] = {
    "UserDetailList": ("user", "UserName", {"UserName": _TEXT, "Arn": _TEXT},
                       {"GroupList": _LIST, "AttachedManagedPolicies": _LIST, "UserPolicyList": _LIST,
                        "Tags": _LIST, "PermissionsBoundary": _OBJECT}),
    "GroupDetailList": ("group", "GroupName", {"GroupName": _TEXT},
                        {"AttachedManagedPolicies": _LIST, "GroupPolicyList": _LIST}),
    "RoleDetailList": ("role", "RoleName", {"RoleName": _TEXT, "Arn": _TEXT},
                       {"AttachedManagedPolicies": _LIST, "RolePolicyList": _LIST, "Tags": _LIST,
                        "InstanceProfileList": _LIST, "PermissionsBoundary": _OBJECT, "RoleLastUsed": _OBJECT,
                        "AssumeRolePolicyDocument": _DOCUMENT}),
    "Policies": ("managed policy", "Arn", {}, {"Arn": _TEXT, "PolicyVersionList": _LIST}),
}

# Optional top-level keys: null means "not recorded" (the readers say "could not check"); otherwise this shape.
_TOP_LEVEL: dict[str, str] = {
    "CallerIdentity": _OBJECT, "Region": _TEXT, "Jobs": _LIST, "Crawlers": _LIST, "Sessions": _LIST,
    "DevEndpoints": _LIST, "MLTransforms": _LIST, "ServiceControlPolicies": _LIST, "CloudTrailEvents": _LIST,
    "ResourcePolicies": _OBJECT, "Account": _OBJECT,
}


def _is(value: Any, shape: str) -> bool:
    return isinstance(value, _TYPES[shape])


def _what(value: Any) -> str:
    return "null" if value is None else {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _fail(where: str, key: str, value: Any, shape: str) -> KitError:
    hint = " (write [] for none)" if shape == _LIST and value is None else ""
    return KitError(f"{where}: {key} is {_what(value)}, not {shape}{hint}")


def _check_document(where: str, key: str, document: Any) -> None:
    """A policy document the evaluator will compile: JSON it can read, with its statements (a null or missing
    Statement would drop the policy's every statement, allow and deny alike, in silence)."""
    try:
        loaded = load_document(document, key)
    except PolicyError as exc:
        raise KitError(f"{where}: {exc}") from None
    statements = loaded.get("Statement")
    if not isinstance(statements, list | dict):
        raise KitError(f"{where}: {key}.Statement is {_what(statements)}, not a list or an object (the policy's "
                       "statements)")


def _check_entity(name: str, list_key: str, index: int, entity: Any) -> None:
    noun, name_key, required, optional = _ENTITIES[list_key]
    where = f"{name}: AuthorizationDetails.{list_key}[{index}]"
    if not isinstance(entity, dict):
        raise KitError(f"{where} is {_what(entity)}, not an object (a {noun})")
    label = entity.get(name_key)
    if isinstance(label, str) and label:
        where = f"{name}: {noun} {label!r} (AuthorizationDetails.{list_key}[{index}])"
    for key, shape in required.items():
        if key not in entity:
            raise KitError(f"{where}: {key} is missing")
        if not _is(entity[key], shape):
            raise _fail(where, key, entity[key], shape)
    for key, shape in optional.items():
        value = entity.get(key)
        if key not in entity or (value is None and key in _NULL_IS_NONE):
            continue
        if not _is(value, shape):
            raise _fail(where, key, value, shape)
        if key in _ITEMS:
            item_shape, item_keys = _ITEMS[key]
            for i, item in enumerate(value):
                if not _is(item, item_shape):
                    raise _fail(where, f"{key}[{i}]", item, item_shape)
                for item_key, s in item_keys.items():
                    if not _is(item.get(item_key), s):
                        raise _fail(where, f"{key}[{i}].{item_key}", item.get(item_key), s)
                    if s == _DOCUMENT:
                        _check_document(where, f"{key}[{i}].{item_key}", item[item_key])
                if key == "PolicyVersionList" and item.get("IsDefaultVersion") and "Document" in item:
                    _check_document(where, f"{key}[{i}].Document", item["Document"])
        elif shape == _DOCUMENT:
            _check_document(where, key, value)


def check_snapshot_shape(data: dict[str, Any], name: str = "snapshot") -> None:
    """Raise a one-line :class:`KitError` naming the key and the entity where *data* (the kit's format, after
    normalisation) holds a null or a wrong type that a reader would iterate or index."""
    for key, shape in _TOP_LEVEL.items():
        value = data.get(key)
        if value is not None and not _is(value, shape):
            raise _fail(name, key, value, shape)
        if shape == _LIST and key != "ServiceControlPolicies":  # a null job or event is not skipped in silence
            for i, item in enumerate(value or []):
                if not _is(item, _OBJECT):
                    raise _fail(name, f"{key}[{i}]", item, _OBJECT)
    for i, level in enumerate(data.get("ServiceControlPolicies") or []):
        if not isinstance(level, list):
            raise _fail(name, f"ServiceControlPolicies[{i}]", level, f"{_LIST} (one level of SCP documents)")
    auth = data["AuthorizationDetails"]
    for list_key in _ENTITIES:
        for index, entity in enumerate(auth.get(list_key) or []):
            _check_entity(name, list_key, index, entity)
