"""Every input gets its answer on the terminal, in one line, before any kernel starts: an empty error text is
refused (never replaced by the scenario's own error), a text that is no AccessDenied gets a note, a role ARN
with a path is kept on the sandbox."""

from __future__ import annotations

import io

import pytest

from glue_iam_kit.cli import main

ACCESS_DENIED = ("An error occurred (AccessDeniedException) when calling the UpdateJob operation: User: "
                 "arn:aws:iam::111122223333:user/dev-user is not authorized to perform: iam:PassRole on resource: "
                 "arn:aws:iam::111122223333:role/etl-runtime-role because no identity-based policy allows the "
                 "iam:PassRole action")
THROTTLED = ("An error occurred (ThrottlingException) when calling the UpdateJob operation (reached max retries: 4): "
             "Rate exceeded")


@pytest.fixture
def runs(monkeypatch):
    """The notebook run replaced by a recorder: these tests are about what happens before it."""
    import glue_iam_kit.jupyter.run as run_module

    calls = []

    def fake(params, out, **kwargs):
        calls.append(params)
        return {"verdicts": ["no-allow"], "paths": {n: f"{out}/{n}" for n in
                                                    ("investigation.ipynb", "report.html", "report.md",
                                                     "findings.json")}}

    monkeypatch.setattr(run_module, "run_investigation", fake)
    return calls


def _investigate(tmp_path, *extra):
    return main(["investigate", "--sandbox", "seed-incident", "--out", str(tmp_path / "out"), "-q", *extra])


@pytest.mark.parametrize("content", ["", "  \n\t\n"], ids=["empty", "blank"])
def test_an_empty_error_text_file_is_refused_not_replaced(tmp_path, capsys, runs, content):
    (tmp_path / "err.txt").write_text(content)
    code = _investigate(tmp_path, "--error-text", str(tmp_path / "err.txt"))
    err = capsys.readouterr().err
    assert code == 1 and not runs
    assert err.strip() == (f"glue-iam-kit: error: the error text file '{tmp_path / 'err.txt'}' is empty: paste the "
                           "error into it, or leave out --error-text (on the sandbox the scenario's own error is "
                           "then investigated)")


def test_an_empty_file_name_is_refused(tmp_path, capsys, runs):
    assert _investigate(tmp_path, "--error-text", "") == 1 and not runs
    assert "glue-iam-kit: error: --error-text needs a file name" in capsys.readouterr().err


