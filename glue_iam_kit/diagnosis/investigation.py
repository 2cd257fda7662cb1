"""The investigation: a thin runner over :data:`~glue_iam_kit.diagnosis.steps.STEPS` that holds the results.

``inv.step("account")`` runs one step (one notebook cell's single call into the package) and returns its
:class:`~glue_iam_kit.model.Finding`; ``inv.run()`` runs them all in order. A step that fails records
``could not check: <why>`` and the investigation goes on; nothing calls a mutating AWS API except the
``verify`` step with ``apply_fix=True``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from glue_iam_kit import collectors as c
from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.identifiers import collect_identifiers
from glue_iam_kit.diagnosis.layers import Layer, layer_details
from glue_iam_kit.diagnosis.steps import STEP_BY_KEY, STEPS
from glue_iam_kit.errors import KitError, marked_message
from glue_iam_kit.model import COULD_NOT_CHECK, GLUE_SERVICE, VERDICTS, Finding, Findings, could_not_check, rule_for
from glue_iam_kit.principals import PrincipalPolicies
from glue_iam_kit.sources.base import EVENT_READER, can
from glue_iam_kit.sources.cloudtrail import DeniedEvent, find_event


class Investigation:
    """The investigation of one AccessDenied (iam:PassRole, or another action) on one target. Run the steps in
    order."""

    def __init__(self, target: Any, *, user: str = "", job: str = "", role: str = "", service: str = GLUE_SERVICE,
                 error_text: str = "", profile: str = "", entry_point: str = "", resource: str = "",
                 event: DeniedEvent | None = None) -> None:
        defaults = target.subject_defaults()
        self.evidence = Evidence(target, user=user, job=job or defaults.get("job", ""), role=role,
                                 service=service, error_text=error_text or defaults.get("error_text", ""),
                                 profile=profile, entry_point=entry_point or defaults.get("entry_point", ""),
                                 resource=resource or defaults.get("resource", ""), defaults=defaults, event=event)
        self.findings: list[Finding] = []
        self.verdicts: list[dict[str, Any]] = []
        self.layers: list[Layer] = []
        self.security: list[dict[str, Any]] = []
        self.fix: dict[str, Any] | None = None
        self.what_if: list[dict[str, Any]] = []
        self.verification: dict[str, Any] = {}
        self.prediction: dict[str, str] = {}  # training only

    # -- running ------------------------------------------------------------------------------------------
    def step(self, key: str, **options: Any) -> Finding:
        """Run the step *key* (see STEPS) and keep its finding; any failure becomes ``could not check``."""
        step = STEP_BY_KEY[key]
        ev = self.evidence
        title = step.title_for(ev.service, ev.principal_noun(), ev.entry_point.noun,
                               "" if ev.is_passrole else f"{ev.action} on the resource in the error")
        try:
            out = step.run(self, **options)
            finding = Finding(step.number, key, out.title or title, out.status, out.summary, out.evidence,
                              out.details)
        except KitError as exc:
            finding = Finding(step.number, key, title, COULD_NOT_CHECK, could_not_check(marked_message(exc)))
        except Exception as exc:  # an unexpected failure must not lose the other steps' results
            finding = Finding(step.number, key, title, COULD_NOT_CHECK,
                              could_not_check(f"unexpected {type(exc).__name__}: {exc}"))
        self.findings = [f for f in self.findings if f.key != key] + [finding]
        return finding

    def run(self, apply_fix: bool = False) -> list[Finding]:
        """Every step of the procedure, in order."""
        for s in STEPS:
            self.step(s.key, **({"apply_fix": apply_fix} if s.key == "verify" else {}))
        return self.findings

    def add_verdict(self, name: str, **details: Any) -> None:
        """Record a verdict (one of VERDICTS), replacing an earlier one of the same name."""
        if name not in VERDICTS:
            raise ValueError(f"not a verdict: {name}")
        self.verdicts = [v for v in self.verdicts if v["verdict"] != name] + [{"verdict": name, **details}]

    # -- what the explorer and the tests use ---------------------------------------------------------------
    @property
    def target(self) -> Any:
        return self.evidence.target

    @property
    def principal(self) -> PrincipalPolicies:
        return self.evidence.principal

    def finding(self, key: str) -> Finding | None:
        return next((f for f in self.findings if f.key == key), None)

    # -- results ------------------------------------------------------------------------------------------
    def identifiers(self) -> dict[str, Any]:
        """Every identifier the reports must anonymise, gathered from what the investigation saw."""
        return collect_identifiers(self.evidence)

    def document(self) -> Findings:
        """findings.json (before anonymisation), typed."""
        return Findings(verdicts=self.verdicts, error=self.evidence.error.as_dict() if self.evidence.error else None,
                        steps=[f.as_dict() for f in self.findings],
                        simulations=[layer_details(layer) for layer in self.layers], fix=self.fix,
                        what_if=self.what_if, verification=self.verification, security=self.security,
                        aws_calls=dict(sorted(getattr(self.target, "calls", {}).items())),
                        rule=rule_for(self.evidence.action),
                        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        event=self.evidence.event.as_dict() if self.evidence.event else None)

    def results(self) -> dict[str, Any]:
        """findings.json (before anonymisation) as data."""
        return self.document().to_dict()

    def finish(self) -> Any:
        """Close the target and show the call tally; the shown tally carries the results to the kit's runner (the
        reports are made from them, see :class:`glue_iam_kit.jupyter.run.Handover`)."""
        from glue_iam_kit.jupyter.run import Handover

        if self.finding("verdict") is None:
            self.step("verdict")
        tally = c.render_call_tally(self.target)
        handover = Handover(tally, self.results(), self.identifiers())
        self.target.close()
        return handover


def read_event(target: Any, event_id: str) -> DeniedEvent:
    """The CloudTrail event *event_id* from the target (the aws target looks back 90 days, CloudTrail's limit)."""
    if not can(target, EVENT_READER):
        raise KitError(f"the {target.kind} target has no CloudTrail events")
    return find_event(target.cloudtrail_events(timedelta(days=90)), event_id)


def open_investigation(target: str = "sandbox", **parameters: Any) -> Investigation:
    """Open the target and start an investigation (what the notebook's first cell calls).

    *parameters* are the investigation's parameters (:data:`glue_iam_kit.jupyter.params.INVESTIGATION`):
    unknown names are refused, missing ones take their defaults.
    """
    from glue_iam_kit.jupyter.params import investigation_parameters
    from glue_iam_kit.sources.base import open_target

    p = investigation_parameters({"target": target, **parameters})
    kwargs: dict[str, Any] = {}
    if p["target"] == "sandbox":
        # In the sandbox the names also build the scenario (a name, or the name in an ARN).
        from glue_iam_kit.engine.arns import name_from
        from glue_iam_kit.errors import ArnError

        try:
            kwargs = {"user": name_from(p["user"], "user") if p["user"] else None,
                      "role": name_from(p["role"], "role") if p["role"] else None, "job": p["job"] or None}
        except ArnError as exc:
            raise KitError(str(exc)) from None
        kwargs["account_id"] = p["account_id"] or None
        kwargs.update({k: v for k, v in (p["scenario_params"] or {}).items() if v})
    t = open_target(p["target"], scenario=p["scenario"], profile=p["profile"] or None, region=p["region"] or None,
                    snapshot_path=p["snapshot_path"] or None, endpoint_url=p["endpoint_url"] or None, **kwargs)
    try:
        event = read_event(t, p["event_id"]) if p["event_id"] else None
        inv = Investigation(t, user=p["user"] or (event.principal if event else ""), job=p["job"], role=p["role"],
                            service=p["service"], error_text=p["error_text"] or (event.error_message if event else ""),
                            profile=p["profile"], entry_point=p["entry_point"], resource=p["resource"], event=event)
        inv.principal  # noqa: B018 - an unknown principal makes the whole investigation impossible: say so now
    except Exception:
        t.close()
        raise
    return inv
