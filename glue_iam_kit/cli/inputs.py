"""What the CLI checks in a command's input before any notebook kernel starts: every input gets its answer on the
terminal, in one line, and nothing is substituted behind the user's back."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def note(message: str) -> None:
    """One line on standard error that does not stop the command."""
    print(f"glue-iam-kit: note: {message}", file=sys.stderr)


def describe_error_text(text: str) -> str:
    """'' when *text* reads as an AccessDenied message; otherwise the one line that says what it is instead."""
    from glue_iam_kit.diagnosis.errortext import ErrorTextError, parse_error_text

    try:
        parse_error_text(text)
    except ErrorTextError as exc:  # its words are report.md's too (one source: errortext)
        what = str(exc)
        what = f"is {what}" if what.startswith(("a ", "an ", "not ")) else f"cannot be read: {what}"
        return (f"the error text {what}: the investigation goes on without it, from the other evidence "
                "(report.md says the same)")
    return ""


def check_investigation_inputs(args: argparse.Namespace, params: dict[str, Any]) -> None:
    """Before the kernel starts: a snapshot that cannot be read is refused (KitError: one line, exit 1); an error
    text that is no AccessDenied message gets its line."""
    if getattr(args, "error_text", None) == "":  # `--error-text ""`: given, yet naming nothing
        from glue_iam_kit.errors import KitError

        raise KitError("--error-text needs a file name (or - for standard input); leave it out to investigate "
                       "without one")
    if params.get("target") == "sandbox":  # ARNs of two accounts, or a malformed one: refused before the kernel
        from glue_iam_kit.sources.sandbox import sandbox_names

        sandbox_names(params.get("user") or None, params.get("role") or None, params.get("account_id") or None)
    if params.get("snapshot_path"):
        from glue_iam_kit.sources.snapshot import read_snapshot

        read_snapshot(params["snapshot_path"])
    # Off the sandbox, with nothing else naming the principal, an unreadable text stops the run: its one line
    # then says so (exit 1), and a note that it "goes on" would contradict it.
    goes_on = params.get("target") == "sandbox" or params.get("user") or params.get("event_id")
    if params.get("error_text") and goes_on:
        line = describe_error_text(params["error_text"])
        if line:
            note(line)
