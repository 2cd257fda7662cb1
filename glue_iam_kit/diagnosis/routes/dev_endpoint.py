"""``dev-endpoint``: create a development endpoint that runs as the role, then log in to it over SSH.

``glue:CreateDevEndpoint`` with ``iam:PassRole`` to Glue. IAM-Vulnerable's privesc18
(glue:CreateDevEndpoint + PassRole), principalmapper's Glue edge, Cloudsplaining's
"CreateDevEndpoint" escalation method, pathfinding.cloud's "dev endpoint create".
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes.base import NEW, GlueAccount, Reach, RoleTarget, Route


def find(reach: Reach, role: RoleTarget, glue: GlueAccount) -> tuple[str, ...] | None:
    if reach.may_pass(role) and reach.may_new("glue:CreateDevEndpoint", glue.arn("dev-endpoint", NEW)):
        return ("glue:CreateDevEndpoint", "iam:PassRole")
    return None


ROUTE = Route("dev-endpoint", "create a development endpoint that runs as the role (PassRole to Glue)", find)
