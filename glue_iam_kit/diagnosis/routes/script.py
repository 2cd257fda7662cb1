"""``script``: overwrite the S3 script of a job that runs as the role; the job runs it as the role.

``s3:PutObject`` on the job's ``Command.ScriptLocation``; no PassRole and no Glue permission at all. Seen by
none of the peers (see issue 22).
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes.base import (
    GlueAccount,
    Reach,
    RoleTarget,
    Route,
    job_field,
    s3_object_arn,
)


def find(reach: Reach, role: RoleTarget, glue: GlueAccount) -> tuple[str, ...] | None:
    for job in role.jobs:
        arn = s3_object_arn(job_field(job, "Command", "ScriptLocation"))
        if arn and reach.may("s3:PutObject", arn):
            return ("s3:PutObject",)
    return None


ROUTE = Route("script", "overwrite the S3 script of a job that runs as the role", find, passes_role=False)
