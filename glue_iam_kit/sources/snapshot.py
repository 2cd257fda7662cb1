"""The snapshot target: offline, from one JSON file; and the writer that makes one from any target.

Format ``glue-iam-kit/snapshot@1`` (documented in the README)::

    {"format": "glue-iam-kit/snapshot@1",
     "CallerIdentity": {...}, "Region": "...",
     "AuthorizationDetails": {...},            # as `aws iam get-account-authorization-details`
     "Jobs": [{"Name": ..., "Role": ...}],     # each the "Job" of `aws glue get-job`
     "ServiceControlPolicies": [[doc, ...]],   # optional: levels, root first, account last
     "Crawlers": [...], "Sessions": [...], "DevEndpoints": [...], "MLTransforms": [...],  # optional, Get* form
     "CloudTrailEvents": [...],                # optional: the Events of `aws cloudtrail lookup-events`
     "ResourcePolicies": {ARN: doc | null}}    # optional: S3 bucket and KMS key policies, keyed by ARN

A bare ``get-account-authorization-details`` output is accepted too: the account and job steps then say
``could not check``. Documents may be objects or URL-encoded JSON strings; ``Policies`` entries may lack
``PolicyName``/``PolicyId`` (moto omits them), so names are derived from ARNs. No optional field is relied on.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import CouldNotCheck, KitError, NotFoundError
from glue_iam_kit.sources.base import (
    EVENT_READER,
    GLUE_READER,
    IAM_READER,
    ORGANIZATIONS_READER,
    RESOURCE_POLICY_READER,
    can,
)
from glue_iam_kit.sources.glue_resources import GLUE_KINDS
from glue_iam_kit.sources.snapshot_shape import check_snapshot_shape

FORMAT = "glue-iam-kit/snapshot@1"
_AUTH_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def read_snapshot(path: str) -> dict[str, Any]:
    """Read and check a snapshot file; a missing, truncated or invalid file is a clear :class:`KitError`."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise KitError(f"snapshot {path!r} not found") from None
    except IsADirectoryError:
        raise KitError(f"snapshot {path!r} is a directory, not a JSON file") from None
    except UnicodeDecodeError:
        raise KitError(f"snapshot {path!r} is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise KitError(f"snapshot {path!r} is not valid JSON (truncated?): {exc.msg} at line {exc.lineno}") from None
    return normalise_snapshot(data, f"snapshot {path!r}")


def normalise_snapshot(data: Any, name: str = "snapshot") -> dict[str, Any]:
    """Accept the kit's format or a bare get-account-authorization-details output; return the kit's format."""
    if not isinstance(data, dict):
        raise KitError(f"{name}: expected a JSON object")
    if data.get("format") not in (None, FORMAT):
        raise KitError(f"{name}: unknown format {data.get('format')!r}; expected {FORMAT}")
    if "AuthorizationDetails" in data:
        auth = data["AuthorizationDetails"]
    elif any(k in data for k in _AUTH_KEYS):
        auth = {k: data.get(k, []) for k in _AUTH_KEYS}
        data = {"format": FORMAT, "AuthorizationDetails": auth}
    elif data.get("format") == FORMAT:  # the kit's own file, cut short or edited: say what is missing
        raise KitError(f"{name}: a glue-iam-kit snapshot without AuthorizationDetails (its IAM part): write it "
                       "again with `glue-iam-kit snapshot`")
    else:
        raise KitError(f"{name}: neither a glue-iam-kit snapshot nor get-account-authorization-details output")
    if not isinstance(auth, dict):
        raise KitError(f"{name}: AuthorizationDetails must be an object")
    for key in _AUTH_KEYS:
        if not isinstance(auth.get(key, []), list):
            found = "null" if auth.get(key) is None else type(auth.get(key)).__name__
            raise KitError(f"{name}: AuthorizationDetails.{key} is {found}, not a list (write [] for none)")
    check_snapshot_shape(data, name)
    return data


def _policy_name(entry: dict[str, Any]) -> str:
    return entry.get("PolicyName") or entry.get("Arn", "").rsplit("/", 1)[-1]


class SnapshotTarget:
    """Answers the same reads as :class:`~glue_iam_kit.sources.aws.AwsTarget` from a snapshot, without AWS: no
    simulator (the local evaluator decides) and nothing to write to."""

    kind = "snapshot"
    capabilities = frozenset({IAM_READER, GLUE_READER, ORGANIZATIONS_READER, EVENT_READER, RESOURCE_POLICY_READER})

    def __init__(self, data: dict[str, Any], path: str | None = None) -> None:
        self.data = normalise_snapshot(data, path or "snapshot")
        self.path = path
        self.profile = None
        self.region = self.data.get("Region")
        self.calls: Counter[str] = Counter()  # a snapshot costs no AWS calls
        self.operations: list[str] = []
        auth = self.data["AuthorizationDetails"]
        self._users = {u.get("UserName"): u for u in auth.get("UserDetailList", [])}
        self._groups = {g.get("GroupName"): g for g in auth.get("GroupDetailList", [])}
        self._roles = {r.get("RoleName"): r for r in auth.get("RoleDetailList", [])}
        self._policies = {p.get("Arn"): p for p in auth.get("Policies", []) if p.get("Arn")}
        self._jobs = {j.get("Name"): j for j in self.data.get("Jobs", []) or [] if isinstance(j, dict)}

    @classmethod
    def from_file(cls, path: str) -> SnapshotTarget:
        return cls(read_snapshot(path), path)

    @property
    def where(self) -> str:
        return f"snapshot {self.path}" if self.path else "the snapshot"

    def close(self) -> None:
        pass

    def subject_defaults(self) -> dict[str, str]:
        return {}

    def __enter__(self) -> SnapshotTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def caller_identity(self) -> dict[str, str]:
        ident = self.data.get("CallerIdentity")
        if not ident:
            raise CouldNotCheck(f"{self.where} has no CallerIdentity (a bare authorization-details file)")
        return {"Account": ident.get("Account", ""), "Arn": ident.get("Arn", ""), "UserId": ident.get("UserId", "")}

    def get_user(self, name: str) -> dict[str, Any]:
        if name not in self._users:
            raise NotFoundError("user", name, self.where)
        return self._users[name]

    def list_attached_user_policies(self, name: str) -> list[dict[str, str]]:
        return list(self.get_user(name).get("AttachedManagedPolicies", []))

    def list_user_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        return [(p["PolicyName"], load_document(p["PolicyDocument"], p["PolicyName"]))
                for p in self.get_user(name).get("UserPolicyList", [])]

    def list_groups_for_user(self, name: str) -> list[dict[str, Any]]:
        out = []
        for gname in self.get_user(name).get("GroupList", []):
            g = self._groups.get(gname)
            out.append(g if g is not None else {"GroupName": gname})
        return out

    def _group(self, name: str) -> dict[str, Any]:
        if name not in self._groups:
            raise CouldNotCheck(f"group {name!r} is not in {self.where}")
        return self._groups[name]

    def list_attached_group_policies(self, name: str) -> list[dict[str, str]]:
        return list(self._group(name).get("AttachedManagedPolicies", []))

    def list_group_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        return [(p["PolicyName"], load_document(p["PolicyDocument"], p["PolicyName"]))
                for p in self._group(name).get("GroupPolicyList", [])]

    def get_managed_policy(self, arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
        entry = self._policies.get(arn)
        if entry is None:
            raise CouldNotCheck(f"managed policy {arn} is not in {self.where}")
        versions = entry.get("PolicyVersionList", [])
        default = next((v for v in versions if v.get("IsDefaultVersion")), None)
        if default is None:
            default = next((v for v in versions if v.get("VersionId") == entry.get("DefaultVersionId")), None)
        if default is None or "Document" not in default:
            raise CouldNotCheck(f"managed policy {arn} has no default version document in {self.where}")
        meta = dict(entry)
        meta.setdefault("PolicyName", _policy_name(entry))
        return meta, load_document(default["Document"], meta["PolicyName"])

    def get_role(self, name: str) -> dict[str, Any]:
        if name not in self._roles:
            raise NotFoundError("role", name, self.where)
        role = dict(self._roles[name])
        if "AssumeRolePolicyDocument" in role:
            role["AssumeRolePolicyDocument"] = load_document(role["AssumeRolePolicyDocument"], f"{name} trust policy")
        return role

    def list_attached_role_policies(self, name: str) -> list[dict[str, str]]:
        return list(self.get_role(name).get("AttachedManagedPolicies", []))

    def list_role_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        return [(p["PolicyName"], load_document(p["PolicyDocument"], p["PolicyName"]))
                for p in self.get_role(name).get("RolePolicyList", [])]

    def get_job(self, name: str) -> dict[str, Any]:
        if self.data.get("Jobs") is None:  # missing or null: not recorded, which is not "no jobs"
            raise CouldNotCheck(f"{self.where} has no Jobs (a bare authorization-details file, or Jobs: null)")
        if name not in self._jobs:
            raise NotFoundError("Glue job", name, self.where)
        return self._jobs[name]

    def list_jobs(self) -> list[dict[str, Any]]:
        return list(self._jobs.values())

    def get_glue_resource(self, kind: str, name: str) -> dict[str, Any]:
        k = GLUE_KINDS[kind]
        if self.data.get(k.snapshot_key) is None:  # missing or null: not recorded
            raise CouldNotCheck(f"{self.where} has no {k.snapshot_key} (optional; `glue-iam-kit snapshot` writes "
                                "them)")
        for item in self.list_glue_resources(kind):
            if item.get(k.name_field) == name:
                return item
        raise NotFoundError(f"Glue {kind}", name, self.where)

    def cloudtrail_events(self, since: Any = None) -> list[dict[str, Any]]:
        """``CloudTrailEvents``: the ``Events`` of ``aws cloudtrail lookup-events``, as printed (all of them: a
        snapshot is a moment; *since* applies to live targets)."""
        events = self.data.get("CloudTrailEvents")
        if events is None:
            raise CouldNotCheck(f"{self.where} has no CloudTrailEvents (optional: paste `aws cloudtrail "
                                "lookup-events` output's Events there)")
        return [e for e in events if isinstance(e, dict)]

    def get_resource_policy(self, kind: str, arn: str, name: str) -> dict[str, Any] | None:
        """``ResourcePolicies``: bucket and key policies keyed by the bucket's or key's ARN (null: it has none)."""
        policies = self.data.get("ResourcePolicies") or {}
        if arn not in policies:
            raise CouldNotCheck(f"{self.where} carries no policy for {arn} (optional ResourcePolicies, keyed by "
                                "ARN: the JSON of get-bucket-policy's or get-key-policy's Policy, or null)")
        doc = policies[arn]
        return None if doc is None else load_document(doc, arn)

    def list_glue_resources(self, kind: str) -> list[dict[str, Any]]:
        return [i for i in self.data.get(GLUE_KINDS[kind].snapshot_key) or [] if isinstance(i, dict)]

    def service_control_policies(self) -> list[list[tuple[str, dict[str, Any]]]]:
        if self.data.get("ServiceControlPoliciesProblem"):  # written by `org snapshot`: never read as "none"
            raise CouldNotCheck(f"{self.where}: SCPs could not be read ({self.data['ServiceControlPoliciesProblem']})")
        levels = self.data.get("ServiceControlPolicies")
        if levels is None:
            if "CallerIdentity" not in self.data:
                raise CouldNotCheck(f"{self.where} records no service control policies")
            return []
        out = []
        for n, level in enumerate(levels, start=1):
            out.append([(f"SCP level {n} #{i}", load_document(doc, f"SCP level {n} #{i}"))
                        for i, doc in enumerate(level, start=1)])
        return out

    def authorization_details(self, aws_managed: bool = True) -> dict[str, list[Any]]:
        details = {k: list(self.data["AuthorizationDetails"].get(k, [])) for k in _AUTH_KEYS}
        if not aws_managed:
            details["Policies"] = [p for p in details["Policies"]
                                   if not p.get("Arn", "").startswith("arn:aws:iam::aws:")]
        return details



def _referenced_policy_arns(auth: dict[str, list[Any]]) -> set[str]:
    arns: set[str] = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for entity in auth.get(key, []):
            arns.update(p["PolicyArn"] for p in entity.get("AttachedManagedPolicies", []))
            boundary = entity.get("PermissionsBoundary") or {}
            if boundary.get("PermissionsBoundaryArn"):
                arns.add(boundary["PermissionsBoundaryArn"])
    return arns


def as_snapshot_target(target: Any) -> SnapshotTarget:
    """*target* itself when it is a snapshot, else everything it holds read into one (:func:`build_snapshot`,
    read-only)."""
    return target if isinstance(target, SnapshotTarget) else SnapshotTarget(build_snapshot(target))


def build_snapshot(target: Any, scp_levels: list[list[dict[str, Any]]] | None = None,
                   events: bool = True) -> dict[str, Any]:
    """Read everything a snapshot holds from *target* (any target). Read-only. *scp_levels*: the account's SCP
    levels as read elsewhere (a member account cannot read its own; the management account can). *events*:
    also the last 7 days of AccessDenied events (CloudTrail's LookupEvents is paced at 2 calls a second)."""
    auth = target.authorization_details()
    used = _referenced_policy_arns(auth)
    # Keep customer-managed policies and the AWS managed ones in use: not the 1,000+ that exist.
    auth["Policies"] = [p for p in auth["Policies"]
                        if p.get("Arn") in used or not p.get("Arn", "").startswith("arn:aws:iam::aws:")]
    data: dict[str, Any] = {"format": FORMAT}
    try:
        data["CallerIdentity"] = target.caller_identity()
    except CouldNotCheck:
        pass
    data["Region"] = target.region
    data["AuthorizationDetails"] = auth
    try:
        data["Jobs"] = target.list_jobs()
    except CouldNotCheck:
        pass
    if events and can(target, EVENT_READER):  # the last 7 days of Glue and IAM AccessDenied events
        from glue_iam_kit.sources.cloudtrail import denials, parse_event

        try:
            events = target.cloudtrail_events(timedelta(days=7))
            denied = {e.event_id for e in denials(events)}
            data["CloudTrailEvents"] = [e for e in events if parse_event(e).event_id in denied]
        except CouldNotCheck:
            pass
    for kind, k in GLUE_KINDS.items():  # crawlers, sessions, dev endpoints, ML transforms (optional keys)
        if kind != "job":
            try:
                data[k.snapshot_key] = target.list_glue_resources(kind)
            except CouldNotCheck:
                pass
    if scp_levels is not None:
        data["ServiceControlPolicies"] = scp_levels
        return data
    try:
        data["ServiceControlPolicies"] = [[doc for _, doc in level] for level in target.service_control_policies()]
    except CouldNotCheck:
        pass
    return data
