"""IAM Identity Center through sso-admin (read-only calls, through the aws target's client): a permission set
by name, with its inline policy (IAM Identity Center User Guide, "Permission sets")."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import CouldNotCheck, NotFoundError


def fetch_permission_set(target: Any, name: str) -> dict[str, Any]:
    """The Identity Center permission set *name*: its instance and ARN and its inline policy (read-only
    sso-admin calls; they answer where Identity Center is administered: the management account or a
    delegated administrator)."""
    instances = target.paginate("sso-admin", "list_instances", "Instances")
    if not instances:
        raise CouldNotCheck("no IAM Identity Center instance is visible from this account", "sso:ListInstances")
    instance = instances[0]["InstanceArn"]
    for arn in target.paginate("sso-admin", "list_permission_sets", "PermissionSets", InstanceArn=instance):
        described = target.call("sso-admin", "describe_permission_set", InstanceArn=instance,
                              PermissionSetArn=arn)["PermissionSet"]
        if described.get("Name") == name:
            inline = target.call("sso-admin", "get_inline_policy_for_permission_set", InstanceArn=instance,
                               PermissionSetArn=arn).get("InlinePolicy") or ""
            return {"instance_arn": instance, "permission_set_arn": arn,
                    "inline_policy": load_document(inline, name) if inline.strip() else None}
    raise NotFoundError("permission set", name, target.where)
