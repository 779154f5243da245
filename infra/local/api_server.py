"""Chalice's local HTTP server, able to take a burst of simultaneous clients.

``chalice.local.create_local_server`` listens with socketserver's default backlog of 5: a burst of
simultaneous connections overflows it and clients see resets. This server is the same threaded
one, one thread per connection, with a listen backlog of ``BACKLOG``.
"""
from __future__ import annotations

from typing import Any

from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

BACKLOG = 256


class BackloggedHTTPServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG


def create_api_server(app: Any, config: Any, host: str, port: int) -> LocalDevServer:
    """What ``create_local_server`` makes, on ``BackloggedHTTPServer``. Raises OSError."""
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, server_cls=BackloggedHTTPServer)
