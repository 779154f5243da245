"""Device ingestion on the local stack (in this process, real MQTT), printed as ratios.

1. Lambda invocations per 1,000 device messages, counted at the stack's dispatcher (every
   function call the bridge, the Kinesis poller and the schedules make). The mix, per 1,000: 700
   heartbeats, 200 in-range PM2.5 readings (together 90%), 80 readings of 20 pollution episodes
   (three high, one low: each starts and stops two sprayers), 20 safety events (5 manholes
   displaced and 5 restored, 8 abnormal movements, 2 thrown objects with evidence). Published once
   as a burst (many devices at once, as at scale) and once paced at 100 messages/s (a quiet
   estate: the stream's consumer then gets a batch per read of the shard). Target: at most 50.
2. MQTT publish of the reading that decides -> spray command received by both sprayers, p50 and
   p99, against a bare paho publish -> subscriber round trip on the same broker. Target: p50
   ratio at most 5. Each timed reading is published at a random moment of the poller's
   one-second cadence (a device is not in step with it). Printed with it: when each stage was
   reached, the AWS requests per reading, the same figure less the wait for the shard's next
   read, and a floor: the same path with ``device_telemetry`` doing nothing but publishing.

Run: .venv/bin/python -m bench.device_ingest [messages] [cycles]
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.harness import free_port

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
MESSAGES = 1000
CYCLES = 30
PACED_RATE = 100.0
TARGET_INVOCATIONS = 50
TARGET_RATIO = 5.0
BARE_SAMPLES = 200
MESSAGE_FUNCTIONS = ("device_safety", "device_telemetry")
INGEST_THREADS = ("device-rules", "kinesis-device_telemetry")
FLEET = {"manhole_sensor": 40, "movement_sensor": 8, "throw_camera": 2, "pm25_sensor": 6}


STAGES = ("bridge received", "stream put", "records read", "handler start", "decision",
          "commands published", "commands received")


class Trace:
    """When each stage of the ingestion path was last reached (perf_counter), for the one
    reading in flight during the latency runs."""

    def __init__(self) -> None:
        self._marks: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self.on = False

    def mark(self, stage: str, function: str | None = None) -> None:
        if self.on and (function is None or function == "device_telemetry"):
            with self._lock:
                self._marks.append((stage, time.perf_counter()))

    def since(self, started: float, ended: float) -> dict[str, float]:
        """Seconds from ``started`` to each stage's first mark in [started, ended] (the last for
        ``commands published``: both commands are out)."""
        found: dict[str, float] = {}
        with self._lock:
            marks = [(stage, at) for stage, at in self._marks if started <= at <= ended]
            self._marks = [(stage, at) for stage, at in self._marks if at > ended]
        for stage, at in marks:
            if stage == "commands published" or stage not in found:
                found[stage] = at - started
        found["commands received"] = ended - started
        return found


TRACE = Trace()
PHASE = random.Random(20261202)
POLL_PHASE_S = 1.0  # the local poller reads a caught-up shard once a second, as Lambda does
IN_FUNCTION = threading.local()


@dataclass
class Meter:
    """Dispatcher invocations by function, those that returned, and the telemetry records
    they carried (a batch counts once it returned)."""

    invocations: Counter[str] = field(default_factory=Counter)
    finished: Counter[str] = field(default_factory=Counter)
    records: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.invocations[name] += 1

    def returned(self, name: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.finished[name] += 1
            if name == "device_telemetry":
                self.records += len(event.get("Records") or [])

    def reset(self) -> None:
        with self.lock:
            self.invocations.clear()
            self.finished.clear()
            self.records = 0


@contextmanager
def local_stack() -> Iterator[tuple[Any, Any, Meter]]:
    from infra.local.stack import LocalStack, StackConfig

    stack = LocalStack(StackConfig(api_port=free_port(), aws_port=free_port(),
                                   mqtt_port=free_port()))
    ready = stack.start()
    meter = Meter()
    assert stack.dispatcher is not None
    dispatcher = stack.dispatcher
    original = dispatcher.invoke

    def counted(name: str, event: dict[str, Any]) -> Any:
        meter.record(name, event)
        TRACE.mark("handler start", name)
        IN_FUNCTION.name = name
        try:
            return original(name, event)
        finally:
            IN_FUNCTION.name = None
            meter.returned(name, event)

    dispatcher.invoke = counted  # type: ignore[method-assign]
    try:
        yield stack, ready, meter
    finally:
        stack.stop()


class Api:
    def __init__(self, ready: Any) -> None:
        import boto3
        import requests

        from infra.local import provision
        from infra.local.demo import DEMO_PASSWORD

        token = provision.login(boto3.client("cognito-idp"), ready.pool, "admin", DEMO_PASSWORD)
        self.url = ready.api_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def register(self, device_id: str, kind: str, actuators: list[str], n: int) -> None:
        body = {"device_id": device_id, "type": kind, "estate_id": ESTATE, "building": "1",
                "location": {"lat": 24.508 + n * 0.0001, "lon": 117.651}, "zone": "bench",
                "actuators": actuators}
        response = self.session.post(f"{self.url}/communities/{COMMUNITY}/devices", json=body,
                                     timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"cannot register {device_id}: {response.text}")

    def wait_seen(self, device_id: str, since: str, timeout_s: float = 30) -> None:
        """Until the device's last sign of life is at or after ``since`` (its reading is done)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            view = self.session.get(f"{self.url}/devices/{device_id}", timeout=30).json()
            if (view.get("last_seen") or "") >= since:
                return
            time.sleep(0.02)
        raise TimeoutError(f"{device_id} not seen since {since}")


