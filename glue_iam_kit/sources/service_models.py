"""Which AWS service an operation belongs to, from botocore's service models (AWS's own API definitions, shipped
with botocore; read from disk, no call to AWS): the service a PassRole error's operation passes the role to.

The service principal (``iam:PassedToService``) is the model's signing name (else its endpoint prefix) plus
``.amazonaws.com``; botocore holds no service principals, so the few services whose principal differs are
named in :data:`_PRINCIPAL_OVERRIDES` (ECS passes task roles to ``ecs-tasks.amazonaws.com``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from glue_iam_kit.errors import KitError

_PRINCIPAL_OVERRIDES = {"ecs": "ecs-tasks.amazonaws.com"}  # IAM User Guide: ECS task roles trust ecs-tasks
_ROLE_MEMBER = re.compile(r"role", re.IGNORECASE)


@dataclass(frozen=True)
class OperationService:
    """One service that defines an operation."""

    name: str  # botocore's name: lambda, ecs, glue
    service_id: str  # Lambda, ECS, Glue
    principal: str  # lambda.amazonaws.com
    passes_role: bool  # the operation's input names a role (Role, RoleArn, taskRoleArn, ...)


@lru_cache(maxsize=1)
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.Loader()


@cache
def _model(name: str) -> dict[str, Any]:
    return _loader().load_service_model(name, "service-2")


@lru_cache(maxsize=1)
def _operation_index() -> dict[str, tuple[str, ...]]:
    """Operation name -> the services that define it (every model read once: a few seconds, then cached)."""
    index: dict[str, list[str]] = {}
    for name in _loader().list_available_services("service-2"):
        for op in _model(name).get("operations", {}):
            index.setdefault(op, []).append(name)
    return {op: tuple(names) for op, names in index.items()}


def _passes_role(model: dict[str, Any], operation: str) -> bool:
    shapes = model.get("shapes", {})
    top = shapes.get(model["operations"][operation].get("input", {}).get("shape", ""), {}).get("members", {})
    for member, ref in top.items():
        if _ROLE_MEMBER.search(member):
            return True
        if any(_ROLE_MEMBER.search(m) for m in shapes.get(ref.get("shape", ""), {}).get("members", {})):
            return True
    return False


def _service(name: str, operation: str) -> OperationService:
    model = _model(name)
    meta = model.get("metadata", {})
    prefix = meta.get("signingName") or meta.get("endpointPrefix") or name
    return OperationService(name, meta.get("serviceId") or name,
                            _PRINCIPAL_OVERRIDES.get(name, f"{prefix}.amazonaws.com"), _passes_role(model, operation))


def services_of_operation(operation: str, glue_first: bool = True) -> list[OperationService]:
    """Every service whose API defines *operation* (``CreateFunction``; a console's ``createFunction`` too); with
    *glue_first*, Glue alone when Glue defines it (the common case, without reading every model)."""
    op = operation[:1].upper() + operation[1:]
    if glue_first and op in _model("glue").get("operations", {}):
        return [_service("glue", op)]
    return [_service(name, op) for name in _operation_index().get(op, ())]


def is_operation(name: str) -> bool:
    """Whether some service's API defines *name*, in any case (the console's ``updateJob``, Terraform's
    ``UpdateMlTransform`` for ``UpdateMLTransform``)."""
    return bool(services_of_operation(name)) or name.lower() in _lower_operations()


@lru_cache(maxsize=1)
def _lower_operations() -> frozenset[str]:
    return frozenset(op.lower() for op in _operation_index())


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower()).removeprefix("aws").removeprefix("amazon")


def passed_to_service(operation: str, text: str = "") -> str:
    """The service principal the error's *operation* passes the role to; *text* (the whole error) may name the
    service (Go: ``operation error Lambda: CreateFunction``; Java: ``(Service: AWSLambda``). "" when botocore does
    not know the operation; :class:`KitError` when several services that take a role define it and the text
    does not say which."""
    hints = {_norm(h) for groups in re.findall(r"operation error ([\w ]+?):|Service:\s*([\w ]+?)[;,)]"
                                               r"|services\.(\w+)\.model", text) for h in groups if h}
    # A text that names a service other than Glue (Go's "operation error EMR Serverless: StartJobRun") is read
    # against every model: Glue defines StartJobRun and CreateJob too.
    glue_first = not hints or any("glue" in h for h in hints)
    found = [s for s in services_of_operation(operation, glue_first) if s.passes_role]
    named = [s for s in found if {_norm(s.service_id), _norm(s.name)} & hints]
    found = named or found
    if len(found) > 1:
        raise KitError(f"the error's operation {operation} exists in several AWS services that take a role "
                       f"({', '.join(s.service_id for s in found)}): pass the service the role is passed to "
                       f"(--service / service=, e.g. {found[0].principal})")
    return found[0].principal if found else ""
