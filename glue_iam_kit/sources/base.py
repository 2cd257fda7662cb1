"""One interface, three targets: ``sandbox`` (moto, the default), ``aws`` (a real account), ``snapshot``.

A target is a set of capabilities, each a protocol below; code asks :func:`can` rather than testing which kind
of target it has. Every target keeps a tally of the AWS calls it made (``calls``), and is closed after use
(``with open_target(...) as target:``).

========== ===================================================== =====================
capability what                                                  targets
========== ===================================================== =====================
iam        users, groups, roles, policies, authorization details all
glue       Glue resources (jobs)                                 all
orgs       service control policies that apply to the account    all (may say "could not check")
simulator  AWS's SimulatePrincipalPolicy                         aws
writer     put an inline policy (only inside ``writable()``)      aws, sandbox
sso        Identity Center permission sets (sso-admin)           aws, sandbox
cloudtrail AccessDenied events (LookupEvents; declared; pasted)  aws, sandbox, snapshot
========== ===================================================== =====================
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from glue_iam_kit.errors import KitError

TARGET_KINDS = ("sandbox", "aws", "snapshot")
IAM_READER, GLUE_READER, ORGANIZATIONS_READER, SIMULATOR, POLICY_WRITER = "iam", "glue", "orgs", "simulator", "writer"
IDENTITY_CENTER_READER = "sso"
EVENT_READER = "cloudtrail"
RESOURCE_POLICY_READER = "resource-policies"
POLICY_VALIDATOR = "policy-validator"  # IAM Access Analyzer's ValidatePolicy


class IamReader(Protocol):
    def caller_identity(self) -> dict[str, str]: ...
    def get_user(self, name: str) -> dict[str, Any]: ...
    def list_attached_user_policies(self, name: str) -> list[dict[str, str]]: ...
    def list_user_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]: ...
    def list_groups_for_user(self, name: str) -> list[dict[str, Any]]: ...
    def list_attached_group_policies(self, name: str) -> list[dict[str, str]]: ...
    def list_group_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]: ...
    def get_managed_policy(self, arn: str) -> tuple[dict[str, Any], dict[str, Any]]: ...
    def get_role(self, name: str) -> dict[str, Any]: ...
    def list_attached_role_policies(self, name: str) -> list[dict[str, str]]: ...
    def list_role_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]: ...
    def authorization_details(self, aws_managed: bool = True) -> dict[str, list[Any]]: ...


class GlueReader(Protocol):
    def get_job(self, name: str) -> dict[str, Any]: ...
    def list_jobs(self) -> list[dict[str, Any]]: ...
    def get_glue_resource(self, kind: str, name: str) -> dict[str, Any]: ...
    def list_glue_resources(self, kind: str) -> list[dict[str, Any]]: ...


class OrganizationsReader(Protocol):
    def service_control_policies(self) -> list[list[tuple[str, dict[str, Any]]]]:
        """SCP levels, root first, account last; raises CouldNotCheck when they cannot be read."""
        ...


class IdentityCenterReader(Protocol):
    def find_permission_set(self, name: str) -> dict[str, Any]:
        """{"instance_arn", "permission_set_arn", "inline_policy"} of the permission set *name* (NotFoundError)."""
        ...


class EventReader(Protocol):
    def cloudtrail_events(self, since: Any) -> list[dict[str, Any]]:
        """Events as ``aws cloudtrail lookup-events`` prints them (``Events``)."""
        ...


class ResourcePolicyReader(Protocol):
    def get_resource_policy(self, kind: str, arn: str, name: str) -> dict[str, Any] | None:
        """The resource-based policy of an S3 bucket (*kind* ``s3-bucket``) or a KMS key (``kms-key``); None when
        the resource has none; CouldNotCheck when it cannot be read."""
        ...


class PolicyValidator(Protocol):
    def validate_policy(self, document: dict[str, Any]) -> list[dict[str, str]]:
        """IAM Access Analyzer's findings on an identity policy (CouldNotCheck when it cannot be asked)."""
        ...


class Simulator(Protocol):
    def simulate_principal_policy(self, **params: Any) -> list[dict[str, Any]]: ...


class PolicyWriter(Protocol):
    def writable(self) -> contextlib.AbstractContextManager[None]: ...
    def put_inline_policy(self, principal_type: str, principal: str, policy_name: str, document: str) -> None: ...


class Target(IamReader, GlueReader, OrganizationsReader, Protocol):
    """What every target provides, beside the capabilities it lists."""

    kind: str  # a label for people: sandbox | aws | snapshot (never branched on: use can())
    region: str | None
    calls: Any
    capabilities: frozenset[str]

    def subject_defaults(self) -> dict[str, str]:
        """What to investigate when the caller names nothing (a sandbox scenario's user, role, job, error)."""
        ...

    def close(self) -> None: ...


def can(target: Any, capability: str) -> bool:
    """Whether *target* has *capability* (one of the constants above)."""
    return capability in getattr(target, "capabilities", frozenset())


def open_target(
    kind: str = "sandbox",
    *,
    scenario: str = "seed-incident",
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    snapshot_path: str | None = None,
    retry_mode: str = "standard",
    **scenario_params: str | None,
) -> Any:
    """Open a target. ``scenario_params`` (user, role, job, account_id, ...) fill the sandbox scenario."""
    if kind == "sandbox":
        from glue_iam_kit.sources.sandbox import open_sandbox

        if region is not None:
            scenario_params["region"] = region
        return open_sandbox(scenario, **scenario_params)
    if kind == "aws":
        from glue_iam_kit.sources.aws import AwsTarget, make_session

        session = make_session(profile, region)
        if not (region or session.region_name):
            raise KitError("no AWS region for the aws target: pass --region, or set one (AWS_REGION, or the "
                           "profile's region)")
        return AwsTarget(session, kind="aws", region=region, endpoint_url=endpoint_url, retry_mode=retry_mode,
                         profile=profile)
    if kind == "snapshot":
        if not snapshot_path:
            raise KitError("the snapshot target needs a snapshot file (--snapshot FILE)")
        from glue_iam_kit.sources.snapshot import SnapshotTarget

        return SnapshotTarget.from_file(snapshot_path)
    raise KitError(f"unknown target {kind!r}; one of {', '.join(TARGET_KINDS)}")
