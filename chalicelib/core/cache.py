"""Reads kept for a few seconds in this container, where serving them that much later is harmless.

Each cache is created on first use and bounded; the code that writes what a cache holds forgets
the keys it wrote, so only other containers may serve an older value, for at most the cache's
``ttl_s``. Cached values are shared by every request of the container: treat them as read-only.
Caches belong to the settings they were filled under (``config.reset()`` starts new ones, so a
changed table or endpoint is never answered from an old one); ``reset()`` forgets everything.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from chalicelib.core.config import Settings, get_settings

V = TypeVar("V")
MAX_ENTRIES = 2048

_caches: dict[str, TtlCache] = {}
_filled_under: list[Settings] = []
_lock = threading.Lock()


class TtlCache:
    def __init__(self, ttl_s: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._writes = 0

    def get(self, key: Hashable, load: Callable[[], V], keep: Callable[[V], bool] = lambda v: True
            ) -> V:
        """The value under ``key`` loaded less than ``ttl_s`` ago, else ``load()``'s, which is
        kept when ``keep`` says so and nothing was forgotten while it loaded."""
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            writes = self._writes
        if found is not None and now - found[0] < self.ttl_s:
            return found[1]  # type: ignore[no-any-return]
        value = load()
        if keep(value):
            with self._lock:
                if writes != self._writes:
                    return value
                self._entries.pop(key, None)
                if len(self._entries) >= self._max_entries:
                    del self._entries[next(iter(self._entries))]
                self._entries[key] = (now, value)
        return value

    def forget(self, *keys: Hashable) -> None:
        with self._lock:
            self._writes += 1
            for key in keys:
                self._entries.pop(key, None)


def ttl_cache(name: str, ttl_s: float) -> TtlCache:
    """This container's cache ``name``."""
    settings = get_settings()
    with _lock:
        if not _filled_under or _filled_under[0] is not settings:
            _caches.clear()
            _filled_under[:] = [settings]
        found = _caches.get(name)
        if found is None:
            found = _caches[name] = TtlCache(ttl_s)
        return found


def reset() -> None:
    """Forget every cached read."""
    with _lock:
        _caches.clear()
