"""The Dask side of the organisation sweep: one client (a LocalCluster sized to the machine, or an existing
scheduler), one task per account, results as they complete with a progress bar, and the peak memory of every
process taking part.

Tasks are top-level functions of plain, picklable arguments (Dask serialises every task, even in process), and
return a small dict: one account's failure is a result, never an exception that stops the others.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from glue_iam_kit.errors import KitError


@contextlib.contextmanager
def open_client(scheduler: str | None = None, *, processes: bool = True, workers: int | None = None,
                connect_timeout: str = "20s") -> Iterator[Any]:
    """A ``dask.distributed.Client``: to *scheduler* (``tcp://host:8786``) when given, else to a LocalCluster of
    *workers* (default: one per CPU) worker processes of one thread each (the matrix is CPU-bound Python: one
    process per core), or threads in this process (*processes* False: API-bound work, or state only this
    process has, such as the sandbox's moto)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except OSError as exc:
            raise KitError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    cluster_args: dict[str, Any] = {"n_workers": n if processes else 1, "threads_per_worker": 1 if processes else n,
                                    "processes": processes, "dashboard_address": None}
    with LocalCluster(**cluster_args) as cluster, Client(cluster) as client:
        yield client


def run_tasks(client: Any, task: Callable[..., dict[str, Any]], items: Iterable[tuple[Any, ...]], *,
              progress: bool = True, desc: str = "accounts") -> Iterator[dict[str, Any]]:
    """Submit ``task(*item)`` for every item and yield the results as they complete."""
    from dask.distributed import as_completed

    from glue_iam_kit.matrix.table import progress_bar

    futures = [client.submit(task, *item, pure=False) for item in items]
    with progress_bar(progress, total=len(futures), desc=desc, unit="account") as bar:
        for future in as_completed(futures):
            yield future.result()
            bar.update(1)


def _peak_rss() -> tuple[int, int]:
    """(pid, this process's peak resident set size in bytes); Linux reports KiB, macOS bytes."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return os.getpid(), peak if sys.platform == "darwin" else peak * 1024


def peak_memory(client: Any) -> dict[str, int]:
    """Peak RSS of the scheduler and of each worker process, in bytes, each process once (in-process workers
    and a LocalCluster's scheduler share this process)."""
    seen: dict[int, str] = {}
    out: dict[str, int] = {}
    reports = [(f"worker {k}", v) for k, v in client.run(_peak_rss).items()]
    with contextlib.suppress(Exception):
        reports.append(("scheduler", client.run_on_scheduler(_peak_rss)))
    for name, (pid, rss) in reports:
        if pid not in seen:
            seen[pid] = name
            out[name] = rss
    return out
