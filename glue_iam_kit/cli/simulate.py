"""``glue-iam-kit simulate``: JSON Lines cases in, one JSON line out per case, in input order.

A large input is decided by worker processes, in chunks, and written back in input order: the cases are
independent, so a file of thousands of cases uses the machine's cores. Workers are forked after the evaluator
is imported (no second start-up) and keep their own caches; small inputs, ``--jobs 1`` and systems without
``fork`` stay in one process. The output is the same either way (tests/cli compares them byte for byte).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice

CHUNK_LINES = 256  # lines per task: large enough that a task outweighs its messages
PARALLEL_MIN_LINES = 1024  # below this, forking costs more than it saves
MAX_JOBS = 8


def default_jobs() -> int:
    """Worker processes for a large input: the cores this process may use (at most 8); 1 without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


def _encode_lines(lines: Iterable[str], start: int) -> str:
    """Decide *lines* (the first is line *start* of the input) and return their output lines as one text."""
    from glue_iam_kit.engine.cases import simulate_lines

    encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per line (json.dumps)
    return "".join(encode(out) + "\n" for out, _ in simulate_lines(lines, start=start))


def _task(chunk: tuple[list[str], int]) -> str:
    return _encode_lines(*chunk)


def _chunks(lines: Iterable[str], start: int = 1) -> Iterator[tuple[list[str], int]]:
    it = iter(lines)
    while chunk := list(islice(it, CHUNK_LINES)):
        yield chunk, start
        start += len(chunk)


def write_simulation(lines: Iterable[str], write: Callable[[str], object], jobs: int | None = None) -> None:
    """Decide every case of *lines* and write the output lines in input order (``jobs``: worker processes;
    None: :func:`default_jobs`)."""
    jobs = default_jobs() if jobs is None else jobs
    it = iter(lines)
    head = list(islice(it, PARALLEL_MIN_LINES))
    if jobs <= 1 or len(head) < PARALLEL_MIN_LINES:
        for chunk, start in _chunks(chain(head, it)):
            write(_encode_lines(chunk, start))
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for text in pool.imap(_task, _chunks(chain(head, it))):
            write(text)
