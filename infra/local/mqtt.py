"""IoT Core, locally: an MQTT broker (amqtt) in the stack process, a bridge that applies the
deployed topic rules (``chalicelib.devices.topics``) to what devices publish, and ``iot-data
publish`` from the handlers delivered to the broker.

The bridge is one paho-mqtt subscriber to the events filter. It acknowledges each message at
once and hands it to one of a few workers (always the same one for a device, so a device's
messages stay in order). There ``topics.route`` picks the action the rules would: safety events
invoke ``device_safety`` through the dispatcher at once (asynchronously, as IoT's Lambda action
does), PM2.5 readings are put into the telemetry Kinesis stream (partition key = device, as
the rule's Kinesis action) that a poller feeds to ``device_telemetry`` in batches, heartbeats are
put into the table as the rule's DynamoDBv2 action would. A failed action sends the message to the
dead-letter queue in the shape of IoT's error action; unrouted messages are logged and counted.

``CommandForwarder`` replaces ``moto.iotdata.models.IoTDataPlaneBackend.publish`` (moto only
records payloads): every publish also goes to the broker. moto is pinned; check this seam again
when it changes.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.devices import topics
from infra.local.dispatch import Dispatcher

log = logging.getLogger("fanglin.local.mqtt")
SAFETY_FUNCTION = "device_safety"
BRIDGE_CLIENT_ID = "fanglin-local-rules"
FORWARDER_CLIENT_ID = "fanglin-local-iot-data"
CONNECT_TIMEOUT_S = 5.0
SAFETY_CONCURRENCY = 4
RULE_WORKERS = 4  # messages of one device always go to the same worker, in order
QUIET_LOGGERS = ("amqtt", "transitions")


def broker_config(host: str, port: int) -> dict[str, Any]:
    """One TCP listener, anonymous clients, no $SYS topics or packet logging."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {
            "allow_anonymous": True}},
    }


class MqttBroker:
    """amqtt serving ``host:port`` from an asyncio loop on its own thread."""

    def __init__(self, host: str, port: int, verbose: bool = False) -> None:
        self.host = host
        self.port = port
        self._verbose = verbose
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        """Raises OSError when the port cannot be bound."""
        from amqtt.broker import Broker

        if not self._verbose:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.ERROR)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="mqtt-broker", daemon=True)
        self._thread.start()

        async def start() -> Any:
            broker = Broker(broker_config(self.host, self.port), loop=loop)
            await broker.start()
            return broker

        try:
            self._broker = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
        except Exception as err:
            self.stop()
            raise OSError(f"MQTT broker cannot serve on {self.host}:{self.port}: {err}") from err

    def stop(self) -> None:
        """Close every session and the listener; safe to call twice."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        if self._broker is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._broker.shutdown(), loop).result(10)
            except Exception:
                log.warning("MQTT broker did not shut down cleanly", exc_info=self._verbose)
            self._broker = None
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        loop.close()


def mqtt_client(client_id: str) -> Any:
    import paho.mqtt.client as mqtt

    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                       protocol=mqtt.MQTTv311)


def connect(client: Any, host: str, port: int, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Connect and start the network thread; returns once the broker accepted the session.
    Raises ConnectionError."""
    connected = threading.Event()

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not reason.is_failure:
            connected.set()

    previous = client.on_connect
    client.on_connect = on_connect
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if not connected.wait(timeout_s):
        client.loop_stop()
        raise ConnectionError(f"MQTT broker {host}:{port} did not accept the connection")
    client.on_connect = previous


