"""``org snapshot``: one ``snapshot@1`` file per account of an organisation, from the management account (or a
delegated administrator): list the accounts, read the SCP levels that apply to each (root → OUs → account, each
level read once), then — one Dask task per account — assume a read-only role in the member account and write
``DIR/<account-id>.json`` with that account's SCP levels. A failure (cannot assume, AccessDenied, suspended) is
recorded in ``DIR/failures.json`` and the others go on; an account already written is skipped unless
``refresh``. Read-only, like everything else: AssumeRole only returns credentials.

Concurrency is bounded by the workers (threads by default: the work waits on AWS, not the CPU); throttling is
handled by botocore's adaptive retry mode (client-side rate limiting on top of the retries). With an existing
Dask cluster the management credentials are never shipped: each worker assumes the member role with its own
credential chain (its instance or task role), which the member role must then trust.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.files import write_json_atomic

FAILURES = "failures.json"
DEFAULT_WORKERS = 8  # concurrent accounts: each reads a few IAM and Glue APIs of its own account


@dataclass(frozen=True)
class MemberJob:
    """One account to snapshot: plain values only (Dask serialises every task)."""

    account_id: str
    name: str
    role_name: str
    region: str | None
    out_dir: str
    scp_levels: Any  # list of levels of documents, or {"problem": why}
    management: bool = False  # the caller's own account: no role to assume
    credentials: tuple[str, str, str | None] | None = None  # None: the worker's own credential chain
    profile: str | None = None
    endpoint_url: str | None = None
    events: bool = True  # the last 7 days of AccessDenied events (CloudTrail, paced at 2 calls a second)


def snapshot_account(job: MemberJob) -> dict[str, Any]:
    """Snapshot one account into ``<out_dir>/<account-id>.json``; a failure is returned, never raised."""
    from glue_iam_kit.sources.aws import AwsTarget, make_session
    from glue_iam_kit.sources.members import open_member_target
    from glue_iam_kit.sources.snapshot import build_snapshot

    try:
        if job.management:
            target = AwsTarget(make_session(job.profile, job.region, job.credentials), region=job.region,
                               endpoint_url=job.endpoint_url, retry_mode="adaptive")
        else:
            target = open_member_target(job.account_id, job.role_name, job.region, job.credentials, job.profile,
                                        job.endpoint_url)
        levels = job.scp_levels if isinstance(job.scp_levels, list) else None
        data = build_snapshot(target, scp_levels=levels if levels is not None else [], events=job.events)
        if levels is None:
            data.pop("ServiceControlPolicies", None)
            data["ServiceControlPoliciesProblem"] = job.scp_levels.get("problem", "unknown")
        data["Account"] = {"Id": job.account_id, "Name": job.name}
        path = Path(job.out_dir) / f"{job.account_id}.json"
        write_json_atomic(path, data)
        return {"account_id": job.account_id, "ok": True, "path": str(path)}
    except (KitError, CouldNotCheck) as exc:
        return {"account_id": job.account_id, "name": job.name, "ok": False, "reason": str(exc)}
    except Exception as exc:  # one account's surprise must not stop the others
        return {"account_id": job.account_id, "name": job.name, "ok": False,
                "reason": f"unexpected {type(exc).__name__}: {exc}"}


def read_account_list(path: str) -> list[str]:
    """Account ids from a file: one per line (``#`` comments allowed), or a JSON list (of ids or {"Id": ...})."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KitError(f"--accounts {path}: {exc.strerror}") from None
    if text.lstrip().startswith("["):
        items = json.loads(text)
        ids = [str(i["Id"] if isinstance(i, dict) else i) for i in items]
    else:
        ids = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    ids = [i for i in ids if i]
    bad = [i for i in ids if not (i.isdigit() and len(i) == 12)]
    if bad:
        raise KitError(f"--accounts {path}: not twelve-digit account ids: {', '.join(bad[:5])}")
    return list(dict.fromkeys(ids))


def collect_org(target: Any, out_dir: str, role_name: str, accounts_file: str | None = None,
                scheduler: str | None = None, refresh: bool = False, progress: bool = True,
                workers: int | None = None, events: bool = True) -> dict[str, Any]:
    """Snapshot every account of the organisation *target* reads; ``{"written", "skipped", "failures"}``."""
    from glue_iam_kit.org.cluster import open_client, run_tasks
    from glue_iam_kit.sources.members import fetch_accounts, fetch_org_scp_levels

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    me = target.caller_identity()["Account"]
    listed = fetch_accounts(target) if not accounts_file else [
        {"Id": i, "Name": "", "Status": "ACTIVE"} for i in read_account_list(accounts_file)]
    failures = [{"account_id": a["Id"], "name": a["Name"], "reason": f"account is {a['Status'].lower()}"}
                for a in listed if a["Status"] != "ACTIVE"]
    active = [a for a in listed if a["Status"] == "ACTIVE"]
    skipped = sorted(a["Id"] for a in active if not refresh and (out / f"{a['Id']}.json").exists())
    todo = [a for a in active if a["Id"] not in skipped]
    scps = fetch_org_scp_levels(target, [a["Id"] for a in todo if a["Id"] != me])
    credentials = None
    if not scheduler:  # in this process only: never shipped to a cluster
        frozen = target.session.get_credentials().get_frozen_credentials()
        credentials = (frozen.access_key, frozen.secret_key, frozen.token)
    jobs = [(MemberJob(a["Id"], a["Name"], role_name, target.region, str(out.resolve()),
                       [] if a["Id"] == me else scps[a["Id"]], a["Id"] == me, credentials,
                       None if credentials else getattr(target, "profile", None), target.endpoint_url, events),)
            for a in todo]
    written = []
    with open_client(scheduler, processes=False, workers=workers or DEFAULT_WORKERS) as client:
        for result in run_tasks(client, snapshot_account, jobs, progress=progress, desc="account snapshots"):
            if result["ok"]:
                written.append(result["account_id"])
            else:
                failures.append({k: result.get(k, "") for k in ("account_id", "name", "reason")})
    failures.sort(key=lambda f: f["account_id"])
    write_json_atomic(out / FAILURES, failures)
    return {"written": sorted(written), "skipped": skipped, "failures": failures}
