"""The evaluator's table: each file in tests/engine/cases/ is a topic; each case one simulate-custom-policy request.

Shorthands keep the tables readable (expanded by :func:`build`):
- ``"condition": {...}``  → one Allow statement on the default action and resource with that Condition;
- ``"statements": [...]`` → one identity policy with these statements;
- ``"context": [[key, value(s), type], ...]`` → ContextEntries (type defaults to string).
Expectations: ``expect`` (the decision), ``blocked_by``, ``deciding`` and ``nearest`` (``POLICYID#N`` labels,
nearest compared as a prefix), ``missing`` (MissingContextValues), ``explain`` (text that must appear in the
trace), ``boundary``/``organizations`` (the decision details), ``error`` (a substring of the error).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glue_iam_kit.engine.cases import simulate_case
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.frames import render_trace_frame

CASE_DIR = Path(__file__).parent / "cases"
BASE_DEFAULTS = {
    "CallerArn": "arn:aws:iam::111122223333:user/alice",
    "ActionNames": ["s3:GetObject"],
    "ResourceArns": ["arn:aws:s3:::bucket/key"],
}


def _doc(statements):
    return {"Version": "2012-10-17", "Statement": statements}


def build(defaults: dict, case: dict) -> dict:
    req = {**BASE_DEFAULTS, **defaults, **{k: v for k, v in case.items() if k[0].isupper()}}
    if "condition" in case:
        req["PolicyInputList"] = [_doc([{"Effect": "Allow", "Action": req["ActionNames"][0], "Resource": "*",
                                         "Condition": case["condition"]}])]
    if "statements" in case:
        req["PolicyInputList"] = [_doc(case["statements"])]
    if "context" in case:
        req["ContextEntries"] = [
            {"ContextKeyName": e[0], "ContextKeyValues": e[1] if isinstance(e[1], list) else [e[1]],
             "ContextKeyType": e[2] if len(e) > 2 else "string"} for e in case["context"]]
    # "@seed"/"@mfa" in a case's PolicyInputList stand for the defaults' first/second policy.
    refs = {"@seed": 0, "@mfa": 1}
    if any(isinstance(p, str) and p in refs for p in req.get("PolicyInputList", [])):
        req["PolicyInputList"] = [defaults["PolicyInputList"][refs[p]] if isinstance(p, str) and p in refs else p
                                  for p in req["PolicyInputList"]]
    req["id"] = case["id"]
    return req


def _cases():
    for path in sorted(CASE_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            yield pytest.param(data.get("defaults", {}), case, id=f"{path.stem}: {case['id']}")


def _labels(traces):
    return [f"{t.source.name}#{t.index + 1}" for t in traces]


@pytest.mark.parametrize("defaults,case", list(_cases()))
def test_case(defaults, case):
    out, decisions = simulate_case(build(defaults, case))
    if "error" in case:
        assert "error" in out, f"expected an error, got {out}"
        assert case["error"] in out["error"]
        return
    assert "error" not in out, out.get("error")
    d = decisions[0]
    text = render_trace_text(d)
    assert d.decision == case["expect"], text
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == case["expect"]
    if "blocked_by" in case:
        assert d.blocked_by == case["blocked_by"], text
    if "deciding" in case:
        assert _labels(d.deciding) == case["deciding"], text
    if "nearest" in case:
        assert _labels(d.nearest_allows)[: len(case["nearest"])] == case["nearest"], text
    if "missing" in case:
        assert result["MissingContextValues"] == case["missing"]
    if "boundary" in case:
        assert result["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is case["boundary"]
    if "organizations" in case:
        assert result["OrganizationsDecisionDetail"]["AllowedByOrganizations"] is case["organizations"]
    for fragment in case.get("explain", []):
        assert fragment in text, text
    frame = render_trace_frame(d)
    assert len(frame) == len(d.statements) and frame["deciding"].sum() == len(d.deciding)


def test_every_topic_is_covered():
    topics = {p.stem for p in CASE_DIR.glob("*.json")}
    assert {"string", "numeric", "date", "bool_binary", "ip", "arn", "null_ifexists", "set_operators",
            "actions_resources", "variables", "boundary", "scp", "resource_policy", "seed_story",
            "malformed"} <= topics
