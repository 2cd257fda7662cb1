"""Training: the trainee records a prediction (verdict and the deciding policy) before the simulation; the kit
grades it against what the investigation found. Both are steps of the one step list
(:data:`glue_iam_kit.diagnosis.steps.TRAINING_STEPS`); these are the notebook's names for them."""

from __future__ import annotations

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.model import Finding


def record_prediction(inv: Investigation, verdict: str, policy: str = "", escalation: str = "") -> Finding:
    """Record the trainee's prediction (shown in the notebook before the simulation runs); *escalation*
    (``yes``/``no``, optional): what the fix's security review will find."""
    return inv.step("prediction", verdict=verdict, policy=policy, escalation=escalation)


def grade(inv: Investigation) -> Finding:
    """Compare the recorded prediction with the verdicts; explain what was missed."""
    return inv.step("grade")
