"""The sandbox target: moto in process, seeded from a declarative scenario (a JSON file under scenarios/).

A scenario is data, not code: users, groups, roles, managed and inline policies, Glue jobs and the error text,
with ``{{parameter}}`` placeholders (account id, user, role, job, ...) that every scenario declares with
defaults, so the same story can be built with any names. moto is imported only when a sandbox is opened.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from glue_iam_kit.engine.arns import check_account_id, parse_arn
from glue_iam_kit.errors import ArnError, KitError, NotFoundError

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# IAM's own name rules (IAM API reference: UserName/RoleName/GroupName patterns).
_IAM_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_GROUP_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
_JOB_NAME = re.compile(r"^[^\r\n\t]{1,255}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ROLE_PATH = re.compile(r"^/(?:[\x21-\x7e]+/)?$")  # IAM API reference: Path
_NAME_RULES = {"user": _IAM_NAME, "role": _IAM_NAME, "glue_group": _GROUP_NAME, "dev_group": _GROUP_NAME,
               "job": _JOB_NAME}


def scenario_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    folder = resources.files("glue_iam_kit.sources.sandbox") / "scenarios"
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_scenario_file(name: str) -> dict[str, Any]:
    """The raw scenario (placeholders not yet filled)."""
    if name not in scenario_names():
        raise NotFoundError("scenario", name, f"the built-in scenarios ({', '.join(scenario_names())})")
    path = resources.files("glue_iam_kit.sources.sandbox") / "scenarios" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def list_scenarios() -> list[dict[str, Any]]:
    """One summary per scenario: name, description, root cause, expected verdicts."""
    out = []
    for name in scenario_names():
        s = load_scenario_file(name)
        out.append({"name": name, "description": s.get("description", ""), "root_cause": s.get("root_cause", ""),
                    "expected_verdicts": s.get("expected_verdicts", [])})
    return out


def _fill(value: Any, params: dict[str, str]) -> Any:
    """Every ``{{parameter}}`` in *value*'s strings, keys included, filled."""
    return _fill_text(value, lambda text: _PLACEHOLDER.sub(
        lambda m: params[m.group(1)] if m.group(1) in params else m.group(0), text), keys=True)


def arn_overrides(user: str | None, role: str | None) -> dict[str, str | None]:
    """What a user's or role's ARN says beyond the name, for building the sandbox: the role's IAM path
    (``role_path``: ``/service/etl/`` for ``...:role/service/etl/runtime``) and the account (``account_id``) when
    the IAM ARNs given name one. None where they say nothing: the scenario's own is kept."""
    arns = []
    for text, kind in ((user, "user"), (role, "role")):
        if text and text.startswith("arn:"):
            try:
                arn = parse_arn(text)
            except ArnError:
                continue  # refused in one line where the name is read
            if arn.service == "iam" and arn.resource_type == kind:
                arns.append(arn)
    role_arn = next((a for a in arns if a.resource_type == "role"), None)
    user_arn = next((a for a in arns if a.resource_type == "user"), None)
    accounts = {a.account for a in arns}
    return {"role_path": role_arn.path if role_arn and role_arn.path != "/" else None,
            "user_path": user_arn.path if user_arn and user_arn.path != "/" else None,
            "account_id": accounts.pop() if len(accounts) == 1 else None}


def _apply_role_path(rendered: dict[str, Any], params: dict[str, str], path: str, kind: str = "role") -> dict[str, Any]:
    """The scenario's role (parameter ``role``; or its user, *kind* ``user``) created under *path*, and every ARN
    of it in the scenario (the error text, grants, jobs) carrying that path: the role or user is the one named,
    not rebuilt without it."""
    if kind not in params:
        raise KitError(f"scenario {rendered.get('name')!r} has no {kind} parameter: a {kind} ARN with a path "
                       f"({path}) cannot name its {kind}")
    if len(path) > 512 or not _ROLE_PATH.match(path):
        raise KitError(f"{kind} path {path!r} is not a valid IAM path (/ or /segment/.../)")
    name = params[kind]
    for r in rendered.get(f"{kind}s", []):
        if r.get("name") == name and not r.get("service_linked"):
            r["path"] = path
    pattern = re.compile(f":{kind}/" + re.escape(name) + r"(?![\w+=,.@-])")
    return _fill_text(rendered, lambda text: pattern.sub(f":{kind}{path}{name}", text))


