import copy
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.tickets.sla_policy import SlaPolicyDoc, default_policy

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
SPEC_TABLE = [
    {"level": 0, "responsible": "property", "respond_min": 360, "resolve_min": 4320},
    {"level": 1, "responsible": "community", "respond_min": 240, "resolve_min": 4320},
    {"level": 2, "responsible": "street", "respond_min": 240, "resolve_min": 4320},
]
WORKING_HOURS = {
    "clock": "working_hours",
    "calendar": {
        "timezone": "Asia/Shanghai",
        "workdays": [1, 2, 3, 4, 5],
        "hours": [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}],
        "holidays": [f"2026-10-0{d}" for d in range(1, 8)],
        "makeup_workdays": ["2026-09-27", "2026-10-10"],
    },
    "levels": SPEC_TABLE,
    "warnings": [0.5, 0.75],
    "overrides": {
        "water.leak": {"levels": [
            {"level": 0, "responsible": "property", "respond_min": 30, "resolve_min": 240},
            {"level": 1, "responsible": "community", "respond_min": 60, "resolve_min": 480},
            {"level": 2, "responsible": "street", "respond_min": 60, "resolve_min": 480},
        ]},
    },
}


def parse(doc: dict) -> SlaPolicyDoc:
    """The API path: a JSON body, strictly validated as a request."""
    return SlaPolicyDoc.model_validate_json(json.dumps(doc), strict=True,
                                            context={"source": "request"})


def stored(doc: dict) -> SlaPolicyDoc:
    """A document read back from the table: not held to the request-only checks."""
    return SlaPolicyDoc.model_validate_json(json.dumps(doc))


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_defaults_are_the_spec_table():
    policy = default_policy()
    dumped = policy.model_dump(mode="json")
    assert dumped == {"clock": "wall", "calendar": None, "levels": SPEC_TABLE,
                      "warnings": [0.5, 0.75], "overrides": {}}
    assert parse({}) == policy
    assert policy.calendar_obj() is None


def test_wall_clock_due_and_warnings():
    policy = default_policy()
    start = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    assert policy.due("noise", 0, "respond", start) == start + timedelta(hours=6)
    assert policy.due("noise", 0, "resolve", start) == start + timedelta(hours=72)
    assert policy.due("noise", 1, "respond", start) == start + timedelta(hours=4)
    assert policy.warning_times("noise", 0, "respond", start) == [
        start + timedelta(hours=3), start + timedelta(hours=4, minutes=30)]


def test_levels_are_clamped():
    policy = default_policy()
    assert policy.targets("noise", -1).level == 0
    assert policy.targets("noise", 7).level == 2
    assert policy.targets("noise", 7).responsible == "street"


def test_category_overrides():
    policy = parse({**WORKING_HOURS, "clock": "wall", "calendar": None})
    assert policy.targets("water.leak", 0).respond_min == 30
    assert policy.targets("water.leak", 2).resolve_min == 480
    assert policy.targets("noise", 0).respond_min == 360
    start = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    assert policy.due("water.leak", 0, "respond", start) == start + timedelta(minutes=30)
    assert policy.warning_times("water.leak", 0, "respond", start) == [
        start + timedelta(minutes=15), start + timedelta(minutes=22)]  # round(22.5) == 22


def test_working_hours_policy_counts_the_calendar():
    policy = parse(WORKING_HOURS)
    cal = policy.calendar_obj()
    assert cal is not None
    assert cal.timezone == "Asia/Shanghai"
    assert cal.hours == ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
    assert date(2026, 10, 1) in cal.holidays and date(2026, 10, 10) in cal.makeup_workdays
    start = sh(2026, 9, 30, 17, 0)
    assert policy.due("noise", 0, "respond", start) == sh(2026, 10, 8, 16, 0)
    assert policy.due("noise", 0, "resolve", sh(2026, 9, 30, 9, 0)) == sh(2026, 10, 20, 11, 0)
    assert policy.warning_times("noise", 0, "respond", start) == [
        sh(2026, 10, 8, 11, 0), sh(2026, 10, 8, 14, 30)]
    assert policy.due("noise", 0, "respond", start).tzinfo == UTC


def test_a_calendar_on_a_wall_clock_is_kept_but_not_counted():
    policy = parse({**WORKING_HOURS, "clock": "wall"})
    assert policy.calendar is not None
    assert policy.calendar_obj() is None


def test_calendar_defaults():
    policy = parse({"clock": "working_hours", "calendar": {}})
    assert policy.model_dump(mode="json")["calendar"] == {
        "timezone": "Asia/Shanghai", "workdays": [1, 2, 3, 4, 5],
        "hours": [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}],
        "holidays": [], "makeup_workdays": [],
    }


@pytest.mark.parametrize("doc", [{}, WORKING_HOURS, {"clock": "working_hours", "calendar": {}},
                                 {"warnings": []}, {"warnings": [0.25, 0.5, 0.75, 0.9, 0.99]}])
