"""The top floor an SRE imports: ``glue_iam_kit.connect(...)`` returns an :class:`Account` over the same targets,
principals, diagnosis and matrix the CLI and the notebooks use (they call the same functions; nothing here
decides on its own).

>>> import glue_iam_kit
>>> acct = glue_iam_kit.connect(sandbox="seed-incident")          # doctest: +SKIP
>>> acct.policies("dev-user")                                     # doctest: +SKIP

Every method returns a DataFrame with documented columns (present when it is empty) or a result that renders
itself in Jupyter. The target is read-only, as everywhere in the kit: no method writes to AWS.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import glue_iam_kit.reports.finding  # noqa: F401 - registers how a Finding shows itself in Jupyter and in text
from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.errors import KitError, NotFoundError
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE


def check_same_entity(given: str, arn: str) -> None:
    """*given* (a name or an ARN) names the entity read as *arn*: IAM reads users and roles by name alone, so an
    ARN of another account (or with another path) would otherwise be answered for this account's namesake."""
    if not given.startswith("arn:"):
        return
    g, a = parse_arn(given), parse_arn(arn)
    if g.account != a.account or (g.service == "iam" and g.resource.lower() != a.resource.lower()):
        raise KitError(f"{given} is not one of this account's: its {a.resource_type} {a.name!r} is {arn}")


def _role_hint(target: Any, principal: str) -> str:
    """For a bare name that is no user: say when it is a role (a role is named by its ARN)."""
    if principal.startswith("arn:"):
        return ""
    try:
        arn = target.get_role(principal)["Arn"]
    except KitError:
        return ""
    return f"; {principal!r} is a role: pass its ARN ({arn})"


# The columns of who_can_pass / passable_roles (the matrix's own, plus the names a person reads).
PASS_COLUMNS = ["principal", "principal_arn", "role", "role_arn", "decision", "blocked_by", "statements"]


def mfa_mode(mfa: bool | str | None) -> str:
    """``aws:MultiFactorAuthPresent`` as the kit's MFA mode: None = long-term keys (the key absent), True = an MFA
    session, False = the key sent as false; the mode words (``absent``, ``present``, ``false``) pass through."""
    if mfa is None:
        return "absent"
    if isinstance(mfa, bool):
        return "present" if mfa else "false"
    return str(mfa)


def connect(sandbox: str | None = None, *, profile: str | None = None, region: str | None = None,
            aws: bool = False, snapshot: str | None = None, endpoint_url: str | None = None,
            user: str | None = None, role: str | None = None, job: str | None = None,
            account_id: str | None = None, **scenario_params: str | None) -> Account:
    """Open one of the kit's three targets and return an :class:`Account` on it.

    ``connect(sandbox="seed-incident", user=..., role=..., job=..., account_id=...)`` builds a sandbox scenario
    with those names (an ARN gives its name; another principal's ARN keeps the scenario's); ``connect(profile=
    "prod", region=...)`` or ``connect(aws=True)`` reads a real account through the credential chain;
    ``connect(snapshot="prod.json")`` reads a snapshot file. With nothing named: the seed-incident sandbox.
    """
    from glue_iam_kit.sources.base import open_target

    chosen = [k for k, v in (("sandbox", sandbox), ("snapshot", snapshot),
                             ("aws", aws or profile or endpoint_url)) if v]
    if len(chosen) > 1:
        raise KitError(f"connect to one target, not {' and '.join(chosen)}")
    if region and not chosen:  # as on the CLI: a region alone must not quietly mean the sandbox
        raise KitError("region= alone chooses no target: add aws=True, profile=... or sandbox=...")
    kind = chosen[0] if chosen else "sandbox"
    if kind == "sandbox":
        from glue_iam_kit.sources.sandbox import sandbox_names

        params = {"job": job, **scenario_params, **sandbox_names(user, role, account_id)}
        target = open_target("sandbox", scenario=sandbox or "seed-incident", region=region, **params)
    elif kind == "snapshot":
        target = open_target("snapshot", snapshot_path=snapshot)
    else:
        target = open_target("aws", profile=profile, region=region, endpoint_url=endpoint_url)
        _check_credentials(target)
    return Account(target, profile=profile or "", snapshot=snapshot or "")