def register_fleet(api: Api, prefix: str) -> dict[str, list[str]]:
    fleet: dict[str, list[str]] = {}
    n = 0
    for kind, count in FLEET.items():
        for i in range(count):
            device_id = f"{prefix}-{kind.split('_')[0]}-{i:02d}"
            actuators = []
            if kind == "pm25_sensor":
                actuators = [f"{device_id}-sp{j}" for j in (1, 2)]
                for sprayer in actuators:
                    api.register(sprayer, "sprayer", [], n)
                    fleet.setdefault("sprayer", []).append(sprayer)
            api.register(device_id, kind, actuators, n)
            fleet.setdefault(kind, []).append(device_id)
            n += 1
    return fleet


def now_iso() -> str:
    at = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}Z"


def mix(fleet: dict[str, list[str]], total: int, aws_port: int, rng: random.Random,
        seq: Counter[str]) -> list[tuple[str, dict[str, Any]]]:
    """(device, payload) in a publishable order: each device's messages keep their order and
    its ``seq`` goes on from ``seq`` (updated)."""
    from infra.local.devices import sample_jpeg, upload_evidence

    scale = total / 1000
    per_device: dict[str, list[dict[str, Any]]] = {}

    def add(device: str, event_type: str, **fields: Any) -> None:
        per_device.setdefault(device, []).append({"type": event_type, **fields})

    everyone = [d for kind, ids in fleet.items() for d in ids]
    for n in range(round(700 * scale)):
        add(everyone[n % len(everyone)], "heartbeat")
    sensors = fleet["pm25_sensor"]
    episodes = round(20 * scale)
    for n in range(episodes):
        sensor = sensors[n % len(sensors)]
        for value in (rng.uniform(76, 140), rng.uniform(76, 140), rng.uniform(76, 140),
                      rng.uniform(10, 60)):
            add(sensor, "pm25.reading", value_ugm3=round(value, 1))
    for n in range(round(200 * scale)):
        add(sensors[n % len(sensors)], "pm25.reading", value_ugm3=round(rng.uniform(8, 60), 1))
    for n in range(round(5 * scale)):
        manhole = fleet["manhole_sensor"][n % len(fleet["manhole_sensor"])]
        add(manhole, "manhole.displaced", tilt_deg=round(rng.uniform(15, 80), 1))
        add(manhole, "manhole.restored", tilt_deg=0.5)
    for n in range(round(8 * scale)):
        add(fleet["movement_sensor"][n % len(fleet["movement_sensor"])], "movement.abnormal",
            kind="loitering", count=rng.randint(1, 4))
    image = sample_jpeg()
    for n in range(round(2 * scale)):
        camera = fleet["throw_camera"][n % len(fleet["throw_camera"])]
        add(camera, "throw.detected", estimated_floor=rng.randint(3, 20),
            trajectory=[[0.5, 0.1, 0], [0.52, 0.9, 700]],
            evidence=[upload_evidence(aws_port, camera, image)])
    queues = {device: list(messages) for device, messages in per_device.items()}
    ordered: list[tuple[str, dict[str, Any]]] = []
    while queues:
        device = rng.choice(sorted(queues))
        payload = queues[device].pop(0)
        seq[device] += 1
        ordered.append((device, {**payload, "ts": now_iso(), "seq": seq[device]}))
        if not queues[device]:
            del queues[device]
    return ordered


