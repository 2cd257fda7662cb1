"""One bounded cache for what the evaluator builds from content (compiled documents, a cases file's policy
sets and contexts): the same content comes back again and again, and the values are immutable. Bounded by
emptying it when full, so a long run cannot grow it forever (simpler than LRU, and as good for these inputs)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ContentCache(Generic[V]):
    """Values by a content key; :meth:`get` builds a missing one (an exception is raised, not cached)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        value = self._values.get(key)
        if value is None:
            value = make()
            if len(self._values) >= self.limit:
                self._values.clear()
            self._values[key] = value
        return value