def test_an_empty_standard_input_is_refused(tmp_path, capsys, runs, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert _investigate(tmp_path, "--error-text", "-") == 1 and not runs
    assert "glue-iam-kit: error: standard input is empty" in capsys.readouterr().err


@pytest.mark.parametrize("text,line", [
    (THROTTLED, "glue-iam-kit: note: the error text is a ThrottlingException, not an AccessDenied message: the "
                "investigation goes on without it"),
    ("job failed, no idea why", "glue-iam-kit: note: the error text is not an AccessDenied message: expected"),
    # a denial without details is a denial: never "not an AccessDenied message"
    ("An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
     "glue-iam-kit: note: the error text is an access denial that names no principal, action or resource (S3's"),
    ("An error occurred (MyTeamSecretException) when calling X", "glue-iam-kit: note: the error text is not an "
                                                                  "AccessDenied message: expected"),
    (ACCESS_DENIED, None),
], ids=["throttling", "free-text", "s3-access-denied", "custom-code", "access-denied"])
def test_the_error_text_is_passed_as_given_and_a_non_access_denied_gets_a_line(tmp_path, capsys, runs, text, line):
    (tmp_path / "err.txt").write_text(text)
    assert _investigate(tmp_path, "--error-text", str(tmp_path / "err.txt")) == 0
    err = capsys.readouterr().err
    assert runs[0]["error_text"] == text  # what the user gave, never the scenario's
    notes = [e for e in err.splitlines() if e.startswith("glue-iam-kit: note:")]
    if line is None:
        assert not notes, err
    else:
        assert len(notes) == 1 and notes[0].startswith(line), err


def test_no_error_text_at_all_lets_the_sandbox_use_its_scenarios(tmp_path, capsys, runs):
    assert _investigate(tmp_path) == 0
    assert runs[0]["error_text"] == ""  # the notebook's documented "empty: the scenario's"
    assert "note:" not in capsys.readouterr().err


PATH_ROLE = "arn:aws:iam::123456789012:role/service/etl/runtime"


def test_a_role_arn_with_a_path_is_kept_on_the_sandbox(capsys):
    assert main(["sandbox", "--role", PATH_ROLE]) == 0
    out = capsys.readouterr().out
    assert f"role  {PATH_ROLE}\n" in out and "account 123456789012," in out
    assert f"on resource: {PATH_ROLE}\n" in out  # the scenario's error names the role the user named
    assert ":role/runtime" not in out


def test_the_investigation_keeps_the_roles_path_to_the_fix():
    from glue_iam_kit.account import open_investigation

    inv = open_investigation("sandbox", role=PATH_ROLE)
    try:
        inv.run()
        assert inv.finding("account").status == "ok" and inv.finding("trust").status == "ok"
        assert inv.finding("job").status == "ok" and PATH_ROLE in inv.finding("simulate").summary
        assert inv.fix["policy"]["Statement"][0]["Resource"] == PATH_ROLE
    finally:
        inv.target.close()


@pytest.mark.parametrize("overrides,message", [
    ({"role_path": "/bad path/"}, "role path '/bad path/' is not a valid IAM path"),
    ({"role_path": "//"}, "role path '//' is not a valid IAM path"),
])
def test_a_role_path_iam_would_refuse_is_one_line(overrides, message):
    from glue_iam_kit.errors import KitError
    from glue_iam_kit.sources.sandbox import render_scenario

    with pytest.raises(KitError, match=message):
        render_scenario("seed-incident", **overrides)


@pytest.mark.parametrize("user,role,want", [
    (None, PATH_ROLE, {"role_path": "/service/etl/", "account_id": "123456789012"}),
    ("dev-user", "etl-runtime-role", {"role_path": None, "account_id": None}),
    ("arn:aws:iam::111122223333:user/dev-user", PATH_ROLE, {"role_path": "/service/etl/", "account_id": None}),
    ("arn:aws:sts::111122223333:assumed-role/deployer/run", None, {"role_path": None, "account_id": None}),
    (None, "arn:aws:iam::123456789012:role/plain", {"role_path": None, "account_id": "123456789012"}),
    ("arn:aws:iam::123456789012:user/team/a/ana", None, {"user_path": "/team/a/", "account_id": "123456789012"}),
])
def test_what_an_arn_says_beyond_the_name(user, role, want):
    from glue_iam_kit.sources.sandbox import arn_overrides

    assert arn_overrides(user, role) == {"role_path": None, "user_path": None, **want}


@pytest.mark.parametrize("extra", [
    ("--account-id", "111122223333", "--role", PATH_ROLE),
    ("--user", "arn:aws:iam::111122223333:user/dev-user", "--role", PATH_ROLE),
], ids=["account-id-and-role-arn", "user-and-role-arns"])
def test_arns_of_another_account_are_refused_not_rebuilt_elsewhere(tmp_path, capsys, runs, extra):
    """The sandbox builds one account: a role ARN in 123456789012 beside --account-id 111122223333 was built as
    111122223333's role, silently; now one line names both accounts (exit 1) and nothing runs."""
    assert _investigate(tmp_path, *extra) == 1 and not runs
    err = capsys.readouterr().err.strip()
    assert err.startswith("glue-iam-kit: error: ") and "name different accounts (111122223333, 123456789012)" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("argv, hint", [
    (["investigate", "--sandbox", "seed-incident", "--out", "OUT", "--service", "lambda"],
     "'lambda' is not a service principal (did you mean lambda.amazonaws.com?)"),
    (["matrix", "--service", "glue", "--out", "OUT.csv"], "(did you mean glue.amazonaws.com?)"),
    (["org", "matrix", "--snapshots", "S", "--out", "OUT", "--service", "Glue Service"],
     "'Glue Service' is not a service principal: "),
], ids=["investigate", "matrix", "org-matrix"])
def test_a_service_that_is_no_service_principal_is_a_usage_error(capsys, runs, argv, hint):
    """A grant with iam:PassedToService 'lambda' matches no request: refused (exit 2), never completed silently."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and hint in capsys.readouterr().err and not runs
