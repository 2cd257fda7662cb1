"""A narrower alternative to a broad runtime role: a dedicated policy scoped to what one Glue job needs (issue 22).

What a Glue ETL job's role needs (AWS Glue Developer Guide, "Step 2: Create an IAM role for AWS Glue" and the
AWSGlueServiceRole managed policy it starts from): read its own script (``Command.ScriptLocation``), read and
write its temporary directory (``--TempDir``), read the Data Catalog, write its logs under ``/aws-glue/`` and its
metrics in the ``Glue`` namespace. The catalog databases and tables a script reads are not in the job
definition: the policy names the account's catalog and says to narrow it. Pure: from the job as Glue returns it.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from glue_iam_kit.diagnosis.routes.base import job_field
from glue_iam_kit.engine.marks import ident

POLICY_NAME = "GlueJobScopedRuntime"
# What the kit writes the same in every account: its Sids (IAM accepts only letters and digits in a Sid, so a
# placeholder such as <sid-1> would make the policy invalid) and the metrics statement's condition (``Glue`` is
# the namespace AWS Glue publishes its job metrics in, AWS's name).
KIT_SIDS = ("ReadOwnScript", "OwnTempDir", "ReadCatalog", "OwnLogs", "GlueMetrics")
METRICS_CONDITION = {"StringEquals": {"cloudwatch:namespace": "Glue"}}


def _s3_parts(location: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key`` (("", "") for anything else)."""
    if not location.startswith("s3://"):
        return "", ""
    bucket, _, key = location[5:].partition("/")
    return bucket, key


def scoped_runtime_policy(job: dict[str, Any], account: str, region: str) -> dict[str, Any] | None:
    """The job's own runtime-role policy, or None when the job names no S3 script."""
    bucket, key = _s3_parts(job_field(job, "Command", "ScriptLocation"))
    if not bucket or not key:
        return None
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadOwnScript", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/{key}"}]
    temp_bucket, temp_key = _s3_parts(job_field(job, "DefaultArguments", "--TempDir"))
    if temp_bucket:
        prefix = temp_key.rstrip("/")
        statements.append({"Sid": "OwnTempDir", "Effect": "Allow",
                           "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                           "Resource": f"arn:aws:s3:::{temp_bucket}/{prefix + '/' if prefix else ''}*"})
    catalog = f"arn:aws:glue:{region}:{account}"
    statements += [
        {"Sid": "ReadCatalog", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
                    "glue:GetPartition", "glue:GetPartitions"],
         "Resource": [f"{catalog}:catalog", f"{catalog}:database/*", f"{catalog}:table/*/*"]},
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                                         "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:{region}:{account}:log-group:/aws-glue/*"},
        {"Sid": "GlueMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": json.loads(json.dumps(METRICS_CONDITION))}]
    return {"Version": "2012-10-17", "Statement": statements}


def restore_kit_constants(anonymised: dict[str, Any], original: dict[str, Any]) -> None:
    """Put back into an anonymised copy of :func:`scoped_runtime_policy`'s policy what the kit wrote the same in
    every account (the Sids, the metrics condition): the kit's and AWS's words, not identifiers."""
    for st, real in zip(anonymised.get("Statement") or [], original.get("Statement") or [], strict=False):
        if isinstance(st, dict) and isinstance(real, dict) and real.get("Sid") in KIT_SIDS:
            st["Sid"] = real["Sid"]
            if real["Sid"] == "GlueMetrics":
                st["Condition"] = json.loads(json.dumps(METRICS_CONDITION))


def scoped_role_alternative(job: dict[str, Any], role_name: str, account: str, region: str,
                            profile: str = "") -> dict[str, Any] | None:
    """The alternative fix form: the policy, the command that puts it on the role, and what else to do."""
    doc = scoped_runtime_policy(job, account, region)
    if doc is None:
        return None
    return {"kind": "scoped-runtime-role", "role": role_name, "policy_name": POLICY_NAME, "policy": doc,
            "profile": profile, "command": render_scoped_command(role_name, doc, profile),
            "why": (f"if the role may do more than job {ident('job', job.get('Name', ''))} needs (the gains above), "
                    "give it (or a dedicated role) only the job's own script, temp directory, catalog reads, logs "
                    "and metrics, detach the broad policies, then narrow the catalog resources to the databases and "
                    "tables the script reads")}


def render_scoped_command(role_name: str, doc: dict[str, Any], profile: str = "") -> str:
    """The command that puts the scoped policy on the role, every word shell-quoted (the reports render it again
    from anonymised values, as the fix's forms)."""
    words = ["aws", "iam", "put-role-policy", *(["--profile", profile] if profile else []), "--role-name", role_name,
             "--policy-name", POLICY_NAME, "--policy-document", json.dumps(doc, separators=(",", ":"))]
    return shlex.join(words)
