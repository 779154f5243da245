"""The registry as ingestion reads it: each device's registration kept for a minute in this
container, so a message costs no registry read. What ingestion reads of a device (its type,
community, place and actuators) is set when it is registered; the writes of the registry in this
container forget the devices they wrote all the same (``core.cache``)."""
from __future__ import annotations

from chalicelib.core.cache import ttl_cache
from chalicelib.devices import store
from chalicelib.devices.models import Device

REGISTRY_TTL_S = 60
"""How long a container keeps a device's registration; unknown devices are not kept."""


def registered(device_id: str) -> Device | None:
    """The device as registered, or None for an unknown one."""
    return ttl_cache("device_registry", REGISTRY_TTL_S).get(
        device_id, lambda: store.get_device(device_id), keep=lambda d: d is not None)


def forget(*device_ids: str) -> None:
    ttl_cache("device_registry", REGISTRY_TTL_S).forget(*device_ids)
