"""The sandbox target: the aws target's code path on moto in process, with what only a scenario knows (its
subject and its SCP levels). Importing this module loads boto3 and moto's data; the scenario side does not."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from glue_iam_kit.errors import KitError
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.base import POLICY_VALIDATOR, SIMULATOR
from glue_iam_kit.sources.glue_resources import GLUE_KINDS

FAKE_CREDENTIALS = ("testing", "testing", None)  # moto accepts anything; never real keys
_AWS_POLICY_ARN = re.compile(r"arn:aws:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")
_open_sandboxes: list[tuple[str, Any]] = []  # moto's state is per process: one sandbox (name, target) at a time


class SandboxTarget(AwsTarget):
    """moto, seeded from a rendered scenario."""

    # moto implements no policy simulator (the local evaluator decides) and no Access Analyzer ValidatePolicy.
    capabilities = AwsTarget.capabilities - {SIMULATOR, POLICY_VALIDATOR}

    def __init__(self, session: Any, scenario: dict[str, Any]) -> None:
        super().__init__(session, kind="sandbox", region=scenario["parameters"]["region"])
        self.scenario = scenario
        self.closed = ""  # once closed, why: its clients would read another sandbox's moto state, or the network

    def _before_call(self, model: Any, **kwargs: Any) -> None:
        if self.closed:
            raise KitError(f"{self.closed}: connect to it again")
        super()._before_call(model, **kwargs)

    def subject_defaults(self) -> dict[str, str]:
        params = self.scenario.get("parameters", {})
        out = {k: params[k] for k in ("user", "role", "job") if params.get(k)}
        if "user" not in out and params.get("deployer"):  # a CI role is the principal
            out["user"] = f"arn:aws:iam::{params['account_id']}:role/{params['deployer']}"
        if self.scenario.get("error_text"):
            out["error_text"] = self.scenario["error_text"]
        for kind in GLUE_KINDS:  # a scenario names its Glue resource by kind: crawler, dev_endpoint, ...
            if kind != "job" and params.get(kind.replace("-", "_")):
                out["entry_point"], out["resource"] = kind, params[kind.replace("-", "_")]
        return out

    def service_control_policies(self, account: str | None = None) -> list[list[tuple[str, dict[str, Any]]]]:
        # The scenario's own SCP levels: in moto the account that creates an organization is its management
        # account, which SCPs never restrict (tests/sources/test_organizations.py covers the real path on moto).
        if "service_control_policies" in self.scenario:
            return [[(p["name"], p["document"]) for p in level]
                    for level in self.scenario["service_control_policies"]]
        return super().service_control_policies(account)

    def cloudtrail_events(self, since: Any = None) -> list[dict[str, Any]]:
        """The events the scenario declares (moto implements no LookupEvents), as lookup-events prints them."""
        return [{"EventId": e["eventID"], "EventName": e["eventName"], "EventTime": e["eventTime"],
                 "CloudTrailEvent": json.dumps(e)} for e in self.scenario.get("cloudtrail_events", [])]


@contextlib.contextmanager
def _older_policy_versions() -> Iterator[None]:
    """Let moto store policies with Version 2008-10-17 (AWS accepts them; moto's validator wants 2012-10-17), so
    that a scenario can show how IAM reads them. Falls back silently when moto's internals differ."""
    try:
        from moto.iam.policy_validation import IAMPolicyDocumentValidator as Validator

        original = Validator._validate_version
    except (ImportError, AttributeError):
        yield
        return

    def lenient(self: Any) -> None:
        if self._policy_json.get("Version") not in ("2012-10-17", "2008-10-17"):
            original(self)

    Validator._validate_version = lenient
    try:
        yield
    finally:
        Validator._validate_version = original


def seed(session: Any, scenario: dict[str, Any], endpoint_url: str | None = None) -> None:
    """Create everything *scenario* declares through *session* (a moto-backed boto3 Session).

    *endpoint_url* points the clients at a moto server instead of the in-process mock (tests of the aws target).
    """
    with _older_policy_versions():
        _seed(session, scenario, endpoint_url)


def _seed(session: Any, scenario: dict[str, Any], endpoint_url: str | None) -> None:
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
    for o in scenario.get("oidc_providers", []):
        iam.create_open_id_connect_provider(Url=o["url"], ClientIDList=o.get("client_ids", ["sts.amazonaws.com"]),
                                            ThumbprintList=o.get("thumbprints", ["0" * 40]))
    for u in scenario.get("users", []):
        kwargs: dict[str, Any] = {"UserName": u["name"], "Path": u.get("path", "/"), **_tags(u)}
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
        if r.get("service_linked"):  # its name and path are AWS's: /aws-service-role/SERVICE/AWSServiceRoleFor...
            r["name"] = iam.create_service_linked_role(AWSServiceName=r["service_linked"])["Role"]["RoleName"]
        else:
            kwargs = {"RoleName": r["name"], "Path": r.get("path", "/"),
                      "AssumeRolePolicyDocument": json.dumps(r["trust"]), **_tags(r)}
            if r.get("boundary"):
                kwargs["PermissionsBoundary"] = policy_arn(r["boundary"])
            iam.create_role(**kwargs)
        for arn in r.get("managed_policies", []):
            iam.attach_role_policy(RoleName=r["name"], PolicyArn=policy_arn(arn))
        for pname, doc in r.get("inline_policies", {}).items():
            iam.put_role_policy(RoleName=r["name"], PolicyName=pname, PolicyDocument=json.dumps(doc))
    if scenario.get("permission_sets"):
        sso = session.client("sso-admin", endpoint_url=endpoint_url)
        instance = sso.list_instances()["Instances"][0]["InstanceArn"]
        for ps in scenario["permission_sets"]:
            arn = sso.create_permission_set(Name=ps["name"], InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
            if ps.get("inline_policy"):
                sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn,
                                                        InlinePolicy=json.dumps(ps["inline_policy"]))
    for c in scenario.get("crawlers", []):
        glue.create_crawler(Name=c["name"], Role=c["role"], DatabaseName=c.get("database", "sales"),
                            Targets={"S3Targets": [{"Path": c.get("path", "s3://example/data/")}]})
    for d in scenario.get("dev_endpoints", []):
        glue.create_dev_endpoint(EndpointName=d["name"], RoleArn=d["role"])
    for m in scenario.get("ml_transforms", []):
        glue.create_ml_transform(Name=m["name"], Role=m["role"], InputRecordTables=[
            {"DatabaseName": m.get("database", "sales"), "TableName": m.get("table", "customers")}],
            Parameters={"TransformType": "FIND_MATCHES", "FindMatchesParameters": {"PrimaryKeyColumnName": "id"}})
    if scenario.get("buckets"):
        s3 = session.client("s3", endpoint_url=endpoint_url)
        region = scenario["parameters"].get("region", "us-east-1")
        for b in scenario["buckets"]:
            s3.create_bucket(Bucket=b["name"], **({} if region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": region}}))
            if b.get("policy"):
                s3.put_bucket_policy(Bucket=b["name"], Policy=json.dumps(b["policy"]))
    for j in scenario.get("jobs", []):
        glue.create_job(Name=j["name"], Role=j["role"],
                        Command={"Name": "glueetl", "ScriptLocation": j.get("script", "s3://example/script.py")})


def _tags(entity: dict[str, Any]) -> dict[str, Any]:
    tags = entity.get("tags") or {}
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}


def _account_header(account_id: str):
    def add(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id  # moto picks the account per request from this
    return add


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


def start_sandbox(rendered: dict[str, Any]) -> SandboxTarget:
    """Start moto in process and seed the *rendered* scenario (closing the target stops moto).

    moto keeps one state per process, so only one sandbox can be open at a time: opening one closes the one
    still open (a notebook cell run again, a second ``connect``), whose target then reads nothing.
    """
    scenario = rendered["name"]
    check_none_open()
    from moto import mock_aws

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
    return hand_over(SandboxTarget(session, rendered), scenario, mock)


def check_none_open() -> None:
    """moto keeps one state per process: close the sandbox still open before another one starts (its target is
    closed; reading from it afterwards fails)."""
    import logging

    for name, target in list(_open_sandboxes):
        logging.getLogger(__name__).info("closing sandbox %r: a new sandbox is opening in this process", name)
        target.closed = (f"sandbox {name!r} was closed: another sandbox opened in this process (moto holds one "
                         "at a time)")
        target.close()


def hand_over(target: Any, name: str, mock: Any) -> Any:
    """Record the open sandbox *name*; closing *target* stops *mock* and forgets it."""
    entry = (name, target)
    _open_sandboxes.append(entry)

    def stop() -> None:
        target.closed = getattr(target, "closed", "") or f"sandbox {name!r} is closed"
        mock.stop()
        _open_sandboxes.remove(entry)

    target.on_close(stop)
    return target
