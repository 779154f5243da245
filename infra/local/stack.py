"""The whole system on one machine: moto as the embedded AWS, the Chalice app served in-process,
and local stand-ins for the Lambda event plumbing."""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.devices import topics
from chalicelib.devices.topics import EVIDENCE_RETENTION_DAYS
from infra.local import provision
from infra.local.dispatch import Dispatcher, FunctionSettings, from_app
from infra.local.lambdas import LambdaBridge
from infra.local.mqtt import BridgeTargets, CommandForwarder, DeviceBridge, MqttBroker
from infra.local.poller import KinesisPoller, SqsPoller, StreamSettings
from infra.local.schedule import ScheduleRunner, schedules_of
from infra.local.serial_dynamodb import SerialDynamoDB

HOST = "127.0.0.1"
REGION = "us-east-1"
DEFAULT_API_PORT = 8000
DEFAULT_AWS_PORT = 5000
DEFAULT_MQTT_PORT = 1883
POLL_S = 0.1
PHOTO_FUNCTION = "photo_processor"
TELEMETRY_FUNCTION = "device_telemetry"
ESCALATION_TASK = "escalation_task"
ESCALATION_FUNCTION = "fanglin-local-escalation-task"
ESCALATION_MACHINE = "fanglin-local-escalation"
ESCALATION_ROLE = "fanglin-local-escalation"
RULE_PREFIX = "fanglin-local-"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
RESOURCE_NAMES = {
    "FANGLIN_TABLE": "fanglin-local",
    "IDEMPOTENCY_TABLE": "fanglin-local-idempotency",
    "UPLOAD_BUCKET": "fanglin-local-uploads",
    "MEDIA_BUCKET": "fanglin-local-media",
    "EVIDENCE_BUCKET": "fanglin-local-evidence",
}
AWS_DOWN_SIGNAL = signal.SIGUSR1
AWS_UP_SIGNAL = signal.SIGUSR2
AWS_RESTART_TIMEOUT_S = 10
QUIET_DEFAULTS = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true"}

log = logging.getLogger("fanglin.local")


class StackError(RuntimeError):
    """The stack cannot start (a port is taken, a setting is invalid)."""


@dataclass(frozen=True)
class StackConfig:
    api_port: int = DEFAULT_API_PORT
    aws_port: int = DEFAULT_AWS_PORT
    mqtt_port: int = DEFAULT_MQTT_PORT
    host: str = HOST
    verbose: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackConfig:
        """Raises StackError for a port that is not a number."""
        env = os.environ if env is None else env
        return cls(api_port=_port(env, "API_PORT", DEFAULT_API_PORT),
                   aws_port=_port(env, "AWS_PORT", DEFAULT_AWS_PORT),
                   mqtt_port=_port(env, "MQTT_PORT", DEFAULT_MQTT_PORT),
                   verbose=env.get("FANGLIN_VERBOSE", "") not in ("", "0", "false"))

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def aws_url(self) -> str:
        return f"http://{self.host}:{self.aws_port}"

    @property
    def mqtt_url(self) -> str:
        return f"mqtt://{self.host}:{self.mqtt_port}"


@dataclass(frozen=True)
class Ready:
    api_url: str
    aws_url: str
    pool: provision.UserPool
    mqtt_url: str = ""

    def line(self) -> str:
        return (f"Fanglin ready api={self.api_url} aws={self.aws_url} "
                f"user_pool_id={self.pool.pool_id} app_client_id={self.pool.client_id}"
                + (f" mqtt={self.mqtt_url}" if self.mqtt_url else ""))


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StackError(f"{name} must be a TCP port number, got {raw!r}")
    return int(raw)


