"""One interface, three targets: ``sandbox`` (moto, the default), ``aws`` (a real account), ``snapshot``.

Every target answers the same reads (``caller_identity``, ``get_user``, ``list_groups_for_user``,
``get_managed_policy``, ``get_role``, ``get_job``, ``service_control_policies``, ...), keeps a tally of the
AWS calls it made (``calls``), and is closed after use (``with open_target(...) as target:``).
"""

from __future__ import annotations

from typing import Any, Protocol

from glue_iam_kit.errors import KitError

TARGET_KINDS = ("sandbox", "aws", "snapshot")


class Target(Protocol):
    """What every target provides (see :class:`~glue_iam_kit.aws.AwsTarget` for the reference)."""

    kind: str
    region: str | None
    calls: Any

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
    def get_job(self, name: str) -> dict[str, Any]: ...
    def list_jobs(self) -> list[dict[str, Any]]: ...
    def service_control_policies(self) -> list[list[tuple[str, dict[str, Any]]]]: ...
    def authorization_details(self, aws_managed: bool = True) -> dict[str, list[Any]]: ...
    def close(self) -> None: ...


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
            raise KitError("no AWS region for the aws target: pass --region or set one in the profile")
        return AwsTarget(session, kind="aws", region=region, endpoint_url=endpoint_url, retry_mode=retry_mode,
                         profile=profile)
    if kind == "snapshot":
        if not snapshot_path:
            raise KitError("the snapshot target needs a snapshot file (--snapshot FILE)")
        from glue_iam_kit.sources.snapshot import SnapshotTarget

        return SnapshotTarget.from_file(snapshot_path)
    raise KitError(f"unknown target {kind!r}; one of {', '.join(TARGET_KINDS)}")
