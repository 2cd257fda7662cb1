"""``org matrix``: the PassRole matrix of every account's snapshot, one Dask task per account, written as one
Parquet dataset partitioned by account (``DATASET/account_id=<id>/part-0.parquet``, the ``matrix`` columns),
with a small summary per account (``DATASET/_summaries/<id>.json``) and the failures (``DATASET/_failures.json``:
the accounts ``org snapshot`` could not read, from its ``failures.json``, and those whose matrix failed).
Files and folders starting with ``_`` are skipped by Parquet readers, so the dataset reads as rows only.

Resumable: an account is done when its partition folder exists; it is written under a temporary name and
renamed into place (atomic on one file system), so an interrupted run never leaves half an account.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from glue_iam_kit.errors import KitError
from glue_iam_kit.files import write_json_atomic

SUMMARIES, FAILURES = "_summaries", "_failures.json"
ESCALATION = "_escalation"  # <account-id>.csv: the account's Glue escalation routes (issue 22)
PARTITION = "account_id"


def partition_dir(dataset: str | os.PathLike[str], account_id: str) -> Path:
    return Path(dataset) / f"{PARTITION}={account_id}"


def snapshot_files(snapshots: str | os.PathLike[str]) -> list[Path]:
    """The account snapshots of a folder ``org snapshot`` wrote: ``<account-id>.json`` (failures.json is not)."""
    folder = Path(snapshots)
    if not folder.is_dir():
        raise KitError(f"--snapshots {folder}: not a folder (write one with `glue-iam-kit org snapshot`)")
    files = sorted(p for p in folder.glob("*.json") if p.stem.isdigit() and len(p.stem) == 12)
    if not files:
        strays = ", ".join(p.name for p in stray_snapshot_files(folder))
        raise KitError(f"--snapshots {folder}: no <account-id>.json snapshots in it"
                       + (f" (not read: {strays}; name each file by its twelve-digit account id)" if strays else ""))
    return files


def stray_snapshot_files(snapshots: str | os.PathLike[str]) -> list[Path]:
    """The .json files of the folder that ``org matrix`` does not read (not ``<account-id>.json``, not the
    failures file): said on the terminal, so that no account is left out in silence."""
    from glue_iam_kit.org.snapshots import FAILURES as SNAPSHOT_FAILURES

    return sorted(p for p in Path(snapshots).glob("*.json")
                  if not (p.stem.isdigit() and len(p.stem) == 12) and p.name != SNAPSHOT_FAILURES)


def read_snapshot_failures(snapshots: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The accounts ``org snapshot`` could not read (its ``failures.json``: suspended, cannot assume, ...) and that
    have no snapshot from an earlier run, as failures of the ``snapshot`` stage; none when there is no file."""
    from glue_iam_kit.org.snapshots import FAILURES as SNAPSHOT_FAILURES

    path = Path(snapshots) / SNAPSHOT_FAILURES
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KitError(f"--snapshots {path}: cannot read the accounts org snapshot could not read ({exc}); write it "
                       "again with `glue-iam-kit org snapshot`, or remove it to leave them out knowingly") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("account_id") for e in entries):
        raise KitError(f"--snapshots {path}: expected a list of {{\"account_id\", \"name\", \"reason\"}} as "
                       "`glue-iam-kit org snapshot` writes it")
    return [{"account_id": str(e["account_id"]), "name": e.get("name") or "", "stage": "snapshot",
             "error": e.get("reason") or "could not be snapshotted"}
            for e in entries if not (Path(snapshots) / f"{e['account_id']}.json").exists()]


def matrix_account(path: str, dataset: str, service: str, mfa: str, escalation: bool = True) -> dict[str, Any]:
    """One account: its matrix into its partition, its summary beside; a failure is a result, not a raise."""
    from glue_iam_kit.org.summary import summarise_account

    account_id = Path(path).stem
    try:
        from glue_iam_kit.matrix import compute_matrix
        from glue_iam_kit.sources.snapshot import SnapshotTarget

        target = SnapshotTarget.from_file(path)
        held = {(target.data.get("Account") or {}).get("Id"), (target.data.get("CallerIdentity") or {}).get("Account")}
        held -= {None, ""}
        if held and held != {account_id}:  # a copied or renamed file: never counted under another account's id
            raise KitError(f"{Path(path).name} holds account {', '.join(sorted(held))}, not {account_id}: rename it "
                           "to the account it holds")
        matrix = compute_matrix(target, service, mfa)
        summary = {"account_id": account_id, **summarise_account(matrix, target)}
        if escalation:
            summary["escalation_routes"] = write_account_routes(target, matrix, dataset, account_id)
        tmp = Path(dataset) / f"_tmp-{account_id}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        matrix.write(tmp / "part-0.parquet")
        write_json_atomic(Path(dataset) / SUMMARIES / f"{account_id}.json", summary)
        final = partition_dir(dataset, account_id)
        shutil.rmtree(final, ignore_errors=True)  # --refresh
        os.replace(tmp, final)
        return {"account_id": account_id, "ok": True, "summary": summary}
    except Exception as exc:  # one malformed snapshot is reported; the others complete
        return {"account_id": account_id, "ok": False, "error": f"{type(exc).__name__}: {exc}"
                if not isinstance(exc, KitError) else str(exc)}