def ensure_free(host: str, port: int, what: str) -> None:
    """Raises StackError when ``port`` is taken: moto would otherwise wait for it forever."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            raise StackError(f"{what} port {host}:{port} is in use ({err.strerror})") from err


def aws_environment(config: StackConfig) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": config.aws_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "MOTO_PORT": str(config.aws_port),
        "TZ": "UTC",
    }


def app_environment(pool: provision.UserPool, state_machine_arn: str) -> dict[str, str]:
    return RESOURCE_NAMES | {
        "AUTH_ISSUER": pool.issuer,
        "AUTH_AUDIENCE": pool.client_id,
        "AUTH_JWKS_URL": pool.jwks_url,
        "USER_POOL_ID": pool.pool_id,
        "ESCALATION_STATE_MACHINE_ARN": state_machine_arn,
    }


def apply_environment(values: Mapping[str, str]) -> None:
    """Point this process at the embedded AWS and forget every cached setting and client.
    ``TZ=UTC`` as in Lambda; moto's Wait states also read timestamps as local time."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL_") or name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            del os.environ[name]
    os.environ.update(values)
    time.tzset()
    for name, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from chalicelib.core import cache, clients, config
    from chalicelib.core import db as base
    from chalicelib.identity import tokens as auth

    config.reset()
    clients.reset()
    auth.reset()
    base.reset_connections()
    cache.reset()


def quiet_request_logs() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def chalice_config(function_name: str = "api_handler") -> Any:
    from chalice.config import Config

    path = PROJECT_ROOT / ".chalice" / "config.json"
    disk = json.loads(path.read_text()) if path.exists() else {}
    return Config(chalice_stage="dev", function_name=function_name, config_from_disk=disk)


def function_settings(name: str) -> FunctionSettings:
    config = chalice_config(name)
    return FunctionSettings(timeout_s=config.lambda_timeout or 60,
                            memory_mb=config.lambda_memory_size or 512)


def telemetry_stream_settings() -> StreamSettings:
    """The telemetry stream's event source mapping, as deployed (``infra/stacks/devices.py``)."""
    return StreamSettings(batch_size=topics.TELEMETRY_BATCH_SIZE,
                          batching_window_s=topics.TELEMETRY_BATCHING_WINDOW_S,
                          retry_attempts=topics.TELEMETRY_RETRY_ATTEMPTS,
                          max_record_age_s=topics.TELEMETRY_MAX_RECORD_AGE_S,
                          idle_s=topics.TELEMETRY_POLL_S)


