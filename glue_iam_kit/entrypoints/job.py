"""Glue jobs: ``CreateJob`` / ``UpdateJob`` pass the job's ``Role`` (AWS Glue API reference, Jobs)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from glue_iam_kit.entrypoints.base import EntryPoint, resolve_role
from glue_iam_kit.frames import JOB_COLUMNS, make_frame


def fetch_job(target: Any, job: str) -> pd.DataFrame:
    """Step 5 for a job: the Glue job, the role as stored (a name or an ARN) and the resolved role ARN."""
    j = target.get_job(job)
    stored = j.get("Role", "")
    role_arn, role_name = resolve_role(target, stored)
    return make_frame([{"job_name": j.get("Name", job), "role_as_stored": stored, "role_arn": role_arn,
                        "role_name": role_name, "command": (j.get("Command") or {}).get("Name", ""),
                        "last_modified": str(j.get("LastModifiedOn", ""))}], JOB_COLUMNS)


def list_job_names(target: Any) -> list[str]:
    return [j["Name"] for j in target.list_jobs()]


ENTRY_POINT = EntryPoint("job", "Glue job", ("CreateJob", "UpdateJob"), "glue:UpdateJob", fetch_job, list_job_names,
                         columns=tuple(JOB_COLUMNS))
