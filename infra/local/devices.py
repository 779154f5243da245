"""A device simulator for the local stack: publishes each SPEC 6 event on its real topic with
paho-mqtt, or prints the commands actuators receive.

    python -m infra.local.devices manhole.displaced --device mh-1 [--community jinxiu] [--tilt 35]
    python -m infra.local.devices pm25.reading --device pm-1 --value 88 [--repeat 3]
    python -m infra.local.devices throw.detected --device cam-1 [--floor 12] [--photo x.jpg]
    python -m infra.local.devices movement.abnormal --device mv-1 [--kind loitering --count 3]
    python -m infra.local.devices manhole.restored | heartbeat --device ID
    python -m infra.local.devices raw --device ID --payload '{"type": "door.opened"}'
    python -m infra.local.devices subscribe [--device sp-1] [--count 2] [--timeout 30]

``MQTT_PORT`` (default 1883) and ``AWS_PORT`` (default 5000) name the running stack, as for
``make run``. For ``throw.detected`` the simulator first uploads a JPEG (``--photo``, or one it
draws, with GPS in its EXIF) into the stack's evidence bucket under the camera's prefix and puts
the file's real SHA-256 and capture time into the event (``--wrong-hash`` sends another).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chalicelib.devices import topics

HOST = "127.0.0.1"
DEFAULT_COMMUNITY = "jinxiu"
PUBLISH_TIMEOUT_S = 5.0
EVENT_KINDS = topics.EVENT_TYPES
EVIDENCE_BUCKET = "fanglin-local-evidence"  # infra.local.stack.RESOURCE_NAMES


def now_iso() -> str:
    at = datetime.now(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def next_seq() -> int:
    """Increasing across runs (milliseconds since the epoch), so repeats are not duplicates."""
    return time.time_ns() // 1_000_000


def event_payload(kind: str, seq: int | None = None, **fields: Any) -> dict[str, Any]:
    """``{type, ts, seq, ...}`` for one event type with the simulator's defaults."""
    defaults: dict[str, dict[str, Any]] = {
        "manhole.displaced": {"tilt_deg": 35.0},
        "manhole.restored": {"tilt_deg": 0.5},
        "pm25.reading": {"value_ugm3": 40.0},
        "movement.abnormal": {"kind": "loitering", "count": 1},
        "throw.detected": {"estimated_floor": 12,
                           "trajectory": [[0.52, 0.08, 0], [0.53, 0.41, 380], [0.55, 0.93, 720]],
                           "evidence": []},
        "heartbeat": {},
    }
    if kind not in defaults:
        raise ValueError(f"unknown event type {kind!r}")
    given = {k: v for k, v in fields.items() if v is not None}
    return {"type": kind, "ts": now_iso(), "seq": next_seq() if seq is None else seq,
            **defaults[kind], **given}


def sample_jpeg() -> bytes:
    """A camera-like frame whose EXIF carries a GPS position (the copy staff see must not)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 720), (70, 80, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((600, 100, 680, 180), fill=(230, 200, 40))
    draw.line((640, 0, 660, 720), fill=(200, 60, 60), width=6)
    exif = Image.Exif()
    exif[0x010F] = "FanglinCam"
    exif[0x8825] = {1: "N", 2: (24.0, 30.0, 36.0), 3: "E", 4: (117.0, 39.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def s3_client(aws_port: int) -> Any:
    import boto3

    return boto3.session.Session().client(
        "s3", region_name="us-east-1", endpoint_url=f"http://{HOST}:{aws_port}",
        aws_access_key_id="testing", aws_secret_access_key="testing")


def upload_evidence(aws_port: int, device_id: str, data: bytes,
                    bucket: str = EVIDENCE_BUCKET) -> dict[str, str]:
    """Put an original under the camera's prefix; returns its evidence entry."""
    captured_at = now_iso()
    key = f"{topics.EVIDENCE_PREFIX}{device_id}/{captured_at[:10]}/{uuid.uuid4().hex}.jpg"
    s3_client(aws_port).put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/jpeg")
    return {"s3_key": key, "sha256": hashlib.sha256(data).hexdigest(),
            "captured_at": captured_at}


