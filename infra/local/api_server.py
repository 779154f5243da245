"""Chalice's local HTTP server, able to take a burst of simultaneous clients.

``chalice.local.create_local_server`` listens with socketserver's default backlog of 5: a burst of
simultaneous connections overflows it and clients see resets. This server is the same threaded
one, one thread per connection, with a listen backlog of ``BACKLOG``. Its handler turns Nagle's
algorithm off: it sends the headers and the body apart, and on a kept-alive connection the body
waited for the client's delayed ACK (40 ms on Linux) on every answer.
"""
from __future__ import annotations

from typing import Any

from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    ThreadedHTTPServer,
)

BACKLOG = 256


class BackloggedHTTPServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG


class NoDelayRequestHandler(ChaliceRequestHandler):
    disable_nagle_algorithm = True


def create_api_server(app: Any, config: Any, host: str, port: int) -> LocalDevServer:
    """What ``create_local_server`` makes, on ``BackloggedHTTPServer`` with
    ``NoDelayRequestHandler``. Raises OSError."""
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=NoDelayRequestHandler,
                          server_cls=BackloggedHTTPServer)
