"""``dev-endpoint-update``: add an SSH key to an existing development endpoint that runs as the role.

``glue:UpdateDevEndpoint`` on that endpoint; no PassRole (the endpoint already has the role).
principalmapper's second Glue edge, Cloudsplaining's "UpdateDevEndpoint", pathfinding.cloud's
"dev endpoint update".
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes.base import GlueAccount, Reach, RoleTarget, Route


def find(reach: Reach, role: RoleTarget, glue: GlueAccount) -> tuple[str, ...] | None:
    for endpoint in role.dev_endpoints:
        name = endpoint.get("EndpointName", "")
        if name and reach.may("glue:UpdateDevEndpoint", glue.arn("dev-endpoint", name)):
            return ("glue:UpdateDevEndpoint",)
    return None


ROUTE = Route("dev-endpoint-update", "add an SSH key to an existing development endpoint that runs as the role",
              find, passes_role=False)