class CommandForwarder:
    """While installed, ``iot-data publish`` against moto also publishes to the broker."""

    _lock = threading.Lock()
    _active: CommandForwarder | None = None

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._client: Any = None
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        """Raises RuntimeError when another forwarder is installed, ConnectionError when the
        broker does not answer."""
        from moto.iotdata.models import IoTDataPlaneBackend

        with CommandForwarder._lock:
            if CommandForwarder._active is not None:
                raise RuntimeError("a CommandForwarder is already installed")
            self._client = mqtt_client(FORWARDER_CLIENT_ID)
            connect(self._client, self._host, self._port)
            original: Callable[..., Any] = IoTDataPlaneBackend.publish
            client = self._client

            def publish(backend: Any, topic: str, payload: bytes) -> None:
                original(backend, topic, payload)
                client.publish(topic, payload, qos=1)

            self._original = original
            setattr(IoTDataPlaneBackend, "publish", publish)  # noqa: B010 - mypy: method assign
            CommandForwarder._active = self

    def uninstall(self) -> None:
        """Restore moto's method and disconnect; safe to call twice."""
        from moto.iotdata.models import IoTDataPlaneBackend

        with CommandForwarder._lock:
            if CommandForwarder._active is self and self._original is not None:
                setattr(IoTDataPlaneBackend, "publish", self._original)  # noqa: B010
                CommandForwarder._active = None
                self._original = None
            if self._client is not None:
                self._client.disconnect()
                self._client.loop_stop()
                self._client = None


@dataclass(frozen=True)
class BridgeTargets:
    """Where the rules' actions go: the telemetry stream, the rules' dead-letter queue, the
    table."""

    telemetry_stream: str
    dead_letter_queue_url: str
    table_name: str


def dynamodb_item(item: dict[str, Any]) -> dict[str, Any]:
    """Plain Python values as DynamoDB attribute values (numbers through Decimal)."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    exact = json.loads(json.dumps(item), parse_float=Decimal)
    return {name: serializer.serialize(value) for name, value in exact.items()}


def error_message(rule: str, topic: str, payload: bytes, failed_action: str, resource: str,
                  err: BaseException) -> dict[str, Any]:
    """What IoT's error action sends for a failed rule action."""
    return {
        "ruleName": rule,
        "topic": topic,
        "cloudwatchTraceId": str(uuid.uuid4()),
        "clientId": "",
        "base64OriginalPayload": base64.b64encode(payload).decode("ascii"),
        "failures": [{"failedAction": failed_action, "failedResource": resource,
                      "errorMessage": f"{type(err).__name__}: {err}"}],
    }


def partition_key(outcome: topics.Routed) -> str:
    """``topics.TELEMETRY_PARTITION_KEY`` (a substitution template of the topic) for this
    message's topic."""
    levels = {"${topic(2)}": outcome.community_id, "${topic(4)}": outcome.device_id}
    return levels[topics.TELEMETRY_PARTITION_KEY]


