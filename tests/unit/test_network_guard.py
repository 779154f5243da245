"""The unit tier refuses network access (tests/unit/conftest.py)."""
import socket
import urllib.request

import pytest

from tests.unit.conftest import NetworkRefusedError


def test_sockets_cannot_connect() -> None:
    with pytest.raises(NetworkRefusedError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkRefusedError):
        socket.socket().connect(("127.0.0.1", 9))


def test_http_clients_fail_before_any_packet() -> None:
    with pytest.raises((NetworkRefusedError, OSError)):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
