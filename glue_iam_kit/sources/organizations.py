"""Organizations: the service control policies that apply to an account, read through the aws target's client
(the only boto3 edge). AWS lets only the management account or a delegated administrator walk the organization
(``ListParents``); from a plain member account this says "could not check"."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import CouldNotCheck


def fetch_scp_levels(target: Any, account: str | None = None,
                     cache: dict[str, Any] | None = None) -> list[list[tuple[str, dict[str, Any]]]]:
    """SCP levels that apply to *account* (default: the caller's), root first, account last; [] when not in an
    organization. AWS lets only the management account or a delegated administrator walk the organization
    (ListParents): from a plain member account this says "could not check". *cache* (one dict kept across
    calls) reads the organization, each parent and each level's policies once for many accounts."""
    cache = {} if cache is None else cache
    try:
        if "org" not in cache:
            cache["org"] = target.call("organizations", "describe_organization")["Organization"]
        org = cache["org"]
    except CouldNotCheck as exc:
        if "AWSOrganizationsNotInUseException" in str(exc):
            return []
        raise
    account = account or target.caller_identity()["Account"]
    if org.get("MasterAccountId") == account:
        return []  # SCPs never restrict the management account
    chain, child = [account], account
    while True:
        try:
            if ("parents", child) not in cache:
                cache[("parents", child)] = target.call("organizations", "list_parents", ChildId=child)["Parents"]
            parents = cache[("parents", child)]
        except CouldNotCheck as exc:
            raise CouldNotCheck(f"{exc}; reading SCPs needs the management account or a delegated "
                                "administrator (or a snapshot with ServiceControlPolicies)",
                                "organizations:ListParents") from None
        if not parents:
            break
        chain.append(parents[0]["Id"])
        if parents[0]["Type"] == "ROOT":
            break
        child = parents[0]["Id"]
    levels = []
    for target_id in reversed(chain):
        if ("level", target_id) in cache:
            levels.append(cache[("level", target_id)])
            continue
        summaries = target.paginate("organizations", "list_policies_for_target", "Policies", TargetId=target_id,
                                  Filter="SERVICE_CONTROL_POLICY")
        level = []
        for s in summaries:
            content = target.call("organizations", "describe_policy", PolicyId=s["Id"])["Policy"]["Content"]
            level.append((s.get("Name", s["Id"]), load_document(content, s.get("Name", s["Id"]))))
        cache[("level", target_id)] = level
        levels.append(level)
    return levels