def _check_credentials(target: Any) -> None:
    """Credentials are found now, not at the first question (no network: the chain is only resolved)."""
    try:
        found = target.session.get_credentials()
    except Exception as exc:  # a broken profile (credential_process, SSO settings): one line
        target.close()
        raise KitError(f"could not load AWS credentials: {type(exc).__name__}: {exc}") from None
    if found is None:
        target.close()
        raise KitError("no AWS credentials found in the default chain (environment variables, AWS_PROFILE, SSO, an "
                       "instance or container role): connect(profile=...), or connect(sandbox=...) or "
                       "connect(snapshot=...)")


def open_investigation(target: str = "sandbox", **parameters: Any) -> Any:
    """Open the target and start an investigation (what the investigation notebook's first cell calls).

    *parameters* are the investigation's (:data:`glue_iam_kit.jupyter.params.INVESTIGATION`): unknown names are
    refused, missing ones take their defaults. The investigation closes the target when it finishes.
    """
    from glue_iam_kit.diagnosis.investigation import start_investigation
    from glue_iam_kit.jupyter.params import investigation_parameters
    from glue_iam_kit.sources.base import open_target

    p = investigation_parameters({"target": target, **parameters})
    kwargs: dict[str, Any] = {}
    if p["target"] == "sandbox":  # in the sandbox the names also build the scenario
        from glue_iam_kit.sources.sandbox import sandbox_names

        kwargs = {**sandbox_names(p["user"], p["role"], p["account_id"] or None), "job": p["job"] or None}
        kwargs.update({k: v for k, v in (p["scenario_params"] or {}).items() if v})
    t = open_target(p["target"], scenario=p["scenario"], profile=p["profile"] or None, region=p["region"] or None,
                    snapshot_path=p["snapshot_path"] or None, endpoint_url=p["endpoint_url"] or None, **kwargs)
    try:
        return start_investigation(t, user=p["user"], job=p["job"], role=p["role"], service=p["service"],
                                   error_text=p["error_text"], profile=p["profile"], entry_point=p["entry_point"],
                                   resource=p["resource"], event_id=p["event_id"])
    except Exception:
        t.close()
        raise


