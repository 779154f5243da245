"""Demo devices of Jinxiu (SPEC 6), registered through the registry as an admin would: a manhole
sensor, a PM2.5 sensor driving two mist sprayers, the sprayers, a thrown-object camera and a
movement sensor, around 24.51 N, 117.65 E. The simulator (``infra.local.devices``) uses these
ids."""
from __future__ import annotations

from typing import Any

COMMUNITY = "jinxiu"
DEVICES: list[dict[str, Any]] = [
    {"device_id": "sp-1", "type": "sprayer", "estate_id": "jinxiu-huayuan", "building": "2",
     "location": {"lat": 24.5108, "lon": 117.6484}, "zone": "中心花园东侧"},
    {"device_id": "sp-2", "type": "sprayer", "estate_id": "jinxiu-huayuan", "building": "3",
     "location": {"lat": 24.5113, "lon": 117.6478}, "zone": "中心花园西侧"},
    {"device_id": "pm-1", "type": "pm25_sensor", "estate_id": "jinxiu-huayuan", "building": "2",
     "location": {"lat": 24.5110, "lon": 117.6482}, "zone": "中心花园",
     "actuators": ["sp-1", "sp-2"]},
    {"device_id": "mh-1", "type": "manhole_sensor", "estate_id": "jinxiu-huayuan",
     "building": "1", "location": {"lat": 24.5102, "lon": 117.6474}, "zone": "1号楼东侧雨水井"},
    {"device_id": "cam-1", "type": "throw_camera", "estate_id": "jinxiu-huayuan",
     "building": "1", "location": {"lat": 24.5105, "lon": 117.6477}, "zone": "1号楼南立面"},
    {"device_id": "mv-1", "type": "movement_sensor", "estate_id": "jinxiu-mingju",
     "building": "2", "location": {"lat": 24.5091, "lon": 117.6531}, "zone": "地下车库入口"},
]


def seed() -> None:
    from chalicelib.devices import registry
    from chalicelib.devices.schemas import NewDevice
    from chalicelib.identity.caller import Caller

    admin = Caller(user_id="seed", name="seed", phone=None, roles=frozenset({"admin"}),
                   community_id=None)
    for device in DEVICES:
        registry.register_device(admin, COMMUNITY, NewDevice.model_validate(device))
