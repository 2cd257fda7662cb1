"""An organisation's member accounts, read from the management account (or a delegated administrator): the
account list (``ListAccounts``), each account's SCP levels (read once per organisational unit and shared), and a
target inside a member account through ``sts:AssumeRole`` of a read-only role. The only boto3 edge of the
organisation sweep; nothing here writes."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.organizations import fetch_scp_levels

DEFAULT_MEMBER_ROLE = "OrganizationAccountAccessRole"  # the role Organizations creates in accounts it creates
SESSION_NAME = "glue-iam-kit-org-snapshot"


def fetch_accounts(target: Any) -> list[dict[str, str]]:
    """Every account of the organisation: ``{"Id", "Name", "Status"}`` (ACTIVE, SUSPENDED, PENDING_CLOSURE)."""
    try:
        accounts = target.paginate("organizations", "list_accounts", "Accounts")
    except CouldNotCheck as exc:
        raise KitError(f"could not list the organisation's accounts ({exc}): run from the management account or "
                       "a delegated administrator, or pass --accounts FILE") from None
    return [{"Id": a["Id"], "Name": a.get("Name", ""), "Status": a.get("Status", "ACTIVE")} for a in accounts]


def fetch_org_scp_levels(target: Any, account_ids: list[str]) -> dict[str, Any]:
    """Each account's SCP levels as documents (root first, account last), or the reason they could not be read;
    levels of the root and of each OU are read once and shared between the accounts under them."""
    cache: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for account in account_ids:
        try:
            out[account] = [[doc for _, doc in level] for level in fetch_scp_levels(target, account, cache)]
        except CouldNotCheck as exc:
            out[account] = {"problem": str(exc)}
    return out


def open_member_target(account_id: str, role_name: str, region: str | None,
                       credentials: tuple[str, str, str | None] | None = None, profile: str | None = None,
                       endpoint_url: str | None = None) -> AwsTarget:
    """A read-only target inside *account_id*, through AssumeRole of *role_name* from the base credentials
    (given, or the default chain / *profile* of wherever this runs: a Dask worker uses its own)."""
    base = AwsTarget(make_session(profile, region, credentials), region=region, endpoint_url=endpoint_url,
                     retry_mode="adaptive")
    role_arn = f"arn:aws:iam::{account_id}:role/{role_name}"
    try:
        creds = base.call("sts", "assume_role", RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    except CouldNotCheck as exc:
        raise CouldNotCheck(f"cannot assume {role_arn}: {exc}", "sts:AssumeRole") from None
    # adaptive: client-side rate limiting on top of the retries, for throttled APIs under many workers
    return AwsTarget(make_session(None, region, (creds["AccessKeyId"], creds["SecretAccessKey"],
                                                 creds["SessionToken"])),
                     kind="aws", region=region, endpoint_url=endpoint_url, retry_mode="adaptive")
