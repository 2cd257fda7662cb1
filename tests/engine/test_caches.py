"""The evaluator's caches (compiled documents, policy sets and contexts of a cases file, parsed request values)
never change an answer: a cached document's note names its own policy, repeated cases keep their own context,
and the cheap ``distance`` counts what ``failures`` lists."""

from __future__ import annotations

import json

from glue_iam_kit.engine.cases import simulate_lines
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import parse_policy

OLD = {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}


def test_a_cached_document_notes_its_own_policy():
    a, b = parse_policy(OLD, "first"), parse_policy(OLD, "second")
    assert a.statements is b.statements  # compiled once
    assert "policy first:" in a.notes[0] and "policy second:" in b.notes[0]


def test_repeated_policies_keep_each_cases_context():
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                                                   "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    lines = [json.dumps({"id": n, "PolicyInputList": [doc], "ActionNames": ["s3:GetObject"], "ContextEntries": [
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [ip], "ContextKeyType": "ip"}]})
        for n, ip in enumerate(["203.0.113.9", "192.0.2.1", "203.0.113.9", "192.0.2.1"])]
    decisions = [out["EvaluationResults"][0]["EvalDecision"] for out, _ in simulate_lines(lines)]
    assert decisions == ["allowed", "implicitDeny", "allowed", "implicitDeny"]


def test_distance_counts_the_failures():
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalTag/team": "x"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
    d = evaluate_request(PolicySet(identity=(parse_policy(doc, "p"),)),
                         Request("s3:GetObject", "arn:aws:s3:::bucket/key", "arn:aws:iam::111122223333:user/a"))
    assert [t.distance for t in d.nearest_allows] == [len(t.failures) for t in d.nearest_allows] == [1, 3]
