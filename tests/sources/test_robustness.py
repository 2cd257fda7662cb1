"""Robustness: throttling, HTTP 500 and connection errors on the aws target; secrets; bad input gets one line."""

from __future__ import annotations

import io
import os

import botocore.awsrequest
import botocore.exceptions
import pytest

from glue_iam_kit import collectors as c
from glue_iam_kit.cli import main
from glue_iam_kit.errors import CouldNotCheck
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.sandbox.target import FAKE_CREDENTIALS

GLUE_THROTTLED = (400, b'{"__type": "ThrottlingException", "message": "Rate exceeded"}')
THROTTLED = (400, b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
                  b"</Error><RequestId>1</RequestId></ErrorResponse>")
SERVER_ERROR = (500, b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>boom</Message>"
                     b"</Error><RequestId>1</RequestId></ErrorResponse>")


class _Raw(io.BytesIO):
    def stream(self, **_):
        yield self.read()


class Faults:
    """A before-send hook: the first *n* sends of an operation fail with *fault*, the rest go through."""

    def __init__(self, fault, n: int) -> None:
        self.fault, self.n, self.sent = fault, n, 0

    def __call__(self, request, **_):
        self.sent += 1
        if self.sent > self.n:
            return None
        if self.fault == "connection":
            raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)
        status, body = self.fault
        return botocore.awsrequest.AWSResponse(request.url, status, {}, _Raw(body))


@pytest.fixture
def fresh_target(aws_target):
    """A new aws target on the seeded loopback server (hooks registered on it die with it)."""
    target = AwsTarget(make_session(region="ap-northeast-1", credentials=FAKE_CREDENTIALS), kind="aws",
                       endpoint_url=aws_target.endpoint_url, max_attempts=3)
    yield target
    target.close()


@pytest.mark.parametrize("fault", [THROTTLED, SERVER_ERROR, "connection"], ids=["throttling", "http-500", "connection"])
def test_retries_carry_the_run_through(fresh_target, fault):
    faults = Faults(fault, n=2)
    fresh_target.client("iam").meta.events.register("before-send.iam.GetUser", faults)
    frame = c.fetch_user_policies(fresh_target, "dev-user")
    assert frame.empty and faults.sent == 3  # two failures, then the real answer


@pytest.mark.parametrize("fault,message", [(THROTTLED, "throttled on iam:GetUser"),
                                           (SERVER_ERROR, r"failed on the AWS side \(HTTP 500"),
                                           ("connection", "could not reach the endpoint")],
                         ids=["throttling", "http-500", "connection"])
def test_exhausted_retries_say_so(fresh_target, fault, message):
    fresh_target.client("iam").meta.events.register("before-send.iam.GetUser", Faults(fault, n=99))
    with pytest.raises(CouldNotCheck, match=message) as exc:
        fresh_target.get_user("dev-user")
    assert "retries exhausted" in str(exc.value)


def test_a_throttled_step_records_could_not_check_and_the_run_goes_on(fresh_target):
    from glue_iam_kit.diagnosis.investigation import Investigation

    fresh_target.client("glue").meta.events.register("before-send.glue.GetJob", Faults(GLUE_THROTTLED, n=99))
    inv = Investigation(fresh_target, user="dev-user", role="etl-runtime-role", job="nightly-sales-etl")
    job = inv.step("job")
    assert job.status == "could not check" and "throttled on glue:GetJob" in job.summary
    assert inv.step("simulate").details["decision"] == "explicitDeny"


def test_secrets_never_reach_any_output(aws_target, tmp_path, monkeypatch, capsys):
    secret, token = "SECRETMARKER0123456789", "TOKENMARKER9876543210"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    # the aws target with credentials from the environment, as a real run would take them
    target = AwsTarget(make_session(region="ap-northeast-1"), kind="aws", endpoint_url=aws_target.endpoint_url)
    from glue_iam_kit.diagnosis.investigation import Investigation
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.snapshot import build_snapshot

    inv = Investigation(target, user="dev-user", role="etl-runtime-role", job="nightly-sales-etl")
    for key in ("account", "groups", "simulate", "explicit-deny", "implicit-deny", "verdict"):
        inv.step(key)
    write_json_atomic(str(tmp_path / "results.json"), inv.results())
    write_json_atomic(str(tmp_path / "snap.json"), build_snapshot(target))
    assert main(["investigate", "--snapshot", str(tmp_path / "snap.json"), "--user", "dev-user", "-q",
                 "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr()
    texts = [printed.out, printed.err] + [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(secret in t or token in t for t in texts)


@pytest.mark.parametrize("argv,message", [
    (["evidence", "--profile", "no-such-profile", "--region", "ap-northeast-1", "--user", "u"],
     "AWS profile 'no-such-profile' not found"),
    (["investigate", "--profile", "no-such-profile", "--region", "ap-northeast-1", "--out", "OUT", "-q"],
     "AWS profile 'no-such-profile' not found"),
    (["investigate", "--sandbox", "no-such-scenario", "--out", "OUT", "-q"], "scenario 'no-such-scenario' not found"),
    (["investigate", "--sandbox", "seed-incident", "--region", "mars-1", "--out", "OUT", "-q"], "not an AWS region"),
    (["investigate", "--snapshot", "missing.json", "--out", "OUT", "-q"], "missing.json' not found"),
    (["investigate", "--sandbox", "seed-incident", "--role", "arn:aws:iam:role", "--out", "OUT", "-q"],
     "malformed ARN"),
])
def test_bad_input_is_one_line(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "OUT").exists() or not any((tmp_path / "OUT").iterdir())


def test_environment_cannot_point_the_tests_at_aws():
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