def test_round_trip(doc):
    policy = parse(doc)
    served = policy.model_dump(mode="json")
    assert parse(served) == policy
    assert parse(served).model_dump(mode="json") == served
    assert SlaPolicyDoc.model_validate_json(policy.model_dump_json()) == policy
    assert SlaPolicyDoc.model_validate(json.loads(json.dumps(served)), strict=True) == policy


def changed(path: str, value: object) -> dict:
    """WORKING_HOURS with the field at ``path`` (keys joined by /) set to ``value``; ``...``
    deletes it."""
    doc = copy.deepcopy(WORKING_HOURS)
    *parents, leaf = path.split("/")
    node: object = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    if value is ...:
        del node[leaf]  # type: ignore[attr-defined]
    elif isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value  # type: ignore[index]
    return doc


BAD = {
    "two levels": changed("levels", SPEC_TABLE[:2]),
    "four levels": changed("levels", [*SPEC_TABLE, {**SPEC_TABLE[2], "level": 3}]),
    "levels out of order": changed("levels", [SPEC_TABLE[1], SPEC_TABLE[0], SPEC_TABLE[2]]),
    "level repeated": changed("levels", [SPEC_TABLE[0], SPEC_TABLE[0], SPEC_TABLE[2]]),
    "negative minutes": changed("levels/0/respond_min", -5),
    "zero minutes": changed("levels/0/resolve_min", 0),
    "more than a year": changed("levels/0/resolve_min", 525601),
    "minutes as text": changed("levels/0/respond_min", "360"),
    "minutes as float": changed("levels/0/respond_min", 360.0),
    "unknown responsible": changed("levels/1/responsible", "mayor"),
    "override with two levels": changed("overrides/water.leak", {"levels": SPEC_TABLE[:2]}),
    "override key": changed("overrides", {"bad key!": {"levels": SPEC_TABLE}}),
    "too many overrides": changed("overrides", {f"c{i}": {"levels": SPEC_TABLE}
                                                for i in range(51)}),
    "warnings unsorted": changed("warnings", [0.75, 0.5]),
    "warnings repeated": changed("warnings", [0.5, 0.5]),
    "warning of one": changed("warnings", [0.5, 1.0]),
    "warning of zero": changed("warnings", [0.0, 0.5]),
    "six warnings": changed("warnings", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    "warning as text": changed("warnings", ["0.5"]),
    "unknown clock": changed("clock", "lunar"),
    "working hours without calendar": changed("calendar", None),
    "working hours, calendar missing": changed("calendar", ...),
    "unknown field": changed("sla", 1),
    "unknown calendar field": changed("calendar/weekends", [6, 7]),
    "unknown level field": changed("levels/0/escalate_to", "street"),
    "overlapping hours": changed("calendar/hours", [{"start": "08:30", "end": "12:00"},
                                                    {"start": "11:00", "end": "17:30"}]),
    "unsorted hours": changed("calendar/hours", [{"start": "14:00", "end": "17:30"},
                                                 {"start": "08:30", "end": "12:00"}]),
    "period ends before start": changed("calendar/hours", [{"start": "12:00", "end": "08:30"}]),
    "empty period": changed("calendar/hours", [{"start": "12:00", "end": "12:00"}]),
    "no hours": changed("calendar/hours", []),
    "seven periods": changed("calendar/hours", [{"start": f"0{i}:00", "end": f"0{i}:30"}
                                                for i in range(7)]),
    "hour 24": changed("calendar/hours", [{"start": "08:00", "end": "24:00"}]),
    "time with seconds": changed("calendar/hours", [{"start": "08:00:00", "end": "12:00"}]),
    "time without padding": changed("calendar/hours", [{"start": "8:00", "end": "12:00"}]),
    "no workdays": changed("calendar/workdays", []),
    "workday 0": changed("calendar/workdays", [0, 1]),
    "workday 8": changed("calendar/workdays", [1, 8]),
    "workday repeated": changed("calendar/workdays", [1, 1, 2]),
    "holiday and makeup": changed("calendar/makeup_workdays", ["2026-10-01"]),
    "holiday not a date": changed("calendar/holidays", ["2026-02-30"]),
    "holiday with time": changed("calendar/holidays", ["2026-10-01T00:00:00"]),
    "holiday repeated": changed("calendar/holidays", ["2026-10-01", "2026-10-01"]),
    "too many holidays": changed("calendar/holidays", [
        (date(2030, 1, 1) + timedelta(days=i)).isoformat() for i in range(401)]),
    "bad timezone": changed("calendar/timezone", "Asia/Beijing"),
    "path as timezone": changed("calendar/timezone", "../../etc/passwd"),
    "empty timezone": changed("calendar/timezone", ""),
}


@pytest.mark.parametrize("doc", BAD.values(), ids=BAD.keys())
def test_bad_documents_are_refused(doc):
    with pytest.raises(ValidationError) as info:
        parse(doc)
    assert info.value.error_count() == 1


EDGES = {
    "the good document itself": copy.deepcopy(WORKING_HOURS),
    "a year of minutes": changed("levels/0/resolve_min", 525600),
    "one minute": changed("levels/0/respond_min", 1),
    "50 overrides": changed("overrides", {f"c{i}": {"levels": SPEC_TABLE} for i in range(50)}),
    "five warnings": changed("warnings", [0.1, 0.2, 0.3, 0.4, 0.99]),
    "no warnings": changed("warnings", []),
    "one warning": changed("warnings", [0.5]),
    "six periods touching": changed("calendar/hours", [
        {"start": f"0{i}:00", "end": f"0{i + 1}:00"} for i in range(6)]),
    "until 23:59": changed("calendar/hours", [{"start": "20:00", "end": "23:59"}]),
    "every day": changed("calendar/workdays", [7, 1, 2, 3, 4, 5, 6]),
    "400 holidays": changed("calendar/holidays", [
        (date(2030, 1, 1) + timedelta(days=i)).isoformat() for i in range(400)]),
    "another zone": changed("calendar/timezone", "Europe/Berlin"),
}


@pytest.mark.parametrize("doc", EDGES.values(), ids=EDGES.keys())
def test_documents_at_the_limits_are_accepted(doc):
    policy = parse(doc)
    assert parse(policy.model_dump(mode="json")) == policy


# Policies whose due times the clock cannot compute are refused as requests

SLIVER = {"timezone": "UTC", "workdays": [1], "hours": [{"start": "09:00", "end": "09:01"}]}
MONDAYS = [(date(2026, 1, 5) + timedelta(weeks=n)).isoformat() for n in range(400)]
MONDAYS_AND_TUESDAYS = sorted([*MONDAYS[:200], *((date(2026, 1, 6) + timedelta(weeks=n))
                                                   .isoformat() for n in range(200))])
UNMEETABLE = {
    "a minute a week, a year-long target": {
        "clock": "working_hours", "calendar": SLIVER,
        "levels": [SPEC_TABLE[0] | {"resolve_min": 525600}, *SPEC_TABLE[1:]]},
    "a minute a week, the SPEC table": {"clock": "working_hours", "calendar": SLIVER},
    "an override the calendar cannot reach": {
        "clock": "working_hours",
        "calendar": {**SLIVER, "hours": [{"start": "09:00", "end": "10:00"}]},
        "overrides": {"slow": {"levels": [SPEC_TABLE[0] | {"resolve_min": 525600},
                                          *SPEC_TABLE[1:]]}}},
    "holidays on every workday for years": {
        "clock": "working_hours", "calendar": {**SLIVER, "holidays": MONDAYS}},
    "holidays on both workdays for years": {
        "clock": "working_hours",
        "calendar": {**SLIVER, "workdays": [1, 2], "holidays": MONDAYS_AND_TUESDAYS}},
}


@pytest.mark.parametrize("doc", UNMEETABLE.values(), ids=UNMEETABLE.keys())
def test_unmeetable_policies_are_refused_as_requests(doc):
    with pytest.raises(ValidationError) as info:
        parse(doc)
    assert info.value.error_count() == 1
    assert "calendar" in str(info.value) or "levels" in str(info.value)
    assert stored(doc).clock == "working_hours"


def test_the_wall_clock_ignores_a_calendar_that_could_not_meet_the_targets():
    policy = parse({"clock": "wall", "calendar": {**SLIVER, "holidays": MONDAYS}})
    assert policy.calendar_obj() is None


@pytest.mark.parametrize("doc", [
    WORKING_HOURS,
    changed("levels/0/resolve_min", 525600),
    {"clock": "working_hours", "calendar": {"workdays": [1], "hours": [
        {"start": "09:00", "end": "18:00"}]}, "levels": [
        SPEC_TABLE[0] | {"resolve_min": 525600}, *SPEC_TABLE[1:]]},
    {"clock": "working_hours", "calendar": {
        **SLIVER, "workdays": [1, 2, 3], "hours": [{"start": "09:00", "end": "10:00"}],
        "holidays": MONDAYS[:130]}},
], ids=["the good document", "a year of minutes", "a working Monday a week", "many holidays"])
def test_meetable_policies_are_accepted(doc):
    assert parse(doc) == stored(doc)


def test_a_stored_unmeetable_policy_counts_on_the_wall_clock(caplog):
    policy = stored(UNMEETABLE["a minute a week, a year-long target"])
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert policy.due("noise", 0, "resolve", start) == start + timedelta(minutes=525600)
    assert policy.warning_times("noise", 0, "resolve", start) == [
        start + timedelta(minutes=262800), start + timedelta(minutes=394200)]
    assert "wall clock" in caplog.text
    reachable = policy.due("noise", 0, "respond", start)  # 360 one-minute Mondays
    assert reachable == datetime(2026, 1, 5, 9, 1, tzinfo=UTC) + timedelta(weeks=359)
