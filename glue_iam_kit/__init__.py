"""glue-iam-kit: investigate AWS Glue ``iam:PassRole`` AccessDenied failures.

Nothing heavy is imported here: start-up time is part of every papermill run and every CLI call. The Python
API (:func:`connect`, :func:`open_investigation`) is loaded on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {"connect": "glue_iam_kit.account", "Account": "glue_iam_kit.account",
         "open_investigation": "glue_iam_kit.account"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'glue_iam_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["Account", "connect", "open_investigation"]
