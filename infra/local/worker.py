"""A background thread the local stack starts and stops: the stand-ins for Lambda's event
source mappings and EventBridge schedules are built on it."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class Worker(ABC):
    """Runs ``_run`` in a daemon thread; ``_run`` returns once ``_stopping`` is set."""

    def __init__(self, name: str) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self, timeout_s: float = 5) -> None:
        """Stop and wait for the work in flight."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @abstractmethod
    def _run(self) -> None:
        """The loop; it returns once ``_stopping`` is set."""
