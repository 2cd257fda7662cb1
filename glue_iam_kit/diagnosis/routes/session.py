"""``session``: start an interactive session that runs as the role and run statements in it.

``glue:CreateSession`` and ``glue:RunStatement`` with ``iam:PassRole`` to Glue: pathfinding.cloud's
"interactive session" path.
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes.base import NEW, GlueAccount, Reach, RoleTarget, Route


def find(reach: Reach, role: RoleTarget, glue: GlueAccount) -> tuple[str, ...] | None:
    session = glue.arn("session", NEW)
    if (reach.may_pass(role) and reach.may_new("glue:CreateSession", session)
            and reach.may_new("glue:RunStatement", session)):
        return ("glue:CreateSession", "glue:RunStatement", "iam:PassRole")
    return None


ROUTE = Route("session", "start an interactive session as the role and run statements (PassRole to Glue)", find)