def write_account_routes(target: Any, matrix: Any, dataset: str, account_id: str) -> int:
    """The account's escalation routes into ``DATASET/_escalation/<id>.csv`` (the matrix's grouping and Glue
    decisions reused); how many."""
    from glue_iam_kit.matrix.escalation import EscalationAccount, write_escalation

    routes = EscalationAccount(target, decided=matrix).routes()
    (Path(dataset) / ESCALATION).mkdir(parents=True, exist_ok=True)
    write_escalation(routes, Path(dataset) / ESCALATION / f"{account_id}.csv")
    return len(routes)


def read_escalation_routes(dataset: str | os.PathLike[str]) -> Any:
    """Every account's escalation routes, with ``account_id`` first (an empty frame when none were written)."""
    import pandas as pd

    from glue_iam_kit.matrix.escalation import ESCALATION_COLUMNS

    frames = [pd.read_csv(p, dtype=str, keep_default_na=False).assign(account_id=p.stem)
              for p in sorted((Path(dataset) / ESCALATION).glob("*.csv"))]
    columns = ["account_id", *ESCALATION_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def write_escalation_summary(dataset: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """``escalation-routes.csv`` across accounts into *folder* (riskiest first); its name."""
    frame = read_escalation_routes(dataset)
    if not frame.empty:
        frame = frame.assign(_admin=frame.admin == "True", _gains=frame.gains.astype(int)).sort_values(
            ["_admin", "_gains", "account_id"], ascending=[False, False, True]).drop(columns=["_admin", "_gains"])
    Path(folder).mkdir(parents=True, exist_ok=True)
    frame.to_csv(Path(folder) / "escalation-routes.csv", index=False)
    return "escalation-routes.csv"


def done_accounts(dataset: str | os.PathLike[str]) -> set[str]:
    """Accounts whose partition and summary are both written."""
    root = Path(dataset)
    if not root.is_dir():
        return set()
    return {p.name.split("=", 1)[1] for p in root.glob(f"{PARTITION}=*") if p.is_dir()
            and (root / SUMMARIES / f"{p.name.split('=', 1)[1]}.json").exists()}


def org_matrix(snapshots: str, dataset: str, service: str, mfa: str = "absent", scheduler: str | None = None,
               workers: int | None = None, refresh: bool = False, progress: bool = True,
               processes: bool = True, escalation: bool = True) -> dict[str, Any]:
    """Every account's matrix on Dask; returns ``{"written", "skipped", "failures", "not_snapshotted",
    "all_failures", "summaries", "memory"}`` (``failures``: this run's matrix failures; ``all_failures``: those and
    the accounts org snapshot could not read, as written to ``_failures.json``)."""
    from glue_iam_kit.org.cluster import open_client, peak_memory, run_tasks
    from glue_iam_kit.principals.context import mfa_values

    mfa_values(mfa)
    files = snapshot_files(snapshots)
    not_snapshotted = read_snapshot_failures(snapshots)
    Path(dataset).mkdir(parents=True, exist_ok=True)
    done = set() if refresh else done_accounts(dataset)
    todo = [(str(p), str(Path(dataset).resolve()), service, mfa, escalation) for p in files if p.stem not in done]
    written, failures = [], []
    with open_client(scheduler, processes=processes, workers=workers) as client:
        for result in run_tasks(client, matrix_account, todo, progress=progress, desc="account matrices"):
            (written if result["ok"] else failures).append(result)
        memory = peak_memory(client)
    # Every account the organisation sweep missed, with its reason: those org snapshot could not read and those
    # whose matrix failed here, so that no summary looks complete when it is not.
    everything = sorted(not_snapshotted + [{"account_id": f["account_id"], "name": "", "stage": "matrix",
                                            "error": f["error"]} for f in failures],
                        key=lambda f: f["account_id"])
    write_json_atomic(Path(dataset) / FAILURES, everything)
    return {"written": sorted(r["account_id"] for r in written), "skipped": sorted(done),
            "failures": failures, "not_snapshotted": not_snapshotted, "all_failures": everything,
            "summaries": read_summaries(dataset), "memory": memory}


def read_summaries(dataset: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every account's summary in the dataset (those written by earlier runs too)."""
    folder = Path(dataset) / SUMMARIES
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def read_org_dataset(dataset: str | os.PathLike[str], columns: list[str] | None = None,
                     filter_expression: Any = None) -> Any:
    """The dataset as a pandas DataFrame, ``account_id`` kept as text (twelve digits, leading zeros)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    part = ds.partitioning(pa.schema([(PARTITION, pa.string())]), flavor="hive")
    data = ds.dataset(str(dataset), format="parquet", partitioning=part)
    return data.to_table(columns=columns, filter=filter_expression).to_pandas()


def open_org_dataset(dataset: str = "", accounts: int = 6) -> str:
    """The dataset folder; with none, a small synthetic organisation computed now (threads in this process) into
    a temporary folder, to try the notebook on."""
    if dataset:
        if not Path(dataset).is_dir():
            raise KitError(f"dataset {dataset}: not a folder (write one with `glue-iam-kit org matrix`)")
        return dataset
    import tempfile

    from glue_iam_kit.sources.synthetic import synthetic_org

    root = Path(tempfile.mkdtemp(prefix="glue-iam-kit-org-"))
    synthetic_org(str(root / "snapshots"), accounts=accounts, users=25, roles=40)
    org_matrix(str(root / "snapshots"), str(root / "dataset"), "glue.amazonaws.com", progress=False,
               processes=False, workers=2)
    return str(root / "dataset")
