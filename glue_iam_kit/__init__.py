"""glue-iam-kit: investigate AWS Glue ``iam:PassRole`` AccessDenied failures.

Nothing heavy is imported here: start-up time is part of every papermill run and every CLI call. The Python
API (:func:`connect`, :func:`open_investigation`) is loaded on first use.
"""

from __future__ import annotations

import logging
from typing import Any

__version__ = "0.1.0"

# A library logs, the application decides where to: unexpected failures a step survives are logged with their
# traceback under "glue_iam_kit" (configure logging to see them; GLUE_IAM_KIT_DEBUG=1 raises them instead).
logging.getLogger(__name__).addHandler(logging.NullHandler())

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
