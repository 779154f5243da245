"""The local stack's HTTP server (infra/local/api_server.py) on loopback, with a probe app: it
answers over a kept-alive connection without Nagle's algorithm (the headers and the body are sent
apart, so with it on the body waited for the client's delayed ACK, 40 ms on Linux, every time)."""
from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
import requests
from chalice import Chalice

from infra.local.api_server import NoDelayRequestHandler, create_api_server
from infra.local.stack import chalice_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_answers_leave_without_waiting_for_delayed_acks(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Chalice("probe")

    @app.route("/")
    def index() -> dict[str, Any]:
        return {"ok": True}

    no_delay: list[int] = []
    setup = NoDelayRequestHandler.setup

    def recording_setup(handler: Any) -> None:
        setup(handler)
        no_delay.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(NoDelayRequestHandler, "setup", recording_setup)
    port = free_port()
    server = create_api_server(app, chalice_config(), "127.0.0.1", port)
    serving = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    try:
        with requests.Session() as http:
            answers = [http.get(f"http://127.0.0.1:{port}/", timeout=10) for _ in range(3)]
    finally:
        server.server.shutdown()
        server.server.server_close()
    assert [a.json() for a in answers] == [{"ok": True}] * 3
    assert len(no_delay) == 1 and no_delay[0] != 0, no_delay
