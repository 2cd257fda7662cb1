"""`glue-iam-kit simulate`: JSON Lines in, AWS-shaped JSON Lines out, in order; bad lines do not stop the others."""

from __future__ import annotations

import json

import pandas as pd

from glue_iam_kit.cli import main
from glue_iam_kit.frames import simulate_frame

ALLOW_PASSROLE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/etl-runtime",
     "Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}}]}
GLUE = [{"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["glue.amazonaws.com"],
         "ContextKeyType": "string"}]


def _write(tmp_path, lines):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_output_lines_in_order_with_errors_in_place(tmp_path, capsys):
    path = _write(tmp_path, [
        {"id": "c1", "PolicyInputList": [ALLOW_PASSROLE], "CallerArn": "arn:aws:iam::111122223333:user/alice",
         "ActionNames": ["iam:PassRole", "iam:GetRole"],
         "ResourceArns": ["arn:aws:iam::111122223333:role/etl-runtime", "arn:aws:iam::111122223333:role/other"],
         "ContextEntries": GLUE, "SomethingNew": "ignored"},
        "{not json",
        {"id": "c3", "PolicyInputList": [{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}],
         "ActionNames": ["iam:PassRole"]},
        "",
        {"id": "c4", "PolicyInputList": [json.dumps(ALLOW_PASSROLE)], "ActionNames": ["iam:PassRole"],
         "ResourceArns": ["arn:aws:iam::111122223333:role/etl-runtime"],
         "ContextEntries": [{"ContextKeyName": "iam:PassedToService", "ContextKeyValues": ["ec2.amazonaws.com"],
                             "ContextKeyType": "string"}]},
    ])
    assert main(["simulate", "--cases", str(path)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["c1", None, "c3", "c4"]
    results = out[0]["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalResourceName"].rsplit("/", 1)[1], r["EvalDecision"]) for r in results] == [
        ("iam:PassRole", "etl-runtime", "allowed"), ("iam:PassRole", "other", "implicitDeny"),
        ("iam:GetRole", "etl-runtime", "implicitDeny"), ("iam:GetRole", "other", "implicitDeny")]
    matched = [{"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "IAM Policy"}]
    assert results[0]["MatchedStatements"] == matched
    assert results[1]["MatchedStatements"] == [] and results[1]["MissingContextValues"] == []
    assert "line 2: not valid JSON" in out[1]["error"]
    assert "Effect must be" in out[2]["error"] and "statement 1" in out[2]["error"]
    assert out[3]["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_explain_prints_the_trace(tmp_path, capsys):
    path = _write(tmp_path, [{"id": "why", "PolicyInputList": [ALLOW_PASSROLE], "ActionNames": ["iam:PassRole"],
                              "ResourceArns": ["arn:aws:iam::111122223333:role/other"], "ContextEntries": GLUE}])
    assert main(["simulate", "--cases", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "implicitDeny: iam:PassRole on arn:aws:iam::111122223333:role/other" in out
    assert "does not match [arn:aws:iam::111122223333:role/etl-runtime]" in out


def test_simulate_frame(tmp_path):
    path = _write(tmp_path, [{"id": "a", "PolicyInputList": [ALLOW_PASSROLE], "ActionNames": ["iam:PassRole"],
                              "ResourceArns": ["arn:aws:iam::111122223333:role/etl-runtime"], "ContextEntries": GLUE},
                             {"id": "b"}])
    frame = simulate_frame(str(path))
    assert frame.loc[0, "decision"] == "allowed" and pd.isna(frame.loc[1, "decision"])
    assert "ActionNames" in frame.loc[1, "error"]
