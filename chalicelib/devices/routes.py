from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.core.timeutil import utcnow
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.devices import alarms, livemap, policies, registry, views
    from chalicelib.devices import policy as policy_docs
    from chalicelib.devices import schemas as docs
else:
    alarms = lazy("chalicelib.devices.alarms")
    livemap = lazy("chalicelib.devices.livemap")
    policies = lazy("chalicelib.devices.policies")
    registry = lazy("chalicelib.devices.registry")
    views = lazy("chalicelib.devices.views")

schemas = LazySchemas("chalicelib.devices.schemas")
policy_schemas = LazySchemas("chalicelib.devices.policy")
answers = LazySchemas("chalicelib.devices.responses")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/devices", methods=["POST"], body=schemas.NewDevice,
          status=201, summary="Register a device (admin)", response=answers.DeviceView,
          links={"device_id": "/device_id"})
def register_device(caller: Caller, community_id: str, body: docs.NewDevice) -> dict[str, Any]:
    return views.device_view(registry.register_device(caller, community_id, body))


@bp.route("/communities/{community_id}/devices", query=schemas.DeviceQuery,
          summary="Devices of a community the caller reaches, with online/offline status",
          response=answers.DeviceList)
def list_devices(caller: Caller, community_id: str, query: docs.DeviceQuery) -> dict[str, Any]:
    return views.device_page_view(registry.list_devices(caller, community_id, query))


@bp.route("/devices/{device_id}", summary="A device with its status",
          response=answers.DeviceView)
def get_device(caller: Caller, device_id: str) -> dict[str, Any]:
    return views.device_view(registry.get_device(caller, device_id))


@bp.route("/communities/{community_id}/alarms", query=schemas.AlarmQuery,
          summary="Alarms of a community (status=active by default), newest first",
          response=answers.AlarmList)
def list_alarms(caller: Caller, community_id: str, query: docs.AlarmQuery) -> dict[str, Any]:
    return views.alarm_page_view(alarms.list_alarms(caller, community_id, query))


@bp.route("/alarms/{alarm_id}", summary="An alarm with its evidence", response=answers.AlarmView)
def get_alarm(caller: Caller, alarm_id: str) -> dict[str, Any]:
    return views.alarm_view(alarms.get_alarm(caller, alarm_id))


@bp.route("/alarms/{alarm_id}/acknowledge", methods=["POST"], body=schemas.AlarmNote,
          summary="Say that staff took the alarm (staff)", response=answers.AlarmView)
def acknowledge_alarm(caller: Caller, alarm_id: str, body: docs.AlarmNote) -> dict[str, Any]:
    return views.alarm_view(alarms.acknowledge(caller, alarm_id, body))


@bp.route("/alarms/{alarm_id}/clear", methods=["POST"], body=schemas.AlarmNote,
          summary="Clear the alarm: its condition is gone (staff)", response=answers.AlarmView)
def clear_alarm(caller: Caller, alarm_id: str, body: docs.AlarmNote) -> dict[str, Any]:
    return views.alarm_view(alarms.clear(caller, alarm_id, body))


@bp.route("/communities/{community_id}/device-policy",
          summary="PM2.5 thresholds, heartbeat intervals and alarm windows",
          response=policy_schemas.DevicePolicyDoc)
def get_device_policy(caller: Caller, community_id: str) -> dict[str, Any]:
    return policies.policy_view(caller, community_id).model_dump(mode="json")


@bp.route("/communities/{community_id}/device-policy", methods=["PUT"],
          body=policy_schemas.DevicePolicyDoc,
          summary="Replace the device policy (the document GET returns)",
          response=policy_schemas.DevicePolicyDoc)
def put_device_policy(caller: Caller, community_id: str,
                      body: policy_docs.DevicePolicyDoc) -> dict[str, Any]:
    return policies.put_policy(caller, community_id, body, utcnow()).model_dump(mode="json")


@bp.route("/communities/{community_id}/map", query=schemas.MapQuery,
          summary="GeoJSON (RFC 7946) of open tickets, devices and active alarms",
          response=answers.FeatureCollection)
def community_map(caller: Caller, community_id: str, query: docs.MapQuery) -> dict[str, Any]:
    return livemap.community_map(caller, community_id, query)
