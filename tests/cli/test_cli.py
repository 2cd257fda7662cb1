"""The CLI: clear one-line errors, never a traceback; --help that explains; the console script works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from glue_iam_kit.cli import main

BIN = Path(sys.executable).parent


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scenarios(capsys):
    code, out, _ = run(["scenarios", "-v"], capsys)
    assert code == 0 and "seed-incident" in out and "explicit-deny" in out


def test_sandbox_shows_what_was_built(capsys):
    code, out, _ = run(["sandbox", "--scenario", "seed-incident", "--user", "alice", "--role", "etl-runtime",
                        "--job", "nightly", "--account-id", "123456789012"], capsys)
    assert code == 0
    assert "arn:aws:iam::123456789012:user/alice" in out
    assert "arn:aws:iam::123456789012:role/etl-runtime" in out
    assert "nightly  role: etl-runtime" in out
    assert "is not authorized to perform: iam:PassRole" in out


def test_snapshot_then_evidence_offline(tmp_path, capsys):
    snap = tmp_path / "snap.json"
    code, out, _ = run(["snapshot", "--out", str(snap)], capsys)
    assert code == 0 and "wrote" in out
    data = json.loads(snap.read_text())
    assert data["format"] == "glue-iam-kit/snapshot@1" and data["Jobs"][0]["Name"] == "nightly-sales-etl"
    code, out, _ = run(["evidence", "--snapshot", str(snap), "--user", "dev-user", "--role", "etl-runtime-role",
                        "--job", "nightly-sales-etl"], capsys)
    assert code == 0
    assert "AWSGlueConsoleFullAccess" in out and "glue.amazonaws.com" in out
    assert "could not check" not in out
    assert '{"Statement"' not in out  # whole documents only with --documents
    code, out, _ = run(["evidence", "--snapshot", str(snap), "--user", "dev-user", "--documents"], capsys)
    assert code == 0 and '{"Statement"' in out


def test_evidence_reads_the_principal_once(capsys):
    code, out, _ = run(["evidence", "--sandbox", "seed-incident"], capsys)
    assert code == 0
    tally = {line.split()[0]: int(line.split()[1]) for line in out.split("## AWS calls made", 1)[1].splitlines()
             if line.strip().startswith(("iam:", "sts:", "glue:", "organizations:"))}
    assert tally["iam:GetUser"] == 1 and tally["iam:ListGroupsForUser"] == 1


def test_evidence_names_what_was_not_found(tmp_path, capsys):
    snap = tmp_path / "snap.json"
    run(["snapshot", "--out", str(snap)], capsys)
    code, out, _ = run(["evidence", "--snapshot", str(snap), "--user", "ghost", "--role", "nobody",
                        "--job", "never"], capsys)
    assert code == 0
    assert "could not check: user 'ghost' not found" in out
    assert "could not check: role 'nobody' not found" in out
    assert "could not check: Glue job 'never' not found" in out


@pytest.mark.parametrize("argv,message", [
    (["evidence", "--snapshot", "/nonexistent/snap.json", "--user", "u"], "'/nonexistent/snap.json' not found"),
    (["sandbox", "--scenario", "nope"], "scenario 'nope' not found"),
    (["sandbox", "--account-id", "42"], "twelve digits"),
    (["simulate", "--cases", "/nonexistent/cases.jsonl"], "cannot read cases file"),
])
def test_errors_are_one_clear_line(argv, message, capsys):
    code, _, err = run(argv, capsys)
    assert code == 1
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_choosing_two_targets_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evidence", "--sandbox", "seed-incident", "--snapshot", "x.json"])
    assert "choose one target" in str(exc.value)


@pytest.mark.parametrize("command", ["scenarios", "sandbox", "snapshot", "evidence", "simulate", "demo", "matrix"])
def test_help_explains(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert len(capsys.readouterr().out) > 200


def test_console_script_is_installed():
    out = subprocess.run([str(BIN / "glue-iam-kit"), "--help"], capture_output=True, text=True, check=True).stdout
    assert "iam:PassRole" in out and "--snapshot FILE" in out


def test_region_alone_chooses_no_target(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evidence", "--region", "eu-west-1"])
    assert "--region alone chooses no target" in str(exc.value)


def test_aws_uses_the_default_chain_and_says_what_is_missing(monkeypatch, capsys):
    # No credentials anywhere (conftest points the config files at /dev/null): one clear line, exit 1.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["evidence", "--aws", "--region", "eu-west-1", "--user", "alice"]) == 1
    err = capsys.readouterr().err
    assert "no AWS credentials found in the default chain" in err and "Traceback" not in err


def test_aws_without_a_region_says_so(monkeypatch, capsys):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert main(["evidence", "--aws", "--user", "alice"]) == 1
    assert "no AWS region" in capsys.readouterr().err


def test_evidence_takes_a_role_session_arn(capsys):
    arn = "arn:aws:sts::111122223333:assumed-role/ci-deployer/pipeline-run"
    assert main(["evidence", "--sandbox", "boundary-without-passrole", "--user", arn]) == 0
    out = capsys.readouterr().out
    assert "role ci-deployer: attached and inline policies" in out and "only IAM users have groups" in out


def test_a_refused_report_exits_3_and_says_where_the_notebook_is(monkeypatch, tmp_path, capsys):
    import glue_iam_kit.jupyter.run as run_module
    from glue_iam_kit.errors import EXIT_IDENTIFIER_SURVIVED, IdentifierSurvived

    def refused(params, out, **kwargs):
        raise IdentifierSurvived("report.md", ["section 'Root cause': a group name"], notebook=f"{out}/x.ipynb")

    monkeypatch.setattr(run_module, "run_investigation", refused)
    code, _, err = run(["investigate", "--sandbox", "seed-incident", "--out", str(tmp_path), "-q"], capsys)
    assert code == EXIT_IDENTIFIER_SURVIVED == 3
    assert "report.md" in err and "Root cause" in err and "a group name" in err and f"{tmp_path}/x.ipynb" in err


@pytest.mark.parametrize("command", ["investigate", "train"])
def test_help_documents_the_exit_statuses(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out and "3  the last anonymisation check refused" in out