def _fill_text(value: Any, change: Any, keys: bool = False) -> Any:
    """*value* with *change* applied to every string in it (to the keys of its objects too with *keys*)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_fill_text(v, change, keys) for v in value]
    if isinstance(value, dict):
        return {(change(k) if keys else k): _fill_text(v, change, keys) for k, v in value.items()}
    return value


def render_scenario(name: str, **overrides: str | None) -> dict[str, Any]:
    """The scenario with its parameters filled: defaults, overridden by the non-None *overrides*. ``role_path``
    (not a scenario parameter) creates the scenario's role under that IAM path."""
    raw = load_scenario_file(name)
    params = dict(raw.get("parameters", {}))
    role_path, user_path = overrides.pop("role_path", None), overrides.pop("user_path", None)
    unknown = {k for k, v in overrides.items() if v is not None} - set(params)
    if unknown:
        raise KitError(f"scenario {name!r} has no parameter(s) {', '.join(sorted(unknown))}; "
                       f"it takes {', '.join(sorted(params))}")
    params.update({k: str(v) for k, v in overrides.items() if v is not None})
    try:
        check_account_id(params["account_id"])
    except ArnError as exc:
        raise KitError(f"--account-id: {exc}") from None
    if not _REGION.match(params.get("region", "")):
        raise KitError(f"region {params.get('region')!r} is not an AWS region name (like ap-northeast-1)")
    for key, rule in _NAME_RULES.items():
        if key in params and not rule.match(params[key]):
            raise KitError(f"{key} {params[key]!r} is not a valid name for IAM/Glue")
    body = {k: v for k, v in raw.items() if k != "parameters"}
    rendered = _fill(body, params)
    if role_path:
        rendered = _apply_role_path(rendered, params, role_path)
    if user_path:
        rendered = _apply_role_path(rendered, params, user_path, "user")
    rendered["parameters"] = params
    return rendered


def open_sandbox(scenario: str = "seed-incident", **overrides: str | None) -> Any:
    """Start moto in process, seed *scenario* and return a :class:`~glue_iam_kit.sources.sandbox.target.
    SandboxTarget` on it. Close the target (or use it as a context manager) to stop moto; one sandbox at a time."""
    from glue_iam_kit.sources.sandbox.target import start_sandbox

    return start_sandbox(render_scenario(scenario, **overrides))


def sandbox_names(user: str | None = None, role: str | None = None,
                  account_id: str | None = None) -> dict[str, str | None]:
    """What a user and a role given by name or ARN build the scenario with: ``user`` and ``role`` (a bare name as
    is, an ARN of that kind its name; any other principal ARN — a role session, a federated user — None, the
    scenario's own), the role's IAM path and the account (*account_id*, else the one the ARNs name); see
    :func:`arn_overrides`. The one rule the CLI, :func:`glue_iam_kit.connect` and the investigation share; a
    malformed ARN is a KitError."""
    from glue_iam_kit.engine.arns import name_from, parse_arn

    out: dict[str, str | None] = {}
    for kind, value in (("user", user), ("role", role)):
        if value and value.startswith("arn:"):
            try:
                parse_arn(value)
            except ArnError as exc:
                raise KitError(str(exc)) from None
            try:
                value = name_from(value, kind)
            except ArnError:
                value = None
        out[kind] = value or None
    implied = arn_overrides(user, role)  # a role ARN's path and the account ARNs name are never dropped
    named = {v.split(":")[4] for v in (user, role) if v and v.startswith("arn:") and len(v.split(":")) > 5}
    named.discard("")
    if len(named) > 1 or (account_id and named and named != {account_id}):  # never rebuilt in another account
        given = ", ".join(f"--{k} {v}" for k, v in (("account-id", account_id), ("user", user), ("role", role))
                          if v and (k == "account-id" or v.startswith("arn:")))
        raise KitError(f"{given}: they name different accounts ({', '.join(sorted(named | {account_id} - {None}))}); "
                       "the sandbox builds one account: give ARNs of one account (or names)")
    out["role_path"], out["user_path"] = implied["role_path"], implied["user_path"]
    out["account_id"] = account_id or implied["account_id"]
    return out
