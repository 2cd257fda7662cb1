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


# -- a snapshot with nulls or wrong types where lists or objects belong: one line naming the key and the entity --

@pytest.fixture(scope="module")
def seed_snapshot(shared_sandbox):
    from glue_iam_kit.sources.snapshot import build_snapshot

    return build_snapshot(shared_sandbox, events=False)


def _entity(auth, list_key, key, name):
    return next(e for e in auth[list_key] if e[key] == name)


def _set(path_and_value):
    """A mutation: (where, key, value) applied to a deep copy of the seed snapshot."""
    def apply(data):
        where, key, value = path_and_value
        where(data)[key] = value
        return data
    return apply


_AUTH = lambda d: d["AuthorizationDetails"]  # noqa: E731
_USER = lambda d: _entity(_AUTH(d), "UserDetailList", "UserName", "dev-user")  # noqa: E731
_GROUP = lambda d: _entity(_AUTH(d), "GroupDetailList", "GroupName", "Developers")  # noqa: E731
_ROLE = lambda d: _entity(_AUTH(d), "RoleDetailList", "RoleName", "etl-runtime-role")  # noqa: E731

BAD_SNAPSHOTS = [
    ("group-list-null", _set((_USER, "GroupList", None)),
     "user 'dev-user' (AuthorizationDetails.UserDetailList[0]): GroupList is null, not a list (write [] for none)"),
    ("group-policies-a-string", _set((_GROUP, "GroupPolicyList", "RequireMFA")),
     "group 'Developers' (AuthorizationDetails.GroupDetailList[1]): GroupPolicyList is a string, not a list"),
    ("role-attached-null", _set((_ROLE, "AttachedManagedPolicies", None)),
     "role 'etl-runtime-role' (AuthorizationDetails.RoleDetailList[0]): AttachedManagedPolicies is null"),
    ("inline-document-null", lambda d: _set((lambda d: _ROLE(d)["RolePolicyList"][0], "PolicyDocument", None))(d),
     "role 'etl-runtime-role' (AuthorizationDetails.RoleDetailList[0]): RolePolicyList[0].PolicyDocument is null, "
     "not a policy document"),
    # a document the evaluator would read as no statements at all (its denies dropped in silence)
    ("inline-statement-null", lambda d: _set((lambda d: _ROLE(d)["RolePolicyList"][0], "PolicyDocument",
                                              {"Version": "2012-10-17", "Statement": None}))(d),
     "role 'etl-runtime-role' (AuthorizationDetails.RoleDetailList[0]): RolePolicyList[0].PolicyDocument.Statement "
     "is null, not a list or an object"),
    ("inline-document-not-json", lambda d: _set((lambda d: _ROLE(d)["RolePolicyList"][0], "PolicyDocument",
                                                 "%7B%22Version"))(d),
     "role 'etl-runtime-role' (AuthorizationDetails.RoleDetailList[0]): policy 'RolePolicyList[0].PolicyDocument': "
     "not valid JSON"),
    ("group-name-a-number", _set((lambda d: _USER(d)["GroupList"], 0, 7)),
     "user 'dev-user' (AuthorizationDetails.UserDetailList[0]): GroupList[0] is a number, not a string"),
    ("role-list-null", _set((_AUTH, "RoleDetailList", None)),
     "AuthorizationDetails.RoleDetailList is null, not a list (write [] for none)"),
    ("user-null", _set((lambda d: _AUTH(d)["UserDetailList"], 0, None)),
     "AuthorizationDetails.UserDetailList[0] is null, not an object (a user)"),
    ("user-name-missing", lambda d: (_USER(d).pop("UserName"), d)[1],
     "AuthorizationDetails.UserDetailList[0]: UserName is missing"),
    ("jobs-an-object", _set((lambda d: d, "Jobs", {})), "Jobs is an object, not a list"),
    ("event-null", _set((lambda d: d, "CloudTrailEvents", [None])), "CloudTrailEvents[0] is null, not an object"),
    ("scp-level-not-a-list", _set((lambda d: d, "ServiceControlPolicies", [{"Version": "2012-10-17"}])),
     "ServiceControlPolicies[0] is an object, not a list"),
]


def _write_bad(seed_snapshot, mutate, folder):
    import copy
    import json

    path = folder / "snap.json"
    path.write_text(json.dumps(mutate(copy.deepcopy(seed_snapshot)), default=str))
    return path


@pytest.mark.parametrize("mutate,message", [b[1:] for b in BAD_SNAPSHOTS], ids=[b[0] for b in BAD_SNAPSHOTS])
@pytest.mark.parametrize("command", ["investigate", "matrix", "evidence"])
def test_a_malformed_snapshot_is_one_line_naming_the_key_and_the_entity(seed_snapshot, tmp_path, capsys, command,
                                                                        mutate, message):
    path = _write_bad(seed_snapshot, mutate, tmp_path)
    argv = {"investigate": ["investigate", "--snapshot", str(path), "--user", "dev-user", "--out",
                            str(tmp_path / "out"), "-q"],
            "matrix": ["matrix", "--snapshot", str(path), "--out", str(tmp_path / "m.csv"), "-q"],
            "evidence": ["evidence", "--snapshot", str(path), "--user", "dev-user"]}[command]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"glue-iam-kit: error: snapshot '{path}': {message}" in err, err
    assert len(err.strip().splitlines()) == 1 and "NoneType" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "m.csv").exists()


def test_org_matrix_names_the_key_and_the_entity(seed_snapshot, tmp_path):
    import json

    from glue_iam_kit.org.matrix import org_matrix

    snaps = tmp_path / "snaps"
    snaps.mkdir()
    good = _write_bad(seed_snapshot, lambda d: d, tmp_path)
    (snaps / "111122223333.json").write_text(good.read_text())
    bad = _write_bad(seed_snapshot, BAD_SNAPSHOTS[0][1], tmp_path)
    (snaps / "444455556666.json").write_text(bad.read_text())
    result = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False, processes=False,
                        workers=1)
    assert result["written"] == ["111122223333"]
    failures = json.loads((tmp_path / "ds" / "_failures.json").read_text())
    assert [f["account_id"] for f in failures] == ["444455556666"]
    assert BAD_SNAPSHOTS[0][2] in failures[0]["error"] and "NoneType" not in failures[0]["error"]


@pytest.mark.parametrize("key,value", [("PermissionsBoundary", None), ("Tags", None)])
def test_null_where_it_means_none_is_read_as_none(seed_snapshot, key, value):
    import copy

    from glue_iam_kit.sources.snapshot import SnapshotTarget

    data = copy.deepcopy(seed_snapshot)
    _ROLE(data)[key] = value
    target = SnapshotTarget(data)
    assert target.get_role("etl-runtime-role")["RoleName"] == "etl-runtime-role"
