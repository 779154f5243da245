"""``python -m infra.local``: run the local stack in the foreground until SIGINT or SIGTERM."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

from infra.local.stack import LocalStack, StackConfig, StackError


def main() -> int:
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        config = StackConfig.from_env()
    except StackError as err:
        print(f"fanglin: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if config.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stack = LocalStack(config)
    try:
        ready = stack.start()
        if not stopping.is_set():
            print(ready.line(), flush=True)
        while not stopping.wait(0.2):
            pass
    except StackError as err:
        print(f"fanglin: {err}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


def exit_now(code: int) -> None:
    """Exit without interpreter teardown, which takes seconds for moto's object graph:
    by now every server is stopped and only memory is left to free."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
