"""``job``: create a job (or update one) that runs as the role, and start it.

``glue:CreateJob`` or ``glue:UpdateJob`` with ``iam:PassRole`` to Glue, and a way to start it:
``glue:StartJobRun``, ``glue:CreateTrigger`` (a trigger that starts on creation or on a schedule), or
``glue:StartTrigger`` / ``glue:UpdateTrigger`` on a trigger of that job. pathfinding.cloud's Glue paths "job
create + run", "job create + trigger" and "job update"; IAM-Vulnerable's privesc19 (glue:CreateJob and
glue:StartJobRun with PassRole); CloudGoat's glue_privesc scenario.
"""

from __future__ import annotations

from glue_iam_kit.diagnosis.routes.base import NEW, GlueAccount, Reach, RoleTarget, Route


def _start(reach: Reach, glue: GlueAccount, job: str) -> tuple[str, ...] | None:
    if (reach.may_new if job == NEW else reach.may)("glue:StartJobRun", glue.arn("job", job)):
        return ("glue:StartJobRun",)
    if reach.may_new("glue:CreateTrigger", glue.arn("trigger", NEW)):
        return ("glue:CreateTrigger",)
    for trigger in glue.triggers_of(job):
        for action in ("glue:StartTrigger", "glue:UpdateTrigger"):
            if reach.may(action, glue.arn("trigger", trigger)):
                return (action,)
    return None


def find(reach: Reach, role: RoleTarget, glue: GlueAccount) -> tuple[str, ...] | None:
    if not reach.may_pass(role):
        return None
    if reach.may_new("glue:CreateJob", glue.arn("job", NEW)):
        start = _start(reach, glue, NEW)
        if start:
            return ("glue:CreateJob", "iam:PassRole", *start)
    for job in glue.jobs:  # UpdateJob on any existing job can set its Role to this one
        name = job.get("Name", "")
        if name and reach.may("glue:UpdateJob", glue.arn("job", name)):
            start = _start(reach, glue, name)
            if start:
                return ("glue:UpdateJob", "iam:PassRole", *start)
    return None


ROUTE = Route("job", "create or update a job that runs as the role (PassRole to Glue) and start it", find)