def mqtt_client(port: int, name: str) -> Any:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name)
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def publish_all(port: int, messages: list[tuple[str, dict[str, Any]]],
                rate: float | None) -> float:
    """Publish in order (QoS 1) on one connection; returns the seconds it took."""
    from chalicelib.devices.topics import events_topic

    client = mqtt_client(port, f"bench-fleet-{time.monotonic_ns()}")
    started = time.perf_counter()
    pending = []
    for n, (device, payload) in enumerate(messages):
        if rate is not None:
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        pending.append(client.publish(events_topic(COMMUNITY, device),
                                      json.dumps(payload), qos=1))
    for info in pending:
        info.wait_for_publish(30)
    took = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return took


def settle(stack: Any, meter: Meter, messages: list[tuple[str, dict[str, Any]]],
           timeout_s: float = 300) -> None:
    """Wait until every message reached its action (safety runs, readings consumed)."""
    kinds = Counter(p["type"] for _, p in messages)
    safety = sum(n for kind, n in kinds.items() if kind not in ("heartbeat", "pm25.reading"))
    deadline = time.monotonic() + timeout_s
    bridge = stack.device_bridge
    while time.monotonic() < deadline:
        routed = sum(bridge.routed.values()) + sum(bridge.unrouted.values())
        with meter.lock:
            done = (meter.finished["device_safety"] >= safety
                    and meter.records >= kinds["pm25.reading"])
        if done and routed >= len(messages):
            time.sleep(0.5)
            return
        time.sleep(0.1)
    raise TimeoutError(f"messages not settled after {timeout_s} s: {meter.invocations}, "
                       f"{meter.records} readings consumed")


def ingest(stack: Any, meter: Meter, messages: list[tuple[str, dict[str, Any]]],
           rate: float | None) -> tuple[Counter[str], int, float]:
    bridge = stack.device_bridge
    bridge.routed.clear()
    bridge.unrouted.clear()
    meter.reset()
    took = publish_all(stack.config.mqtt_port, messages, rate)
    settle(stack, meter, messages)
    with meter.lock:
        return Counter(meter.invocations), meter.records, took


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Commands:
    """A subscriber noting when each command topic received its latest message."""

    def __init__(self, port: int, topics: list[str]) -> None:
        self.arrived: dict[str, tuple[float, dict[str, Any]]] = {}
        self.changed = threading.Condition()
        self.client = mqtt_client(port, f"bench-sprayers-{time.monotonic_ns()}")
        self.client.on_message = self._on_message
        for topic in topics:
            self.client.subscribe(topic, qos=1)
        time.sleep(0.3)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        with self.changed:
            self.arrived[message.topic] = (time.perf_counter(), json.loads(message.payload))
            self.changed.notify_all()

    def wait(self, topics: list[str], command: str, since: float, timeout_s: float = 30) -> float:
        """Seconds from ``since`` until every topic got ``command``; raises TimeoutError."""
        def done() -> bool:
            return all(t in self.arrived and self.arrived[t][0] >= since
                       and self.arrived[t][1].get("command") == command for t in topics)

        with self.changed:
            if not self.changed.wait_for(done, timeout_s):
                raise TimeoutError(f"{command} did not reach {topics}")
            return max(self.arrived[t][0] for t in topics) - since

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)

    def add(self, started: float, took: float) -> None:
        self.samples.append(took)
        self.stages.append(TRACE.since(started, started + took))