class Device:
    """One MQTT connection, publishing as a device would (QoS 1, waiting for the broker's ack)."""

    def __init__(self, mqtt_port: int, client_id: str | None = None) -> None:
        import paho.mqtt.client as mqtt

        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=client_id or f"sim-{uuid.uuid4().hex[:8]}")
        self._client.connect(HOST, mqtt_port, keepalive=30)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes) -> None:
        """Raises TimeoutError when the broker does not acknowledge."""
        info = self._client.publish(topic, payload, qos=1)
        info.wait_for_publish(PUBLISH_TIMEOUT_S)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge {topic}")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def subscribe(mqtt_port: int, community_id: str, device_id: str | None, count: int | None,
              timeout_s: float | None) -> int:
    """Print each command as ``topic payload`` until ``count`` arrived or ``timeout_s`` passed
    (or Ctrl-C). Returns how many arrived."""
    import paho.mqtt.client as mqtt

    received: list[str] = []
    done = threading.Event()
    topic = topics.commands_topic(community_id, device_id or "+")

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        print(message.topic, message.payload.decode("utf-8", "replace"), flush=True)
        received.append(message.topic)
        if count is not None and len(received) >= count:
            done.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                         client_id=f"sim-sub-{uuid.uuid4().hex[:8]}")
    client.on_message = on_message
    client.on_connect = lambda c, userdata, flags, reason, properties: c.subscribe(topic, qos=1)
    client.connect(HOST, mqtt_port, keepalive=30)
    client.loop_start()
    print(f"listening on {topic}", file=sys.stderr, flush=True)
    try:
        done.wait(timeout_s)
    except KeyboardInterrupt:
        pass
    finally:
        client.disconnect()
        client.loop_stop()
    return len(received)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m infra.local.devices",
                                description="Publish device events to the local stack's broker.")
    p.add_argument("kind", choices=[*EVENT_KINDS, "raw", "subscribe"])
    p.add_argument("--device", help="device id (topic level 4); required except for subscribe")
    p.add_argument("--community", default=DEFAULT_COMMUNITY)
    p.add_argument("--seq", type=int, help="sequence number (default: increasing)")
    p.add_argument("--value", type=float, help="pm25.reading: µg/m³")
    p.add_argument("--tilt", type=float, help="manhole.*: tilt in degrees")
    p.add_argument("--floor", type=int, help="throw.detected: estimated floor")
    p.add_argument("--photo", type=Path, help="throw.detected: JPEG to upload as evidence")
    p.add_argument("--wrong-hash", action="store_true",
                   help="throw.detected: send a SHA-256 that is not the file's")
    p.add_argument("--kind", dest="movement_kind", help="movement.abnormal: what was seen")
    p.add_argument("--count", type=int, help="movement.abnormal: how many; subscribe: stop after")
    p.add_argument("--payload", help="raw: the exact payload to publish")
    p.add_argument("--repeat", type=int, default=1, help="publish N times (new seq each time)")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between repeats")
    p.add_argument("--timeout", type=float, help="subscribe: stop after this many seconds")
    return p


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit():
        raise SystemExit(f"{name} must be a port number, got {raw!r}")
    return int(raw)


def _payload(args: argparse.Namespace, seq: int | None, aws_port: int) -> bytes:
    if args.kind == "raw":
        if args.payload is None:
            raise SystemExit("raw needs --payload")
        return str(args.payload).encode("utf-8")
    fields: dict[str, Any] = {}
    if args.kind == "pm25.reading":
        fields["value_ugm3"] = args.value
    elif args.kind.startswith("manhole."):
        fields["tilt_deg"] = args.tilt
    elif args.kind == "movement.abnormal":
        fields |= {"kind": args.movement_kind, "count": args.count}
    elif args.kind == "throw.detected":
        data = args.photo.read_bytes() if args.photo else sample_jpeg()
        entry = upload_evidence(aws_port, args.device, data)
        if args.wrong_hash:
            entry["sha256"] = hashlib.sha256(data + b"tampered").hexdigest()
        fields |= {"estimated_floor": args.floor, "evidence": [entry]}
    return json.dumps(event_payload(args.kind, seq=seq, **fields)).encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    mqtt_port = _port("MQTT_PORT", 1883)
    if args.kind == "subscribe":
        subscribe(mqtt_port, args.community, args.device, args.count, args.timeout)
        return 0
    if not args.device:
        print("--device is required", file=sys.stderr)
        return 2
    aws_port = _port("AWS_PORT", 5000)
    topic = topics.events_topic(args.community, args.device)
    device = Device(mqtt_port, client_id=f"sim-{args.device}-{uuid.uuid4().hex[:6]}")
    try:
        for n in range(max(1, args.repeat)):
            seq = None if args.seq is None else args.seq + n
            payload = _payload(args, seq, aws_port)
            device.publish(topic, payload)
            print(topic, payload.decode("utf-8"), flush=True)
            if n + 1 < args.repeat:
                time.sleep(args.interval)
    finally:
        device.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
