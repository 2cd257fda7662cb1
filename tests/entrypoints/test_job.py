"""The Glue job entry point: which role a job uses, on any target."""

from __future__ import annotations

import pytest

from glue_iam_kit.entrypoints import ENTRY_POINTS
from glue_iam_kit.errors import NotFoundError
from glue_iam_kit.frames import JOB_COLUMNS


def test_the_job_entry_point_reads_its_role(shared_sandbox):
    job = ENTRY_POINTS["job"]
    assert job.probe_action == "glue:UpdateJob" and "UpdateJob" in job.passing_operations
    frame = job.fetch(shared_sandbox, "nightly-sales-etl")
    assert list(frame.columns) == JOB_COLUMNS
    assert frame.loc[0, "role_name"] == "etl-runtime-role"
    assert frame.loc[0, "role_arn"].endswith(":role/etl-runtime-role")
    assert job.list_names(shared_sandbox) == ["nightly-sales-etl"]


def test_an_unknown_job_is_not_found(shared_sandbox):
    with pytest.raises(NotFoundError, match="Glue job"):
        ENTRY_POINTS["job"].fetch(shared_sandbox, "no-such-job")
