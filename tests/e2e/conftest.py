"""End-to-end tier: ``python -m infra.local`` as a subprocess, driven over real HTTP."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "Fanglin ready"
READY_TIMEOUT_S = 90
STOP_TIMEOUT_S = 15
INHERITED_SETTINGS = ("FANGLIN_TABLE", "IDEMPOTENCY_TABLE", "UPLOAD_BUCKET", "MEDIA_BUCKET",
                      "EVIDENCE_BUCKET", "IOT_DATA_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                      "MOTO_PORT")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def stack_environment(api_port: int, aws_port: int, mqtt_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_ENDPOINT_URL", "AUTH_")) and k not in INHERITED_SETTINGS}
    env.update(API_PORT=str(api_port), AWS_PORT=str(aws_port), MQTT_PORT=str(mqtt_port),
               PYTHONUNBUFFERED="1")
    return env


@dataclass
class LocalStack:
    process: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]
    api_port: int
    aws_port: int
    mqtt_port: int
    ready: dict[str, str] = field(default_factory=dict)
    final_output: str = ""
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.ready["api"]

    @property
    def aws_url(self) -> str:
        return self.ready["aws"]

    @property
    def mqtt_address(self) -> tuple[str, int]:
        """(host, port) of the stack's MQTT broker, from ``mqtt=mqtt://host:port``."""
        host, port = self.ready["mqtt"].removeprefix("mqtt://").rsplit(":", 1)
        return host, int(port)

    def output(self) -> str:
        parts = []
        for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)):
            stream.flush()
            text = Path(stream.name).read_text(errors="replace")
            parts.append(f"--- {name} ---\n{text[-20000:]}")
        return "\n".join(parts)

    def ready_line(self) -> str | None:
        text = Path(self.stdout.name).read_text(errors="replace")
        return next((line for line in text.splitlines() if line.startswith(READY_PREFIX)), None)

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self.ready_line()
            if line is not None:
                self.ready = dict(p.split("=", 1) for p in line.split()[2:] if "=" in p)
                return
            if self.process.poll() is not None:
                pytest.fail(f"local stack exited with {self.process.returncode} before ready\n"
                            + self.output())
            time.sleep(0.1)
        pytest.fail(f"local stack not ready after {timeout_s} s\n" + self.output())

    def client(self, service: str) -> Any:
        """A boto3 client of the stack's embedded AWS."""
        import boto3

        return boto3.session.Session().client(
            service, region_name="us-east-1", endpoint_url=self.aws_url,
            aws_access_key_id="testing", aws_secret_access_key="testing")

    def table(self) -> Any:
        """The app's table in the embedded DynamoDB, as a boto3 resource."""
        import boto3

        from infra.local.stack import RESOURCE_NAMES

        return boto3.session.Session().resource(
            "dynamodb", region_name="us-east-1", endpoint_url=self.aws_url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        ).Table(RESOURCE_NAMES["FANGLIN_TABLE"])

    def add_user(self, username: str, name: str, roles: list[str], community_id: str) -> None:
        """A Cognito user of the stack with the demo password, made as an admin would."""
        from infra.local import provision
        from infra.local.demo import DEMO_PASSWORD

        provision.create_user(self.client("cognito-idp"), self._pool(), username, DEMO_PASSWORD,
                              name, roles, community_id)

    def _pool(self) -> Any:
        from infra.local import provision

        return provision.UserPool(pool_id=self.ready["user_pool_id"],
                                  client_id=self.ready["app_client_id"], issuer="", jwks_url="")

    def token(self, username: str) -> str:
        """A real USER_PASSWORD_AUTH login against the stack's Cognito."""
        if username not in self._tokens:
            from infra.local import provision
            from infra.local.demo import DEMO_PASSWORD

            self._tokens[username] = provision.login(self.client("cognito-idp"), self._pool(),
                                                     username, DEMO_PASSWORD)
        return self._tokens[username]

    def session(self, username: str | None) -> requests.Session:
        session = requests.Session()
        if username:
            session.headers["Authorization"] = f"Bearer {self.token(username)}"
        return session

    def url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    def interrupt(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGINT, as Ctrl-C sends; returns the exit code (kills after ``timeout_s``)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                pytest.fail(f"local stack ignored SIGINT for {timeout_s} s\n" + self.output())
        return int(self.process.returncode)


@contextmanager
def running_stack(logs: Path, overrides: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """``python -m infra.local`` on free ports, with ``overrides`` in its environment; ready when
    entered, interrupted (then killed) on exit."""
    api_port, aws_port, mqtt_port = free_ports(3)
    env = stack_environment(api_port, aws_port, mqtt_port) | (overrides or {})
    with open(logs / "stdout.log", "w+b") as out, open(logs / "stderr.log", "w+b") as err:
        process = subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=ROOT, env=env,
                                   stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        running = LocalStack(process, out, err, api_port, aws_port, mqtt_port)
        try:
            running.wait_ready()
            yield running
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
            running.final_output = running.output()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One local stack per pytest worker, shared by every e2e module that runs there: a module
    uses its own objects and counts only what it can recount, and never restarts or reconfigures
    the stack (those start their own with ``running_stack``)."""
    with running_stack(tmp_path_factory.mktemp("local-stack")) as running:
        yield running
    assert_stopped_cleanly(running)


def assert_stopped_cleanly(stopped: LocalStack) -> None:
    """The stack exited 0 on SIGINT (as Ctrl-C sends), with no traceback in its output."""
    assert stopped.process.returncode == 0, stopped.final_output
    assert "Traceback" not in stopped.final_output, stopped.final_output


def poll(fetch: Any, done: Any, timeout_s: float, interval_s: float = 0.2) -> Any:
    """Call ``fetch()`` until ``done(result)``; returns the last result (raises on timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = fetch()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met after {timeout_s} s; last: {result!r}")
        time.sleep(interval_s)
