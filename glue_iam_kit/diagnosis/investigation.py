"""The investigation: a thin runner over :data:`~glue_iam_kit.diagnosis.steps.STEPS` that holds the results.

``inv.step("account")`` runs one step (one notebook cell's single call into the package) and returns its
:class:`~glue_iam_kit.model.Finding`; ``inv.run()`` runs them all in order. A step that fails records
``could not check: <why>`` and the investigation goes on; nothing calls a mutating AWS API except the
``verify`` step with ``apply_fix=True``.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from glue_iam_kit import collectors as c
from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.identifiers import collect_identifiers
from glue_iam_kit.diagnosis.incident import evaluate_incident
from glue_iam_kit.diagnosis.layers import Layer, layer_details
from glue_iam_kit.diagnosis.outcome import Outcome
from glue_iam_kit.diagnosis.reproduce import reproduce_step
from glue_iam_kit.diagnosis.steps import STEP_BY_KEY, STEPS, TRAINING_ORDER
from glue_iam_kit.errors import KitError, marked_message
from glue_iam_kit.model import COULD_NOT_CHECK, GLUE_SERVICE, VERDICTS, Finding, Findings, could_not_check, rule_for
from glue_iam_kit.principals import PrincipalPolicies
from glue_iam_kit.sources.base import EVENT_READER, can
from glue_iam_kit.sources.cloudtrail import DeniedEvent, find_event

log = logging.getLogger(__name__)
ORDER = {key: i for i, key in enumerate(TRAINING_ORDER)}  # the procedure's order (training's includes STEPS')
DEBUG_ENV = "GLUE_IAM_KIT_DEBUG"  # set (to anything but 0 or empty): unexpected exceptions are raised, not noted


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


class Investigation:
    """The investigation of one AccessDenied (iam:PassRole, or another action) on one target. Run the steps in
    order."""

    def __init__(self, target: Any, *, user: str = "", job: str = "", role: str = "", service: str = GLUE_SERVICE,
                 error_text: str = "", profile: str = "", entry_point: str = "", resource: str = "",
                 event: DeniedEvent | None = None) -> None:
        defaults = target.subject_defaults()
        # The calls the target made before: the tally is this investigation's (an account object's target
        # serves several questions and investigations).
        self._calls_before = dict(getattr(target, "calls", {}))
        self.evidence = Evidence(target, user=user, job=job or defaults.get("job", ""), role=role,
                                 service=service, error_text=error_text or defaults.get("error_text", ""),
                                 profile=profile, entry_point=entry_point or defaults.get("entry_point", ""),
                                 resource=resource or defaults.get("resource", ""), defaults=defaults, event=event)
        self.findings: list[Finding] = []  # the steps run, in the order they were run (one per key)
        self._outcomes: dict[str, Outcome] = {}  # every step's outcome, run or computed for a later step
        self.prediction: dict[str, str] = {}  # training only

    # -- running ------------------------------------------------------------------------------------------
    def title_of(self, key: str) -> str:
        """The step's title for this investigation (the principal's kind, the Glue resource, the request)."""
        ev = self.evidence
        return STEP_BY_KEY[key].title_for(ev.service, ev.principal_noun(), ev.entry_point.noun,
                                          "" if ev.is_passrole else f"{ev.action} on the resource in the error")

    def outcome(self, key: str) -> Outcome:
        """The outcome of step *key*: as it last ran, else computed now (a skipped step loses nothing)."""
        if key not in self._outcomes:
            self._outcomes[key] = self._compute(key)
        return self._outcomes[key]

    def _compute(self, key: str, **options: Any) -> Outcome:
        try:
            return STEP_BY_KEY[key].run(self, **options)
        except KitError as exc:
            return Outcome(COULD_NOT_CHECK, could_not_check(marked_message(exc)))
        except Exception as exc:  # an unexpected failure must not lose the other steps' results
            if debugging():
                raise
            log.exception("step %s failed unexpectedly (set %s=1 to re-raise)", key, DEBUG_ENV)
            return Outcome(COULD_NOT_CHECK, could_not_check(f"unexpected {type(exc).__name__}: {exc}"))

    def step(self, key: str, **options: Any) -> Finding:
        """Run the step *key* (see STEPS) and keep its finding; any failure becomes ``could not check``. Running a
        step again replaces its finding with an equal one: steps return values, they do not accumulate."""
        out = self._compute(key, **options)
        self._outcomes[key] = out
        finding = Finding(STEP_BY_KEY[key].number, key, out.title or self.title_of(key), out.status, out.summary,
                          out.evidence, out.details)
        finding.reproduce = reproduce_step(self, finding)
        self.findings = [f for f in self.findings if f.key != key] + [finding]
        return finding

    def run(self, apply_fix: bool = False) -> list[Finding]:
        """Every step of the procedure, in order."""
        for s in STEPS:
            self.step(s.key, **({"apply_fix": apply_fix} if s.key == "verify" else {}))
        return self.findings

    # -- the results, as the steps returned them (reading them runs nothing) ---------------------------------
    def _latest(self, *keys: str) -> Outcome | None:
        return next((self._outcomes[k] for k in keys if k in self._outcomes), None)

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        """The verdict step's verdicts; before it ran, those the steps so far reached, in the procedure's order."""
        done = self._latest("verdict")
        if done is not None:
            return done.verdicts
        found = [v for s in STEPS if s.key in self._outcomes for v in self._outcomes[s.key].verdicts]
        return sorted(found, key=lambda v: VERDICTS.index(v["verdict"]))

    @property
    def layers(self) -> list[Layer]:
        """The simulations: with the restrictions peeled (step 7), else the first (step 6)."""
        latest = self._latest("explicit-deny", "simulate")
        return list(latest.layers or []) if latest else []

    @property
    def fix(self) -> dict[str, Any] | None:
        latest = self._latest("implicit-deny")
        return latest.fix if latest else None

    @property
    def what_if(self) -> list[dict[str, Any]]:
        latest = self._latest("implicit-deny")
        return latest.what_if if latest else []

    @property
    def security(self) -> list[dict[str, Any]]:
        latest = self._latest("verdict", "implicit-deny")
        return latest.security if latest else []

    @property
    def verification(self) -> dict[str, Any]:
        latest = self._latest("verify")
        return latest.verification if latest else {}

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
        doc = Findings(verdicts=self.verdicts, error=self.evidence.error.as_dict() if self.evidence.error else None,
                       steps=[f.as_dict() for f in sorted(self.findings, key=lambda f: ORDER[f.key])],
                       simulations=[layer_details(layer) for layer in self.layers], fix=self.fix,
                       what_if=self.what_if, verification=self.verification, security=self.security,
                       aws_calls=self.aws_calls(),
                       rule=rule_for(self.evidence.action, self.evidence.service),
                       generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                       event=self.evidence.event.as_dict() if self.evidence.event else None)
        doc.incident = evaluate_incident(doc).as_dict()
        return doc

    def aws_calls(self) -> dict[str, int]:
        """The AWS calls this investigation made, per operation."""
        before = self._calls_before
        now = getattr(self.target, "calls", {})
        return {op: n - before.get(op, 0) for op, n in sorted(now.items()) if n > before.get(op, 0)}

    def results(self) -> dict[str, Any]:
        """findings.json (before anonymisation) as data."""
        return self.document().to_dict()

    def finish(self) -> Any:
        """Close the target and show the call tally; the shown tally carries the results to the kit's runner (the
        reports are made from them, see :class:`glue_iam_kit.diagnosis.handover.Handover`)."""
        from glue_iam_kit.diagnosis.handover import Handover

        if self.finding("verdict") is None:
            self.step("verdict")
        tally = c.render_call_tally(self.target, self._calls_before)
        handover = Handover(tally, self.results(), self.identifiers())
        self.target.close()
        return handover


def read_event(target: Any, event_id: str) -> DeniedEvent:
    """The CloudTrail event *event_id* from the target (the aws target looks back 90 days, CloudTrail's limit)."""
    if not can(target, EVENT_READER):
        raise KitError(f"the {target.kind} target has no CloudTrail events")
    return find_event(target.cloudtrail_events(timedelta(days=90)), event_id)


def start_investigation(target: Any, *, user: str = "", job: str = "", role: str = "", service: str = GLUE_SERVICE,
                        error_text: str = "", profile: str = "", entry_point: str = "", resource: str = "",
                        event_id: str = "") -> Investigation:
    """An investigation on an open *target* (the caller closes it): the CloudTrail event *event_id*, when given,
    supplies the principal, the error text and the real request context. An unknown principal is refused now."""
    event = read_event(target, event_id) if event_id else None
    inv = Investigation(target, user=user or (event.principal if event else ""), job=job, role=role,
                        service=service, error_text=error_text or (event.error_message if event else ""),
                        profile=profile, entry_point=entry_point, resource=resource, event=event)
    inv.principal  # noqa: B018 - an unknown principal makes the whole investigation impossible: say so now
    return inv
