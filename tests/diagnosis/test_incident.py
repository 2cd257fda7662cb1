"""The incident model (pure): the layer that decided the reported request, chosen with the error's own cause;
the fix's status; the times, in order."""

from __future__ import annotations

from typing import Any

import pytest

from glue_iam_kit.diagnosis.incident import (
    NONE_POSSIBLE,
    NOT_NEEDED,
    PROPOSED,
    error_time,
    evaluate_incident,
)
from glue_iam_kit.model import Findings

MFA_DENY = {"decision": "explicitDeny", "blocked_by": None, "context": [],
            "deciding": [{"policy": "RequireMFA", "kind": "identity", "statement": 1}]}
WITH_MFA = {"decision": "implicitDeny", "blocked_by": "identity", "deciding": [],
            "context": [{"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"]}]}
ALLOWED = {"decision": "allowed", "blocked_by": None, "context": [], "deciding": [{"policy": "P", "kind": "identity"}]}
EXPLICIT = {"verdict": "explicit-deny", "policy": "RequireMFA", "restriction": "mfa", "satisfied_by": "an MFA session"}
NO_ALLOW = {"verdict": "no-allow", "blocked_by": "identity"}
FIX = {"policy": {"Statement": []}, "where": "group", "principal": "G", "policy_name": "AllowPass"}


def _findings(verdicts: list[dict[str, Any]], sims: list[dict[str, Any]], error: dict[str, Any] | None = None,
              **more: Any) -> Findings:
    return Findings(verdicts=verdicts, simulations=sims, error=error, generated_at="2026-12-01T10:00:00+00:00",
                    **more)


@pytest.mark.parametrize("error, event, decided, layer, why", [
    ({"kind": "implicit", "policy_type": "identity"}, None, "no-allow", 2, "MFA session"),
    ({"kind": "explicit", "policy_type": "identity"}, None, "explicit-deny", 1, "matches the request"),
    (None, None, "explicit-deny", 1, "no error cause to match"),
    ({"kind": "unknown", "policy_type": "unknown"}, {"time": "2026-11-30T09:14:02Z", "mfa": "true"},
     "explicit-deny", 1, "CloudTrail"),
])
def test_the_error_s_cause_chooses_the_layer(error, event, decided, layer, why):
    f = _findings([EXPLICIT, NO_ALLOW], [MFA_DENY, WITH_MFA], error, event=event, fix=FIX,
                  what_if=[{"as_expected": True}])
    inc = evaluate_incident(f)
    assert (inc.decided_by["verdict"], inc.decided_by["layer"]) == (decided, layer)
    assert why in inc.decided_by["why"]
    assert [v["verdict"] for v in inc.also_found] == [n for n in ("explicit-deny", "no-allow") if n != decided]
    assert inc.denied and inc.fix_status == PROPOSED


def test_an_explicit_deny_found_but_not_deciding_says_whom_it_applies_to():
    inc = evaluate_incident(_findings([EXPLICIT, NO_ALLOW], [MFA_DENY, WITH_MFA],
                                      {"kind": "implicit", "policy_type": "identity"}))
    assert inc.also_found[0]["applies_to"] == "requests without an MFA session (long-term keys)"


@pytest.mark.parametrize("verdicts, sims, fix, status, remedy", [
    ([{"verdict": "allowed"}], [ALLOWED], None, NOT_NEEDED, ""),
    ([EXPLICIT], [MFA_DENY], None, NONE_POSSIBLE, "an MFA session"),
    ([{"verdict": "role-not-found", "role": "R"}, NO_ALLOW], [WITH_MFA], None, NONE_POSSIBLE, "create the role R"),
    ([{"verdict": "trust-missing-service", "service": "glue.amazonaws.com"}, {"verdict": "allowed"}], [ALLOWED],
     None, NONE_POSSIBLE, "add glue.amazonaws.com to the role's trust policy"),
    ([NO_ALLOW], [WITH_MFA], {"where": "scp", "action": "an SCP change", "policy": None}, NONE_POSSIBLE,
     "an SCP change"),
    ([{"verdict": "wrong-account", "expected": "999", "actual": "111"}, NO_ALLOW], [WITH_MFA], FIX, NONE_POSSIBLE,
     "investigate account 999"),
])
def test_the_fix_status(verdicts, sims, fix, status, remedy):
    inc = evaluate_incident(_findings(verdicts, sims, fix=fix, what_if=[{"as_expected": True}]))
    assert inc.fix_status == status and inc.remedy.startswith(remedy)


@pytest.mark.parametrize("text, when", [
    ("2026-11-30T09:14:02Z ERROR deploy failed", "2026-11-30T09:14:02+00:00"),
    ("2026-11-30T18:14:02.123+0900 [ERROR] provider", "2026-11-30T09:14:02+00:00"),
    ("[2026/11/30 09:14:02] AccessDenied", "2026-11-30T09:14:02+00:00"),  # no zone: read as UTC
    ("User: arn:aws:iam::111122223333:user/x is not authorized", ""),
])
def test_a_timestamp_in_the_pasted_text(text, when):
    assert error_time(text) == when


def test_the_timeline_is_in_time_order_and_holds_the_pasted_time():
    steps = [{"key": "job", "evidence": [{"last_modified": "2026-12-01 09:00:00+00:00"}]},
             {"key": "failure", "summary": "investigating", "evidence": []}]
    f = _findings([NO_ALLOW], [WITH_MFA], {"kind": "implicit", "policy_type": "identity",
                                           "text": "2026-11-30T09:14:02Z Error: AccessDenied"}, steps=steps)
    times = evaluate_incident(f).times
    assert [t["what"].split(" (")[0].split(":")[0] for t in times] == ["the failure", "the job's last change",
                                                                       "investigated"]
    assert "after the failure: what was read is newer than the error" in times[1]["what"]
    assert "the time in the pasted error" in times[0]["what"]
