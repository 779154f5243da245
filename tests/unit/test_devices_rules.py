"""Pure decisions of the device context: alarm kinds, clearing, reopening, silence, the policy
document, the map's bbox and the registry documents."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from chalicelib.devices import rules
from chalicelib.devices.livemap import feature, in_box
from chalicelib.devices.policy import DevicePolicyDoc, default_policy
from chalicelib.devices.schemas import MapQuery, NewDevice

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def test_safety_alarms_latch_and_open_tickets_maintenance_does_neither() -> None:
    for alarm_type in (rules.MANHOLE, rules.THROWN_OBJECT, rules.MOVEMENT):
        assert rules.KINDS[alarm_type].latched
        assert rules.opens_ticket(alarm_type, air_quality_tickets=False)
    assert not rules.KINDS[rules.OFFLINE].latched
    assert not rules.opens_ticket(rules.OFFLINE, air_quality_tickets=True)
    assert not rules.opens_ticket(rules.AIR_QUALITY, air_quality_tickets=False)
    assert rules.opens_ticket(rules.AIR_QUALITY, air_quality_tickets=True)


def test_alarm_types_are_the_device_ticket_categories() -> None:
    from chalicelib.directory.service import DEVICE_CATEGORIES

    ticketed = {t for t in rules.ALARM_TYPES if t != rules.OFFLINE}
    assert ticketed == {code for code, _, _ in DEVICE_CATEGORIES}


def test_only_staff_clear_latched_alarms() -> None:
    assert rules.may_clear(latched=True, by_staff=True)
    assert not rules.may_clear(latched=True, by_staff=False)
    assert rules.may_clear(latched=False, by_staff=False)


def test_a_repeat_within_the_window_reopens_the_ticket() -> None:
    assert rules.reopens_ticket(T0, T0 + timedelta(hours=23, minutes=59), 24)
    assert rules.reopens_ticket(T0, T0 + timedelta(hours=24), 24)
    assert not rules.reopens_ticket(T0, T0 + timedelta(hours=24, seconds=1), 24)
    assert rules.reopens_ticket(T0, T0 - timedelta(seconds=1), 24)
    assert not rules.reopens_ticket(T0, T0 + timedelta(minutes=1), 0)


def test_the_ticket_of_an_alarm_is_named_after_it() -> None:
    assert rules.ticket_id_for("al_0abc") == "tk_0abc"


def test_silence_is_strictly_longer_than_the_limit() -> None:
    assert not rules.silent(T0, T0 + timedelta(seconds=900), 900)
    assert rules.silent(T0, T0 + timedelta(seconds=901), 900)


def test_policy_defaults_follow_spec_6() -> None:
    policy = default_policy()
    assert (policy.pm25.activate_ugm3, policy.pm25.clear_ugm3, policy.pm25.consecutive,
            policy.pm25.spray_duration_s) == (75, 65, 3, 900)
    assert policy.offline_after_s("manhole_sensor") == 900
    assert policy.reopen_window_h == 24
    assert DevicePolicyDoc.model_validate_json(policy.model_dump_json()) == policy


def test_offline_limit_per_device_type() -> None:
    policy = DevicePolicyDoc.model_validate(
        {"heartbeat_s": {"sprayer": 60, "throw_camera": 600}, "offline_after_intervals": 2})
    assert policy.offline_after_s("sprayer") == 120
    assert policy.offline_after_s("throw_camera") == 1200
    assert policy.offline_after_s("pm25_sensor") == 600
    assert policy.shortest_offline_after_s() == 120


@pytest.mark.parametrize("document", [
    {"pm25": {"activate_ugm3": 60, "clear_ugm3": 65}},
    {"pm25": {"activate_ugm3": 65, "clear_ugm3": 65}},
    {"pm25": {"consecutive": 0}},
    {"pm25": {"activate_ugm3": float("inf")}},
    {"heartbeat_s": {"sprayer": 0}},
    {"heartbeat_s": {"toaster": 60}},
    {"offline_after_intervals": 0},
    {"reopen_window_h": -1},
    {"surprise": True},
])
def test_policies_that_cannot_hold_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DevicePolicyDoc.model_validate(document)


def test_bbox_follows_rfc_7946_and_crosses_the_antimeridian() -> None:
    box = (117.6, 24.5, 117.7, 24.6)
    assert in_box(117.65, 24.51, box)
    assert not in_box(117.75, 24.51, box)
    assert not in_box(117.65, 24.61, box)
    across = (170.0, -10.0, -170.0, 10.0)
    assert in_box(175.0, 0.0, across) and in_box(-175.0, 0.0, across)
    assert not in_box(0.0, 0.0, across)


def test_features_put_longitude_first() -> None:
    made = feature("device", "pm25-1", (117.65, 24.51), status="online", zone=None)
    assert made["geometry"] == {"type": "Point", "coordinates": [117.65, 24.51]}
    assert made["properties"] == {"kind": "device", "id": "pm25-1", "status": "online"}
    assert feature("ticket", "tk_1", None, status="submitted")["geometry"] is None


@pytest.mark.parametrize("params", [
    {"kind": "ticket,lamp"}, {"kind": ""}, {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"},
    {"bbox": "0,10,1,5"}, {"bbox": "-181,0,0,1"}, {"bbox": "0,-91,1,0"}, {"zoom": "3"},
])
def test_bad_map_queries_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        MapQuery.model_validate(params)


def test_map_query_defaults_to_every_kind() -> None:
    assert MapQuery.model_validate({}).kinds == ("ticket", "device", "alarm")
    query = MapQuery.model_validate({"kind": "alarm,device", "bbox": "117.6,24.5,117.7,24.6"})
    assert query.kinds == ("alarm", "device")
    assert query.box == (117.6, 24.5, 117.7, 24.6)


def test_a_device_document_refuses_repeated_actuators_and_bad_ids() -> None:
    base = {"device_id": "pm25-1", "type": "pm25_sensor", "estate_id": "huayuan",
            "location": {"lat": 24.51, "lon": 117.65}}
    assert NewDevice.model_validate(base).actuators == []
    for bad in ({"actuators": ["s1", "s1"]}, {"device_id": "a/b"}, {"device_id": "a.b"},
                {"type": "toaster"}, {"location": {"lat": 91, "lon": 0}}, {"owner": "lin"}):
        with pytest.raises(ValidationError):
            NewDevice.model_validate(base | bad)