class Account:
    """One account (a sandbox, a real account or a snapshot), read-only. Use it as a context manager, or
    :meth:`close` it (a sandbox holds moto's state)."""

    def __init__(self, target: Any, profile: str = "", snapshot: str = "") -> None:
        self._target, self.profile, self.snapshot = target, profile, snapshot
        self._closed = False
        self._principals: dict[str, Any] = {}
        self._matrices: dict[tuple[str, str], Any] = {}
        self._snapshot: Any = None
        self._escalation: tuple[list[Any], list[str]] | None = None

    def __enter__(self) -> Account:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._target.close()

    @property
    def target(self) -> Any:
        """The open target; a closed account (or a sandbox a later ``connect`` replaced: moto holds one per
        process) refuses in one line instead of answering from another sandbox or the network."""
        why = "this account is closed" if self._closed else getattr(self._target, "closed", "")
        if why:
            raise KitError(f"{why}: connect again (glue_iam_kit.connect(...))")
        return self._target

    def __repr__(self) -> str:
        if self._closed or getattr(self._target, "closed", ""):
            return f"<Account {self._target.kind} (closed)>"
        try:
            who = self.target.caller_identity()["Account"]
        except KitError as exc:  # a repr never fails: say why the account is unknown
            who = f"(account unknown: {exc})"
        return f"<Account {self.target.kind} {who}>"

    def defaults(self) -> dict[str, str]:
        """What a sandbox scenario investigates when nothing is named (user, role, job, error_text)."""
        return dict(self.target.subject_defaults())

    # -- what a principal holds ---------------------------------------------------------------------------
    def principal(self, principal: str) -> Any:
        """The principal's gathered policies (:class:`~glue_iam_kit.principals.PrincipalPolicies`), read once."""
        from glue_iam_kit.principals import gather_principal

        target = self.target  # a closed account answers nothing, not even what it read before
        if not isinstance(principal, str) or not principal:
            raise KitError(f"principal {principal!r}: give a user name, or a user, role or role-session ARN")
        if principal not in self._principals:
            try:
                pp = gather_principal(target, principal)
            except NotFoundError as exc:
                raise KitError(f"{exc}{_role_hint(target, principal)}") from None
            check_same_entity(principal, pp.arn)
            self._principals[principal] = pp
        return self._principals[principal]

    def policies(self, principal: str) -> pd.DataFrame:
        """Every policy of *principal* (a user name, or a user, role or role-session ARN): its own and those of
        its groups, the ``via_group`` column naming the group (empty: its own). Columns: :data:`~glue_iam_kit.
        frames.POLICY_COLUMNS` (``document`` is the whole policy as JSON)."""
        from glue_iam_kit.frames import policy_frame

        pp = self.principal(principal)
        frame = policy_frame(pp.name, pp.records)
        frame.insert(frame.columns.get_loc("via_group") + 1, "via",
                     ["group " + g if g else "own" for g in frame["via_group"]])
        frame.attrs["problems"] = list(pp.problems)
        return frame

    def groups(self, principal: str) -> pd.DataFrame:
        """The principal's groups, one row per group policy: :data:`~glue_iam_kit.frames.GROUP_COLUMNS`."""
        from glue_iam_kit import collectors as c

        return c.fetch_principal_groups(self.target, self.principal(principal))

    def statements(self, principal: str) -> pd.DataFrame:
        """Every identity statement that applies (and the boundary's): :data:`~glue_iam_kit.frames.
        STATEMENT_COLUMNS`."""
        from glue_iam_kit import collectors as c

        return c.fetch_identity_statements(self.target, self.principal(principal))

    def role(self, role: str) -> pd.DataFrame:
        """A role's own attached and inline policies: :data:`~glue_iam_kit.frames.ROLE_POLICY_COLUMNS`."""
        from glue_iam_kit import collectors as c

        self.role_entity(role)
        return c.fetch_role_policies(self.target, role)

    def trust(self, role: str) -> pd.DataFrame:
        """A role's trust policy, one row per trusted principal: :data:`~glue_iam_kit.frames.TRUST_COLUMNS`."""
        from glue_iam_kit import collectors as c

        self.role_entity(role)
        return c.fetch_role(self.target, role)

    def glue_resource(self, kind: str, name: str) -> pd.DataFrame:
        """The role a Glue resource (*kind*: job, crawler, session, dev-endpoint, ml-transform) runs as."""
        from glue_iam_kit.entrypoints import ENTRY_POINTS

        if kind not in ENTRY_POINTS:
            raise KitError(f"unknown Glue resource kind {kind!r}; one of {', '.join(ENTRY_POINTS)}")
        return ENTRY_POINTS[kind].fetch(self.target, name)

    def scps(self) -> pd.DataFrame:
        """The SCP statements that apply to the account, root first: :data:`~glue_iam_kit.frames.SCP_COLUMNS`."""
        from glue_iam_kit import collectors as c

        return c.fetch_service_control_policies(self.target)

    # -- decisions ----------------------------------------------------------------------------------------
    def simulate(self, principal: str, action: str = PASSROLE, resource: str = "", service: str | None = None,
                 mfa: bool | str | None = None, source_ip: str | None = None,
                 context: dict[str, Any] | None = None) -> Any:
        """Decide *principal* doing *action* on *resource* in its request context (the one the investigation
        uses): iam:PassRole carries ``iam:PassedToService`` (*service*, default glue.amazonaws.com) and the
        role's tags; *mfa* None is long-term keys (``aws:MultiFactorAuthPresent`` absent); *context* adds keys
        (``{"aws:RequestedRegion": "eu-west-1"}``). Returns a :class:`~glue_iam_kit.account_results.Simulation`."""
        from glue_iam_kit.account_results import simulate_principal

        return simulate_principal(self, principal, action, resource, service, mfa_mode(mfa), source_ip, context)

    def matrix(self, service: str = GLUE_SERVICE, mfa: bool | str | None = None) -> Any:
        """The account's PassRole matrix (:class:`~glue_iam_kit.matrix.table.PassRoleMatrix`), computed once."""
        from glue_iam_kit.matrix import compute_matrix
        from glue_iam_kit.sources.snapshot import as_snapshot_target

        key, target = (service, mfa_mode(mfa)), self.target
        if key not in self._matrices:
            if self._snapshot is None:  # every other target is read into one snapshot, once
                self._snapshot = as_snapshot_target(target)
            self._matrices[key] = compute_matrix(self._snapshot, service, key[1])
        return self._matrices[key]

    def _pass_frame(self, service: str, mfa: bool | str | None, column: str, arn: str) -> pd.DataFrame:
        frame = self.matrix(service, mfa).to_frame()
        frame = frame[frame[column].astype(str) == arn]
        out = pd.DataFrame({"principal": frame["principal_arn"].astype(str).str.rsplit("/", n=1).str[-1],
                            "principal_arn": frame["principal_arn"].astype(str),
                            "role": frame["role_arn"].astype(str).str.rsplit("/", n=1).str[-1],
                            "role_arn": frame["role_arn"].astype(str), "decision": frame["decision"].astype(str),
                            "blocked_by": frame["blocked_by"].astype(str),
                            "statements": frame["statements"].astype(str)}, columns=PASS_COLUMNS)
        return out.reset_index(drop=True)

    def who_can_pass(self, role: str, service: str = GLUE_SERVICE, mfa: bool | str | None = None) -> pd.DataFrame:
        """Every user and role of the account and whether it may pass *role* to *service* (the deciding
        statements): :data:`PASS_COLUMNS`, one row per principal."""
        return self._pass_frame(service, mfa, "role_arn", self.role_entity(role)["Arn"])

    def passable_roles(self, principal: str, service: str = GLUE_SERVICE,
                       mfa: bool | str | None = None) -> pd.DataFrame:
        """Every role of the account and whether *principal* may pass it to *service*: :data:`PASS_COLUMNS`."""
        return self._pass_frame(service, mfa, "principal_arn", self.principal(principal).arn)

    def role_entity(self, role: str) -> dict[str, Any]:
        """The role *role* (a name or its ARN) as IAM's GetRole returns it; an ARN must be the role's own (this
        account, its path): IAM finds a role by its name alone, and answering for another account's is wrong."""
        from glue_iam_kit.engine.arns import name_from

        entity = self.target.get_role(name_from(role, "role"))
        check_same_entity(role, entity["Arn"])
        return entity

    def escalation(self) -> pd.DataFrame:
        """The routes by which a principal runs code through Glue as a role that gives it more (the ``escalation``
        command's), riskiest first: :data:`~glue_iam_kit.matrix.escalation.ESCALATION_COLUMNS` (principal and role
        ARNs, route, actions, admin, gains, gains_sample, mfa); ``attrs["problems"]`` what could not be checked.
        Computed once, on the Glue matrix without MFA (:meth:`matrix`)."""
        from glue_iam_kit.matrix.escalation import EscalationAccount, escalation_frame

        if self._escalation is None:
            decided = self.matrix(GLUE_SERVICE, None)
            account = EscalationAccount(self._snapshot, decided=decided)
            self._escalation = (account.routes(), list(account.problems))
        routes, problems = self._escalation
        frame = escalation_frame(routes)
        frame.attrs["problems"] = list(problems)
        return frame

    # -- the whole procedure ------------------------------------------------------------------------------
    def investigate(self, user: str = "", job: str = "", role: str = "", error_text: str = "", event_id: str = "",
                    service: str = GLUE_SERVICE, entry_point: str = "", resource: str = "") -> Any:
        """Run every step of the investigation in this process (no kernel) and return its
        :class:`~glue_iam_kit.account_results.InvestigationResult`. With nothing named on a sandbox: the
        scenario's own failure."""
        from glue_iam_kit.account_results import InvestigationResult
        from glue_iam_kit.diagnosis.investigation import start_investigation

        inv = start_investigation(self.target, user=user, job=job, role=role, service=service,
                                  error_text=error_text, profile=self.profile, entry_point=entry_point,
                                  resource=resource, event_id=event_id)
        inv.run()
        return InvestigationResult(inv, {"profile": self.profile, "snapshot_path": self.snapshot})


__all__ = ["PASS_COLUMNS", "Account", "check_same_entity", "connect", "mfa_mode", "open_investigation"]