@contextmanager
def traced(stack: Any) -> Iterator[None]:
    """Marks the stages of ``STAGES`` that the AWS calls do not (``aws_requests`` marks those):
    the bridge's receive and the hysteresis decision."""
    from chalicelib.devices import hysteresis

    bridge = stack.device_bridge
    receive, step = bridge.receive, hysteresis.step

    def receiving(topic: str, payload: bytes) -> None:
        TRACE.mark("bridge received")
        receive(topic, payload)

    def stepping(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        if result.action is not None:
            TRACE.mark("decision")
        return result

    bridge.receive = receiving
    hysteresis.step = stepping  # type: ignore[assignment]
    TRACE.on = True
    try:
        yield
    finally:
        TRACE.on = False
        bridge.receive = receive
        hysteresis.step = step  # type: ignore[assignment]


class Sensor:
    """A PM2.5 sensor with two sprayers, registered, and an MQTT connection as that sensor."""

    def __init__(self, stack: Any, api: Api, sensor: str) -> None:
        from chalicelib.devices.topics import commands_topic, events_topic

        self.sprayers = [f"{sensor}-sp1", f"{sensor}-sp2"]
        for n, sprayer in enumerate(self.sprayers):
            api.register(sprayer, "sprayer", [], n)
        api.register(sensor, "pm25_sensor", self.sprayers, 3)
        self.topics = [commands_topic(COMMUNITY, s) for s in self.sprayers]
        self.commands = Commands(stack.config.mqtt_port, self.topics)
        self.device = mqtt_client(stack.config.mqtt_port, f"bench-{sensor}")
        self.topic = events_topic(COMMUNITY, sensor)
        self.seq = 0

    def send(self, value: float) -> float:
        self.seq += 1
        sent = time.perf_counter()
        self.device.publish(self.topic, json.dumps({
            "type": "pm25.reading", "ts": now_iso(), "seq": self.seq, "value_ugm3": value}),
            qos=1)
        return sent

    def timed(self, latency: Latency, value: float, command: str) -> None:
        # Devices publish at any moment: not in step with the poller's reads of the shard.
        time.sleep(PHASE.uniform(0, POLL_PHASE_S))
        sent = self.send(value)
        latency.add(sent, self.commands.wait(self.topics, command, sent))

    def close(self) -> None:
        self.device.disconnect()
        self.device.loop_stop()
        self.commands.close()


def command_latency(stack: Any, api: Api, cycles: int) -> Latency:
    """Per cycle: two high readings (waited for), then the third, timed until both sprayers
    got spray.start, then a low one, timed until both got spray.stop."""
    sensor = Sensor(stack, api, "bench-lat-pm")
    latency = Latency()
    try:
        for _ in range(cycles):
            sensor.send(90.0)
            before = now_iso()
            sensor.send(95.0)
            api.wait_seen("bench-lat-pm", before)
            time.sleep(0.3)  # its batch finishes after the reading touched the device
            sensor.timed(latency, 99.0, "spray.start")
            sensor.timed(latency, 30.0, "spray.stop")
            time.sleep(0.1)
    finally:
        sensor.close()
    return latency


def pipeline_floor(stack: Any, api: Api, cycles: int) -> Latency:
    """The same path with ``device_telemetry`` replaced by a function that does nothing but
    publish each reading's command to the sensor's two sprayers with ``iot-data publish``: the
    bridge, the stream, the batching window, the poller, the dispatcher, iot-data and the broker,
    without the domain. Replaces the function for the rest of the stack's life."""
    import base64

    from chalicelib.core import clients
    from chalicelib.devices.topics import commands_topic

    sensor = Sensor(stack, api, "bench-floor-pm")

    def nothing_but_publish(event: dict[str, Any], context: Any) -> dict[str, Any]:
        client = clients.iot_data()
        for record in event["Records"]:
            reading = json.loads(base64.b64decode(record["kinesis"]["data"]))
            command = "spray.start" if reading["value_ugm3"] >= 75 else "spray.stop"
            for sprayer in sensor.sprayers:
                client.publish(topic=commands_topic(COMMUNITY, sprayer), qos=1,
                               payload=json.dumps({"command": command}))
        return {"batchItemFailures": []}

    stack.dispatcher.register("device_telemetry", nothing_but_publish)
    latency = Latency()
    try:
        for _ in range(cycles):
            sensor.timed(latency, 99.0, "spray.start")
            sensor.timed(latency, 30.0, "spray.stop")
            time.sleep(0.1)
    finally:
        sensor.close()
    return latency


@contextmanager
def aws_requests() -> Iterator[Counter[str]]:
    """AWS requests made on the ingestion path (the bridge's workers and the telemetry
    poller, which runs the handler), by service; API requests are not counted."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call
    counted: Counter[str] = Counter()
    lock = threading.Lock()

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if threading.current_thread().name.startswith(INGEST_THREADS):
            where = "in device_telemetry" if getattr(IN_FUNCTION, "name", None) else "around it"
            with lock:
                counted[f"{where}: {client.meta.service_model.service_name}:{operation}"] += 1
        answer = original(client, operation, params)
        if operation == "PutRecord":
            TRACE.mark("stream put")
        elif operation == "GetRecords" and answer.get("Records"):
            TRACE.mark("records read")
        elif operation == "Publish":
            TRACE.mark("commands published")
        return answer

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def bare_round_trip(port: int, samples: int) -> list[float]:
    received = threading.Event()
    subscriber = mqtt_client(port, "bench-bare-sub")
    subscriber.on_message = lambda c, userdata, m: received.set()
    subscriber.subscribe("bench/bare", qos=1)
    publisher = mqtt_client(port, "bench-bare-pub")
    time.sleep(0.3)
    times = []
    try:
        for n in range(samples):
            received.clear()
            started = time.perf_counter()
            publisher.publish("bench/bare", json.dumps({"n": n}), qos=1)
            if not received.wait(5):
                raise TimeoutError("the bare round trip lost a message")
            times.append(time.perf_counter() - started)
    finally:
        for client in (publisher, subscriber):
            client.disconnect()
            client.loop_stop()
    return times


def describe(out: Any, label: str, messages: list[tuple[str, dict[str, Any]]],
             counted: Counter[str], records: int, took: float) -> None:
    caused = sum(counted[name] for name in MESSAGE_FUNCTIONS)
    per_1000 = caused * 1000 / len(messages)
    other = {k: v for k, v in counted.items() if k not in MESSAGE_FUNCTIONS}
    batches = counted["device_telemetry"]
    print(f"{label}: {len(messages)} messages in {took:.1f} s -> {caused} Lambda invocations "
          f"(device_safety {counted['device_safety']}, device_telemetry {batches} for {records} "
          f"readings, {records / max(1, batches):.1f} per batch); "
          f"per 1,000 messages: {per_1000:.0f} (target <= {TARGET_INVOCATIONS}: "
          f"{verdict(per_1000 <= TARGET_INVOCATIONS)}; one Lambda per message: 1000, ratio "
          f"{per_1000 / 1000:.3f})" + (f"; schedules meanwhile: {other}" if other else ""),
          file=out)


def main(total: int = MESSAGES, cycles: int = CYCLES) -> None:
    rng = random.Random(20261201)
    out = sys.stdout
    seq: Counter[str] = Counter()
    # The handlers log and emit metrics on stdout, as in Lambda: keep them out of the figures.
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), \
            local_stack() as (stack, ready, meter):
        api = Api(ready)
        fleet = register_fleet(api, "bench")
        burst = mix(fleet, total, stack.config.aws_port, rng, seq)
        kinds = Counter(p["type"] for _, p in burst)
        print(f"mix of {len(burst)} messages from {sum(map(len, fleet.values()))} devices: "
              + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()), file=out)
        describe(out, "burst", burst, *ingest(stack, meter, burst, None))
        paced = mix(fleet, total, stack.config.aws_port, rng, seq)
        describe(out, f"paced at {PACED_RATE:.0f}/s", paced,
                 *ingest(stack, meter, paced, PACED_RATE))
        with aws_requests() as requests_made, traced(stack):
            latency = command_latency(stack, api, cycles)
            floor = pipeline_floor(stack, api, cycles)
        bare = bare_round_trip(stack.config.mqtt_port, BARE_SAMPLES)
    b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
    readings = 4 * cycles + 2 * cycles  # the latency runs' readings, then the floor's
    per_reading = {k: round(v / readings, 2) for k, v in sorted(requests_made.items())}
    report_latency(out, "publish -> decision -> command on both sprayers", latency, b50, b99)
    print(f"AWS requests to the embedded moto per reading on those paths (latency and floor "
          f"runs, {readings} readings): {per_reading}", file=out)
    report_latency(out, "floor: the same path, device_telemetry only publishing the commands",
                   floor, b50, b99)
    print(f"bare paho publish -> subscriber on the same broker ({len(bare)} samples): "
          f"p50 {b50 * 1000:.2f} ms, p99 {b99 * 1000:.2f} ms", file=out)
    p50, f50 = percentile(latency.samples, 0.5), percentile(floor.samples, 0.5)
    domain = percentile(without_wait(latency), 0.5) - percentile(without_wait(floor), 0.5)
    print(f"ratio p50: {p50 / b50:.1f} (target <= {TARGET_RATIO:.0f}: "
          f"{verdict(p50 / b50 <= TARGET_RATIO)}); ratio p99: "
          f"{percentile(latency.samples, 0.99) / b99:.1f}; floor ratio p50 (no domain work): "
          f"{f50 / b50:.1f}; the domain's share of p50 (less the waits): {domain * 1000:.1f} ms",
          file=out)


def report_latency(out: Any, label: str, latency: Latency, b50: float, b99: float) -> None:
    samples = latency.samples
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(f"{label} ({len(samples)} samples): p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"mean {statistics.fmean(samples) * 1000:.1f} ms", file=out)
    stages = [(stage, [s[stage] for s in latency.stages if stage in s]) for stage in STAGES]
    print("  p50 ms after the publish, by stage: " + ", ".join(
        f"{stage} {percentile(at, 0.5) * 1000:.1f}" for stage, at in stages if at), file=out)
    unwaited = without_wait(latency)
    if unwaited:
        w50 = percentile(unwaited, 0.5)
        print(f"  less the time from stream put to handler start (waiting for the shard's next "
              f"read, the read, and a shard busy with the previous batch): p50 "
              f"{w50 * 1000:.1f} ms, ratio p50 {w50 / b50:.1f}", file=out)


def without_wait(latency: Latency) -> list[float]:
    return [took - (stages["handler start"] - stages["stream put"])
            for took, stages in zip(latency.samples, latency.stages, strict=True)
            if "handler start" in stages and "stream put" in stages]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