class LocalStack:
    """Start with ``start()`` (returns what the ready line shows), stop with ``stop()``."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.dispatcher: Dispatcher | None = None
        self._moto: Any = None
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self._pollers: list[SqsPoller | KinesisPoller] = []
        self._schedules: ScheduleRunner | None = None
        self._bridge: LambdaBridge | None = None
        self._photo_queue = ""
        self._device_queues: provision.DeviceQueues | None = None
        self._broker: MqttBroker | None = None
        self._forwarder: CommandForwarder | None = None
        self._devices: DeviceBridge | None = None
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._aws_lock = threading.Lock()
        self._aws_down = False
        self._signal_handlers: dict[int, Any] = {}

    def start(self) -> Ready:
        """Raises StackError when a port is taken."""
        c = self.config
        ensure_free(c.host, c.aws_port, "AWS_PORT")
        ensure_free(c.host, c.api_port, "API_PORT")
        ensure_free(c.host, c.mqtt_port, "MQTT_PORT")
        if not c.verbose:
            quiet_request_logs()
        self._start_moto()
        apply_environment(aws_environment(c))
        pool = self._provision()
        from app import app

        self.dispatcher = from_app(app, REGION, function_settings)
        self._bridge = LambdaBridge(self.dispatcher, {ESCALATION_FUNCTION: ESCALATION_TASK})
        self._bridge.install()
        self._start_pollers()
        self._schedules = ScheduleRunner(schedules_of(app), self.dispatcher, REGION, RULE_PREFIX)
        self._schedules.start()
        self._start_mqtt()
        self._serve(app)
        self._handle_aws_signals()
        return Ready(api_url=c.api_url, aws_url=c.aws_url, pool=pool, mqtt_url=c.mqtt_url)

    def _start_moto(self) -> None:
        import requests
        from moto.server import ThreadedMotoServer

        from infra.local import moto_speed

        SerialDynamoDB.install()
        moto_speed.install()
        self._moto = ThreadedMotoServer(ip_address=self.config.host, port=self.config.aws_port,
                                        verbose=self.config.verbose)
        self._moto.start()
        response = requests.post(f"{self.config.aws_url}/moto-api/config", json=MOTO_CONFIG,
                                 timeout=10)
        response.raise_for_status()

    def stop_aws(self) -> bool:
        """Take the embedded AWS endpoint down as an outage would: its port refuses connections
        while moto's state (module globals of this process) stays. False when already down."""
        with self._aws_lock:
            if self._moto is None or self._aws_down:
                return False
            self._moto.stop()
            server = getattr(self._moto, "_server", None)
            if server is not None:
                server.server_close()
            self._aws_down = True
        log.warning("embedded AWS down: %s refuses connections", self.config.aws_url)
        return True

    def start_aws(self, timeout_s: float = AWS_RESTART_TIMEOUT_S) -> bool:
        """Serve the embedded AWS again on its port, with the state it had; False when it is
        up. Raises StackError when the port is not free again within ``timeout_s``."""
        with self._aws_lock:
            if self._moto is None or not self._aws_down:
                return False
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    ensure_free(self.config.host, self.config.aws_port, "AWS_PORT")
                    break
                except StackError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(POLL_S)
            self._moto.start()
            self._aws_down = False
        log.warning("embedded AWS up again: %s", self.config.aws_url)
        return True

    def _handle_aws_signals(self) -> None:
        """SIGUSR1 takes the embedded AWS down, SIGUSR2 brings it back (see ``stop_aws``), each
        in a thread of its own. Signals are only handled by a stack started in the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, action in ((AWS_DOWN_SIGNAL, self.stop_aws), (AWS_UP_SIGNAL, self.start_aws)):
            def handler(number: int, frame: Any, act: Any = action) -> None:
                threading.Thread(target=act, name="aws-outage", daemon=True).start()

            self._signal_handlers[signum] = signal.signal(signum, handler)

    def _provision(self) -> provision.UserPool:
        from chalicelib.core.config import get_settings
        from infra.local import seed

        cognito, s3, sqs = (self._client(s) for s in ("cognito-idp", "s3", "sqs"))
        pool = provision.create_user_pool(cognito, REGION, self.config.aws_url)
        apply_environment(app_environment(pool, self._create_workflow()))
        settings = get_settings()
        provision.create_tables(self._client("dynamodb"), settings)
        provision.create_buckets(s3, settings)
        self._photo_queue = provision.create_photo_queue(sqs, s3, settings)
        provision.create_evidence_bucket(s3, RESOURCE_NAMES["EVIDENCE_BUCKET"], REGION,
                                         EVIDENCE_RETENTION_DAYS)
        self._device_queues = provision.create_device_queues(sqs, self._client("kinesis"),
                                                             topics.TELEMETRY_SHARDS)
        seed.seed_users(cognito, pool)
        seed.seed_directory()
        seed.seed_content()
        return pool

    def _create_workflow(self) -> str:
        """The escalation task's function and the state machine; returns the machine's ARN."""
        role = provision.create_service_role(
            self._client("iam"), ESCALATION_ROLE,
            ["lambda.amazonaws.com", "states.amazonaws.com"])
        task = provision.create_function(self._client("lambda"), ESCALATION_FUNCTION,
                                         f"app.{ESCALATION_TASK}", role)
        return provision.create_escalation_workflow(self._client("stepfunctions"),
                                                    ESCALATION_MACHINE, task, role)

    def _start_pollers(self) -> None:
        assert self.dispatcher is not None
        poller = SqsPoller(self._client("sqs"), self._photo_queue, PHOTO_FUNCTION,
                           self.dispatcher, REGION)
        poller.start()
        self._pollers.append(poller)
        assert self._device_queues is not None
        if TELEMETRY_FUNCTION not in self.dispatcher.names():
            log.warning("no %s function: device readings stay queued", TELEMETRY_FUNCTION)
            return
        telemetry = KinesisPoller(
            self._client("kinesis"), self._device_queues.telemetry_stream, TELEMETRY_FUNCTION,
            self.dispatcher, REGION, telemetry_stream_settings(), sqs=self._client("sqs"),
            on_failure_url=self._device_queues.dead_letter_url)
        telemetry.start()
        self._pollers.append(telemetry)

    @property
    def device_bridge(self) -> DeviceBridge | None:
        """The topic rules' bridge while the stack runs (its counters: routed, unrouted...)."""
        return self._devices

    def _start_mqtt(self) -> None:
        """The broker, ``iot-data publish`` forwarded to it, and the topic rules' bridge."""
        assert self.dispatcher is not None and self._device_queues is not None
        c = self.config
        self._broker = MqttBroker(c.host, c.mqtt_port, c.verbose)
        try:
            self._broker.start()
        except OSError as err:
            raise StackError(str(err)) from err
        self._forwarder = CommandForwarder(c.host, c.mqtt_port)
        self._forwarder.install()
        targets = BridgeTargets(telemetry_stream=self._device_queues.telemetry_stream,
                                dead_letter_queue_url=self._device_queues.dead_letter_url,
                                table_name=RESOURCE_NAMES["FANGLIN_TABLE"])
        self._devices = DeviceBridge(self.dispatcher, self._client("sqs"), self._client("kinesis"),
                                     self._client("dynamodb"), targets)
        self._devices.start(c.host, c.mqtt_port)

    def _serve(self, app: Any) -> None:
        from infra.local.api_server import create_api_server

        try:
            self._http = create_api_server(app, chalice_config(), self.config.host,
                                           self.config.api_port)
        except OSError as err:
            raise StackError(f"cannot serve on {self.config.api_url}: {err.strerror}") from err
        server = self._http.server
        self._http_thread = threading.Thread(target=server.serve_forever, args=(POLL_S,),
                                             name="chalice-local", daemon=True)
        self._http_thread.start()

    def stop(self) -> None:
        """Stop schedules, pollers, the HTTP server and moto, in that order; safe to call twice.
        Executions sleeping in Wait states are moto's daemon threads: they do not hold it up."""
        if threading.current_thread() is threading.main_thread():
            for signum, previous in self._signal_handlers.items():
                signal.signal(signum, previous)
        self._signal_handlers.clear()
        if self._schedules is not None:
            self._schedules.request_stop()
        for poller in self._pollers:
            poller.request_stop()
        if self._devices is not None:
            self._devices.stop()
            self._devices = None
        if self._http is not None:
            self._http.shutdown()
            self._http.server.server_close()
            self._http = None
        if self._http_thread is not None:
            self._http_thread.join(5)
            self._http_thread = None
        for poller in self._pollers:
            poller.stop()
        self._pollers.clear()
        if self._schedules is not None:
            self._schedules.stop()
            self._schedules = None
        if self._forwarder is not None:
            self._forwarder.uninstall()
            self._forwarder = None
        if self._broker is not None:
            self._broker.stop()
            self._broker = None
        if self._bridge is not None:
            self._bridge.uninstall()
            self._bridge = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        SerialDynamoDB.uninstall()

    def _client(self, service: str) -> Any:
        """The stack's own clients, against the embedded AWS (after ``apply_environment``)."""
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(region_name=REGION)
        if service not in self._clients:
            self._clients[service] = self._session.client(service)
        return self._clients[service]
