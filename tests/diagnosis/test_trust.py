"""The trust step's rule, decided by the evaluator: the service as the principal of sts:AssumeRole."""

from __future__ import annotations

import pytest

from glue_iam_kit.diagnosis.trust import evaluate_trust

ARN = "arn:aws:iam::111122223333:role/etl"
GLUE = "glue.amazonaws.com"


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action="sts:AssumeRole", principal=None, **extra):
    return {"Effect": "Allow", "Principal": principal or {"Service": GLUE}, "Action": action, **extra}


@pytest.mark.parametrize("doc,decision", [
    (_doc(_allow()), "allowed"),
    (_doc(_allow("sts:Assume*")), "allowed"),  # a wildcard the old regular expression missed
    (_doc(_allow("*")), "allowed"),
    (_doc(_allow(["sts:AssumeRole", "sts:TagSession"])), "allowed"),
    (_doc(_allow(principal={"Service": ["lambda.amazonaws.com", GLUE]})), "allowed"),
    (_doc(_allow(principal="*")), "allowed"),
    (_doc(_allow(principal={"Service": "lambda.amazonaws.com"})), "implicitDeny"),
    (_doc(_allow(principal={"AWS": "arn:aws:iam::111122223333:root"})), "implicitDeny"),
    (_doc(_allow("sts:AssumeRoleWithWebIdentity")), "implicitDeny"),
    (_doc(_allow(), {"Effect": "Deny", "Principal": {"Service": GLUE}, "Action": "sts:*"}), "explicitDeny"),
    (_doc(_allow(), {"Effect": "Deny", "NotPrincipal": {"Service": "lambda.amazonaws.com"},
                     "Action": "sts:AssumeRole"}), "explicitDeny"),
    (_doc(), "implicitDeny"),
])
def test_trust_is_decided_by_the_evaluator(doc, decision):
    assert evaluate_trust(doc, "etl", ARN, GLUE, "111122223333").decision == decision


def test_a_condition_on_what_the_service_sends_is_unknown_not_guessed():
    doc = _doc(_allow(Condition={"StringEquals": {"aws:SourceArn": "arn:aws:glue:eu-west-1:111122223333:job/x"}}))
    out = evaluate_trust(doc, "etl", ARN, GLUE, "111122223333")
    assert out.decision == "implicitDeny" and [k.lower() for k in out.unknown_keys] == ["aws:sourcearn"]
