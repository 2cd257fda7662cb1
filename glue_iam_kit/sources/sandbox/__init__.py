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

from glue_iam_kit.engine.arns import check_account_id
from glue_iam_kit.errors import ArnError, KitError, NotFoundError

FAKE_CREDENTIALS = ("testing", "testing", None)  # moto accepts anything; never real keys
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# IAM's own name rules (IAM API reference: UserName/RoleName/GroupName patterns).
_IAM_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_GROUP_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
_JOB_NAME = re.compile(r"^[^\r\n\t]{1,255}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
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
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: params[m.group(1)] if m.group(1) in params else m.group(0), value)
    if isinstance(value, list):
        return [_fill(v, params) for v in value]
    if isinstance(value, dict):
        return {_fill(k, params): _fill(v, params) for k, v in value.items()}
    return value


def render_scenario(name: str, **overrides: str | None) -> dict[str, Any]:
    """The scenario with its parameters filled: defaults, overridden by the non-None *overrides*."""
    raw = load_scenario_file(name)
    params = dict(raw.get("parameters", {}))
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
    rendered["parameters"] = params
    return rendered


def seed(session: Any, scenario: dict[str, Any], endpoint_url: str | None = None) -> None:
    """Create everything *scenario* declares through *session* (a moto-backed boto3 Session).

    *endpoint_url* points the clients at a moto server instead of the in-process mock (tests of the aws target).
    """
    iam = session.client("iam", endpoint_url=endpoint_url)
    glue = session.client("glue", endpoint_url=endpoint_url)
    for p in scenario.get("managed_policies", []):
        iam.create_policy(PolicyName=p["name"], Path=p.get("path", "/"), PolicyDocument=json.dumps(p["document"]))
    account = scenario["parameters"]["account_id"]

    def policy_arn(ref: str) -> str:
        return ref if ref.startswith("arn:") else f"arn:aws:iam::{account}:policy/{ref}"

    for g in scenario.get("groups", []):
        iam.create_group(GroupName=g["name"], Path=g.get("path", "/"))
        for arn in g.get("managed_policies", []):
            iam.attach_group_policy(GroupName=g["name"], PolicyArn=policy_arn(arn))
        for pname, doc in g.get("inline_policies", {}).items():
            iam.put_group_policy(GroupName=g["name"], PolicyName=pname, PolicyDocument=json.dumps(doc))
    for u in scenario.get("users", []):
        kwargs: dict[str, Any] = {"UserName": u["name"], "Path": u.get("path", "/")}
        if u.get("boundary"):
            kwargs["PermissionsBoundary"] = policy_arn(u["boundary"])
        iam.create_user(**kwargs)
        for g in u.get("groups", []):
            iam.add_user_to_group(GroupName=g, UserName=u["name"])
        for arn in u.get("managed_policies", []):
            iam.attach_user_policy(UserName=u["name"], PolicyArn=policy_arn(arn))
        for pname, doc in u.get("inline_policies", {}).items():
            iam.put_user_policy(UserName=u["name"], PolicyName=pname, PolicyDocument=json.dumps(doc))
    for r in scenario.get("roles", []):
        kwargs = {"RoleName": r["name"], "Path": r.get("path", "/"),
                  "AssumeRolePolicyDocument": json.dumps(r["trust"])}
        if r.get("boundary"):
            kwargs["PermissionsBoundary"] = policy_arn(r["boundary"])
        iam.create_role(**kwargs)
        for arn in r.get("managed_policies", []):
            iam.attach_role_policy(RoleName=r["name"], PolicyArn=policy_arn(arn))
        for pname, doc in r.get("inline_policies", {}).items():
            iam.put_role_policy(RoleName=r["name"], PolicyName=pname, PolicyDocument=json.dumps(doc))
    for j in scenario.get("jobs", []):
        glue.create_job(Name=j["name"], Role=j["role"],
                        Command={"Name": "glueetl", "ScriptLocation": j.get("script", "s3://example/script.py")})


def _account_header(account_id: str):
    def add(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id  # moto picks the account per request from this
    return add


_open_sandboxes: list[str] = []  # moto's state is per process: one sandbox at a time
_AWS_POLICY_ARN = re.compile(r"arn:aws:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")


def _referenced_aws_policies(scenario: dict[str, Any]) -> set[str]:
    return set(_AWS_POLICY_ARN.findall(json.dumps(scenario)))


def _load_aws_policies(account_id: str, names: set[str]) -> bool:
    """Give the sandbox account just the AWS managed policies it uses, with their real documents from moto's
    data, found and parsed one by one: parsing all of them (1,500+) for every sandbox costs half a second.
    Returns False when moto's internals are not as expected; the caller then loads them all the usual way."""
    try:
        from moto.iam.aws_managed_policies import aws_managed_policies_data as data
        from moto.iam.models import AWSManagedPolicy, iam_backends

        backend = iam_backends[account_id]["global"]
        decoder = json.JSONDecoder()
        for name in names:
            m = re.search(r'"' + re.escape(name) + r'"\s*:\s*\{', data)
            if m is None:
                return False
            doc, _ = decoder.raw_decode(data, m.end() - 1)
            policy = AWSManagedPolicy.from_data(name, account_id, backend.region_name, doc)
            backend.managed_policies[policy.arn] = policy
        return True
    except (ImportError, AttributeError, KeyError, ValueError, TypeError):
        return False


def open_sandbox(scenario: str = "seed-incident", **overrides: str | None):
    """Start moto in process, seed *scenario* and return an :class:`~glue_iam_kit.aws.AwsTarget` on it.

    Close the target (or use it as a context manager) to stop moto. moto keeps one state per process, so only
    one sandbox can be open at a time.
    """
    rendered = render_scenario(scenario, **overrides)
    if _open_sandboxes:
        raise KitError(f"sandbox {_open_sandboxes[0]!r} is still open in this process: close it first")
    from moto import mock_aws

    from glue_iam_kit.sources.aws import AwsTarget, make_session

    params = rendered["parameters"]
    mock = mock_aws()
    mock.start()
    if not _load_aws_policies(params["account_id"], _referenced_aws_policies(rendered)):
        mock.stop()
        mock = mock_aws(config={"iam": {"load_aws_managed_policies": True}})
        mock.start()
    try:
        # One session (botocore parses each service model once per session); seeding uses its own clients,
        # the target's clients carry the read-only guard.
        session = make_session(region=params["region"], credentials=FAKE_CREDENTIALS)
        session.events.register("before-sign", _account_header(params["account_id"]))
        seed(session, rendered)
    except Exception:
        mock.stop()
        raise
    target = AwsTarget(session, kind="sandbox", region=params["region"])
    target.scenario = rendered  # type: ignore[attr-defined]
    if "service_control_policies" in rendered:
        target.scp_levels = [[(p["name"], p["document"]) for p in level]
                             for level in rendered["service_control_policies"]]
    _open_sandboxes.append(scenario)

    def stop() -> None:
        mock.stop()
        _open_sandboxes.remove(scenario)

    target.on_close(stop)
    return target
