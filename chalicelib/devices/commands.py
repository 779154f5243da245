"""Commands to actuators, published with ``iot-data publish`` on their command topics (QoS 1)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib.core import clients, observability
from chalicelib.core.ids import new_id
from chalicelib.devices.topics import commands_topic

SPRAY_START, SPRAY_STOP = "spray.start", "spray.stop"


def command(name: str, duration_s: int, reason: str) -> dict[str, Any]:
    return {"command": name, "duration_s": duration_s, "command_id": new_id("cmd_"),
            "reason": reason}


def send(community_id: str, actuator_ids: Iterable[str], name: str, duration_s: int,
         reason: str) -> list[dict[str, Any]]:
    """Publish ``name`` to each actuator; returns the commands sent (one id per actuator)."""
    client = clients.iot_data()
    sent = []
    for actuator_id in actuator_ids:
        body = command(name, duration_s, reason)
        client.publish(topic=commands_topic(community_id, actuator_id), qos=1,
                       payload=json.dumps(body))
        sent.append({"actuator_id": actuator_id, **body})
    if sent:
        observability.add_metric("DeviceCommandsSent", len(sent))
    return sent
