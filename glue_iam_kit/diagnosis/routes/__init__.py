"""The Glue routes by which a principal runs code as a role, one module per family, registered in :data:`ROUTES`.

To add a family: a module with a :class:`~glue_iam_kit.diagnosis.routes.base.Route` named ``ROUTE``, listed here.
The fix review, the ``escalation`` command and the matrix notebook all read these.
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes import dev_endpoint, dev_endpoint_update, job, script, session
from glue_iam_kit.diagnosis.routes.base import (
    GlueAccount,
    Reach,
    RoleTarget,
    Route,
    glue_may_assume,
    read_glue_account,
    service_may_assume,
)

ROUTES: tuple[Route, ...] = (job.ROUTE, dev_endpoint.ROUTE, dev_endpoint_update.ROUTE, session.ROUTE, script.ROUTE)
ROUTE_NAMES = tuple(r.name for r in ROUTES)


def find_routes(reach: Reach, role: RoleTarget, glue: GlueAccount,
                trusted: bool | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(route name, actions) for every family by which *reach*'s principal runs code as *role*; none when Glue
    cannot assume the role (*trusted*: already decided by :func:`glue_may_assume`)."""
    if not (glue_may_assume(role, glue) if trusted is None else trusted):
        return []
    out = []
    for route in ROUTES:
        actions = route.find(reach, role, glue)
        if actions:
            out.append((route.name, actions))
    return out


__all__ = ["ROUTES", "ROUTE_NAMES", "GlueAccount", "Reach", "RoleTarget", "Route", "find_routes", "glue_may_assume",
           "read_glue_account", "service_may_assume"]