class DeviceBridge:
    """The topic rules over the local broker. ``handle`` is the whole decision, without MQTT."""

    def __init__(self, dispatcher: Dispatcher, sqs: Any, kinesis: Any, dynamodb: Any,
                 targets: BridgeTargets, rule_prefix: str = "fanglin_local_") -> None:
        self._dispatcher = dispatcher
        self._sqs = sqs
        self._kinesis = kinesis
        self._dynamodb = dynamodb
        self._targets = targets
        self._rule_prefix = rule_prefix
        self._client: Any = None
        self._safety = ThreadPoolExecutor(SAFETY_CONCURRENCY, thread_name_prefix="device-safety")
        self._inboxes: list[queue.SimpleQueue[tuple[str, bytes, int] | None]] = [
            queue.SimpleQueue() for _ in range(RULE_WORKERS)]
        self._workers = [threading.Thread(target=self._work, args=(inbox,), daemon=True,
                                          name=f"device-rules-{n}")
                         for n, inbox in enumerate(self._inboxes)]
        self._lock = threading.Lock()
        self._put_lock = threading.Lock()
        self.routed: Counter[str] = Counter()
        self.unrouted: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()

    def start(self, host: str, port: int) -> None:
        """Subscribe to the events filter. Raises ConnectionError."""
        client = mqtt_client(BRIDGE_CLIENT_ID)
        subscribed = threading.Event()
        client.on_message = lambda c, userdata, message: self.receive(message.topic,
                                                                       message.payload)
        client.on_subscribe = lambda c, userdata, mid, codes, properties: subscribed.set()
        for worker in self._workers:
            worker.start()
        connect(client, host, port)
        client.subscribe(topics.TOPIC_FILTER, qos=1)
        self._client = client
        if not subscribed.wait(CONNECT_TIMEOUT_S):
            raise ConnectionError(f"MQTT broker {host}:{port} did not confirm the subscription")

    def stop(self) -> None:
        """Stop taking messages, route those received, finish the safety invocations in
        flight; safe to call twice."""
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None
        for inbox, worker in zip(self._inboxes, self._workers, strict=True):
            if worker.is_alive():
                inbox.put(None)
                worker.join(10)
        self._safety.shutdown(wait=True)

    def receive(self, topic: str, payload: bytes) -> None:
        """paho's callback: note the time and queue the message for its device's worker, so
        the broker gets its PUBACK at once (as IoT Core acknowledges before rules run)."""
        received_ms = int(time.time() * 1000)
        self._inboxes[hash(topic) % RULE_WORKERS].put((topic, payload, received_ms))

    def _work(self, inbox: queue.SimpleQueue[tuple[str, bytes, int] | None]) -> None:
        while (item := inbox.get()) is not None:
            try:
                self.handle(*item)
            except Exception:
                log.exception("the device bridge failed on %s", item[0])

    def handle(self, topic: str, payload: bytes, received_ms: int | None = None) -> str:
        """Route one message as the rules do; returns the action taken or the refusal reason.
        Telemetry and heartbeats are done when this returns; a safety event is running."""
        received_ms = int(time.time() * 1000) if received_ms is None else received_ms
        outcome = topics.route(topic, payload, received_ms)
        if isinstance(outcome, topics.Refused):
            self._count(self.unrouted, outcome.reason)
            log.warning("device message refused: %s (topic %r, %d bytes)", outcome.reason,
                        topic, len(payload))
            return str(outcome.reason)
        self._count(self.routed, outcome.action)
        if outcome.action is topics.Action.SAFETY:
            self._safety.submit(self._invoke_safety, topic, payload, outcome)
        elif outcome.action is topics.Action.TELEMETRY:
            self._guarded(topics.TELEMETRY_RULE.name, "KinesisAction",
                          self._targets.telemetry_stream, topic, payload,
                          lambda: self._put_reading(outcome))
        else:
            self._guarded(topics.HEARTBEAT_RULE_NAME, "DynamoDBv2Action",
                          self._targets.table_name, topic, payload,
                          lambda: self._put_heartbeat(outcome))
        return str(outcome.action)

    def _invoke_safety(self, topic: str, payload: bytes, outcome: topics.Routed) -> None:
        self._guarded(topics.SAFETY_RULE.name, "LambdaAction", SAFETY_FUNCTION, topic, payload,
                      lambda: self._dispatcher.invoke(SAFETY_FUNCTION, outcome.event))

    def _put_reading(self, outcome: topics.Routed) -> None:
        # One put at a time: moto's shard numbers a record after the highest it holds, so two
        # concurrent puts take the same sequence number and one record is lost (moto 5.2.5).
        with self._put_lock:
            self._kinesis.put_record(StreamName=self._targets.telemetry_stream,
                                     Data=json.dumps(outcome.event).encode("utf-8"),
                                     PartitionKey=partition_key(outcome))

    def _put_heartbeat(self, outcome: topics.Routed) -> None:
        from chalicelib.devices import store

        item = store.heartbeat_item(outcome.community_id, outcome.device_id, outcome.payload,
                                    outcome.received_ms)
        self._dynamodb.put_item(TableName=self._targets.table_name, Item=dynamodb_item(item))

    def _guarded(self, rule: str, failed_action: str, resource: str, topic: str, payload: bytes,
                 action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as err:
            self._count(self.failed, rule)
            log.warning("rule %s failed for %s: %s: %s", rule, topic, type(err).__name__, err)
            self._dead_letter(error_message(self._rule_prefix + rule, topic, payload,
                                            failed_action, resource, err))

    def _dead_letter(self, message: dict[str, Any]) -> None:
        try:
            self._sqs.send_message(QueueUrl=self._targets.dead_letter_queue_url,
                                   MessageBody=json.dumps(message))
        except Exception:
            log.exception("the dead-letter queue refused a failed device message")

    def _count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[str(key)] += 1
