"""Shared fixtures: a sandbox target, a loopback moto server for the aws target, fake credentials only."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest

# Tests never reach AWS: fake credentials, and every endpoint is moto (in process or on 127.0.0.1).
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ["AWS_DEFAULT_REGION"] = "ap-northeast-1"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

# moto server's default account (no x-moto-account-id header on the aws target)
SERVER_ACCOUNT = "123456789012"

# Every AWS operation any target of the whole test run sends, with whether the caller opted in to writes.
# In-process targets are recorded here; notebook runs report theirs in findings.json (tests/test_notebooks.py).
SENT: list[tuple[str, bool]] = []


def _record_sent_operations() -> None:
    from glue_iam_kit.sources.aws import AwsTarget

    guard = AwsTarget._before_call

    def recording(self, model, **kwargs):
        guard(self, model, **kwargs)  # raises for a refused mutation: nothing was sent then
        SENT.append((f"{model.service_model.service_name}:{model.name}", self._writable))

    AwsTarget._before_call = recording


_record_sent_operations()


def pytest_sessionfinish(session, exitstatus):
    from glue_iam_kit.sources.aws import is_read_only

    rogue = sorted({op for op, writable in SENT if not is_read_only(op.split(":", 1)[1]) and not writable})
    if rogue:
        session.exitstatus = 1
        print(f"\nREAD-ONLY VIOLATION: mutating AWS operations sent outside apply_fix: {rogue}")


@pytest.fixture
def sandbox():
    """A fresh seed-incident sandbox (for tests that change it)."""
    from glue_iam_kit.sources.base import open_target

    with open_target("sandbox") as target:
        yield target


@pytest.fixture(scope="module")
def shared_sandbox():
    """One seed-incident sandbox per module, for read-only tests (building one costs about a second)."""
    from glue_iam_kit.sources.base import open_target

    with open_target("sandbox") as target:
        yield target


@pytest.fixture(scope="session")
def moto_server():
    """A moto server on 127.0.0.1, with AWS managed policies loaded, in its own process.

    Not moto's ThreadedMotoServer: in this process it would share moto's global backends with the sandbox's
    in-process mock, so resetting one would wipe the other.
    """
    from tests.servers import free_port, wait_until_up

    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(proc, f"{url}/moto-api/", 60, "the loopback moto server")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def aws_target(moto_server):
    """The aws target's exact code path, pointed at the loopback moto server, seeded with seed-incident."""
    from glue_iam_kit.sources.aws import AwsTarget, make_session
    from glue_iam_kit.sources.sandbox import render_scenario
    from glue_iam_kit.sources.sandbox.target import FAKE_CREDENTIALS, seed

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")).read()
    scenario = render_scenario("seed-incident", account_id=SERVER_ACCOUNT)
    seed(make_session(region="ap-northeast-1", credentials=FAKE_CREDENTIALS), scenario, endpoint_url=moto_server)
    target = AwsTarget(make_session(region="ap-northeast-1", credentials=FAKE_CREDENTIALS), kind="aws",
                       endpoint_url=moto_server)
    target.scenario = scenario
    yield target
    target.close()
