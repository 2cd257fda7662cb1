"""What a route family is: a way for a principal to run code as a role through Glue, and the actions it uses.

A route is asked one question: with what this principal may do (a :class:`Reach`), can it run code as this role
(a :class:`RoleTarget`: the role and the Glue resources that run as it)? It answers with the actions it uses, or
None. Every action of a route is decided by the local evaluator in the principal's request context, so
boundaries, SCPs and explicit denies apply to each of them. One module per family, listed in
:data:`glue_iam_kit.diagnosis.routes.ROUTES` (as principalmapper lists one ``*_edges.py`` per service).

Glue resource ARNs follow the Service Authorization Reference, "Actions, resources, and condition keys for AWS
Glue" (``job/``, ``trigger/``, ``devEndpoint/``, ``session/``); a script location ``s3://bucket/key`` is the S3
object ``arn:aws:s3:::bucket/key``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from glue_iam_kit.diagnosis.trust import evaluate_trust
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.decision import ALLOWED
from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.model import GLUE_SERVICE

# A name no grant targets on purpose: a new job, trigger, endpoint or session the principal would create.
NEW = "glue-iam-kit-new-zZ9"
_GLUE_TYPES = {"job": "job", "trigger": "trigger", "dev-endpoint": "devEndpoint", "session": "session"}


class Reach(Protocol):
    """What one principal may do (each answer from the evaluator, in its request context)."""

    def may(self, action: str, resource: str) -> bool: ...

    def may_new(self, action: str, resource: str) -> bool:
        """*action* on a resource the principal creates, tagged as its policies ask."""
        ...

    def may_pass(self, role: RoleTarget) -> bool:
        """iam:PassRole of the role to glue.amazonaws.com."""
        ...


@dataclass
class GlueAccount:
    """The account's Glue resources that routes look at (each as Glue's Get* returns it)."""

    account: str
    region: str = "us-east-1"
    jobs: list[dict[str, Any]] = field(default_factory=list)
    dev_endpoints: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:glue:{self.region}:{self.account}:{_GLUE_TYPES[kind]}/{name}"

    def triggers_of(self, job_name: str) -> list[str]:
        """Names of the triggers that start *job_name* (their Actions name it)."""
        return [t.get("Name", "") for t in self.triggers
                if any(a.get("JobName") == job_name for a in t.get("Actions") or [] if isinstance(a, dict))]

    def target(self, role_arn: str, trust: Any, tags: dict[str, str] | None = None) -> RoleTarget:
        """The role and the Glue resources that run as it (a job or endpoint may store a name or an ARN)."""
        name = role_arn.rsplit("/", 1)[-1]
        runs = (role_arn, name)
        return RoleTarget(role_arn, trust, dict(tags or {}), [j for j in self.jobs if j.get("Role") in runs],
                          [e for e in self.dev_endpoints if e.get("RoleArn") in runs])


@dataclass
class RoleTarget:
    arn: str
    trust: Any  # the trust policy document (or None: unknown)
    tags: dict[str, str] = field(default_factory=dict)  # iam:ResourceTag/* of a PassRole request
    jobs: list[dict[str, Any]] = field(default_factory=list)
    dev_endpoints: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Route:
    """A route family. One that passes the role needs, besides iam:PassRole, only what does not depend on the
    role: an account asks it once per principal (with PassRole granted) and crosses that with the PassRole
    matrix; the others (the role's own endpoints and jobs) are asked role by role."""

    name: str  # job, dev-endpoint, dev-endpoint-update, session, script
    summary: str  # one line for --help and reports
    find: Callable[[Reach, RoleTarget, GlueAccount], tuple[str, ...] | None]
    passes_role: bool = True


def read_glue_account(target: Any, account: str) -> GlueAccount:
    """The Glue resources routes look at; a kind the target cannot list is simply absent (a bare
    authorization-details file). Triggers come from a snapshot's optional ``Triggers`` (the ``Triggers`` of
    ``aws glue get-triggers``)."""
    glue = GlueAccount(account, getattr(target, "region", None) or "us-east-1")
    try:
        glue.jobs = [j for j in target.list_jobs() if isinstance(j, dict)]
    except CouldNotCheck:
        pass
    try:
        glue.dev_endpoints = target.list_glue_resources("dev-endpoint")
    except (CouldNotCheck, KeyError):
        pass
    data = getattr(target, "data", None)
    if isinstance(data, dict):
        glue.triggers = [t for t in data.get("Triggers") or [] if isinstance(t, dict)]
    return glue


def service_may_assume(trust: Any, role_arn: str, service: str = GLUE_SERVICE, source_arns: tuple[str, ...] = ()
                       ) -> bool:
    """Whether *service* may assume the role: its trust policy decides sts:AssumeRole with the service as the
    caller (the evaluator, as for any resource-based policy; a malformed or missing trust policy: no). The
    service sends the account it acts for and the resource it acts for (``aws:SourceAccount``,
    ``aws:SourceArn``: the confused-deputy keys a trust policy may test): with *source_arns*, the role is
    assumable when it is for one of them."""
    if not trust:
        return False
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    context = RequestContext([context_value("aws:SourceAccount", account)] if account else [])
    try:
        document = load_document(trust, f"{role_arn} trust policy")
        for source in ("", *source_arns):
            ctx = context.with_values(context_value("aws:SourceArn", source)) if source else context
            name = role_arn.rsplit("/", 1)[-1]
            if evaluate_trust(document, name, role_arn, service, account, ctx).decision == ALLOWED:
                return True
    except KitError:
        return False
    return False


def glue_may_assume(role: RoleTarget, glue: GlueAccount) -> bool:
    """Whether Glue may assume *role* for a route: for a new job, endpoint or session of the account, or for the
    role's own jobs and endpoints (a trust that pins ``aws:SourceArn`` to ``...:job/*`` is a job route's).
    Approximate: one answer per role, not per route family."""
    sources: tuple[str, ...] = ()
    if "sourcearn" in str(role.trust).lower():
        sources = (*(glue.arn(kind, NEW) for kind in ("job", "dev-endpoint", "session")),
                   *(glue.arn("job", j["Name"]) for j in role.jobs if isinstance(j.get("Name"), str)),
                   *(glue.arn("dev-endpoint", e["EndpointName"]) for e in role.dev_endpoints
                     if isinstance(e.get("EndpointName"), str)))
    return service_may_assume(role.trust, role.arn, GLUE_SERVICE, sources)


def job_field(job: Any, section: str, key: str) -> str:
    """``job[section][key]`` as text (``Command.ScriptLocation``, ``DefaultArguments.--TempDir``); ``""`` when a
    snapshot holds anything else there (a hand-edited file: no route, no crash)."""
    parent = job.get(section) if isinstance(job, dict) else None
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, str) else ""


def s3_object_arn(location: str) -> str:
    """``s3://bucket/key`` as the S3 object ARN (``""`` for anything else)."""
    if not location.startswith("s3://") or "/" not in location[5:]:
        return ""
    return "arn:aws:s3:::" + location[5:]
