"""iCalendar rendering (RFC 5545) and the pure rules of activities."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.activities import ical, rules

EVENT = ical.Event(uid="act_1", starts_at="2026-10-10T00:30:00.000Z",
                   ends_at="2026-10-10T03:30:00.000Z", summary="社区义诊志愿服务",
                   location="锦绣社区党群服务中心广场", description="量血压;登记,引导\n欢迎",
                   created_at="2026-10-01T02:00:00.000Z")
NOW = "2026-10-05T08:15:30.123Z"


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_a_calendar_with_one_event() -> None:
    text = ical.calendar("锦绣社区 志愿活动", [EVENT], NOW)
    lines = unfold(text).split("\r\n")
    assert lines[:6] == ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ical.PRODID}",
                         "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:锦绣社区 志愿活动"]
    assert lines[-2:] == ["END:VCALENDAR", ""]
    event = lines[lines.index("BEGIN:VEVENT"):lines.index("END:VEVENT") + 1]
    assert "UID:act_1@fanglin" in event
    assert "DTSTAMP:20261005T081530Z" in event
    assert "DTSTART:20261010T003000Z" in event and "DTEND:20261010T033000Z" in event
    assert "CREATED:20261001T020000Z" in event
    assert "SUMMARY:社区义诊志愿服务" in event
    assert "LOCATION:锦绣社区党群服务中心广场" in event
    assert "DESCRIPTION:量血压\\;登记\\,引导\\n欢迎" in event
    assert "\n" not in text.replace("\r\n", "")


def test_an_empty_calendar_is_still_a_calendar() -> None:
    text = ical.calendar("x", [], NOW)
    assert text == ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + ical.PRODID + "\r\n"
                    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:x\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize("raw, escaped", [
    ("a,b;c\\d", "a\\,b\\;c\\\\d"),
    ("line1\nline2\r\nline3\rline4", "line1\\nline2\\nline3\\nline4"),
    ("冒号:不转义", "冒号:不转义"),
])
def test_text_escaping(raw: str, escaped: str) -> None:
    assert ical.escape(raw) == escaped


def test_control_characters_and_other_line_breaks_do_not_reach_the_feed() -> None:
    escaped = ical.escape("a\x00b\x0bc\x1fd\x7fe\x85f\u2028g\u2029h\ti")
    assert escaped == "a b c d e f g h\ti"
    text = ical.calendar("x", [ical.Event(uid="act_1", starts_at="2026-01-01T00:00:00Z",
                                          ends_at="2026-01-01T01:00:00Z",
                                          summary="X\r\nBEGIN:VEVENT\u2028\x85Y",
                                          location="p")], "2026-01-01T00:00:00Z")
    assert text.split("\r\n").count("BEGIN:VEVENT") == 1 and "\n" not in text.replace("\r\n", "")
    assert not any(ord(c) < 32 and c not in "\r\n" for c in text)
    assert "\u2028" not in text and "\x85" not in text


def test_folding_keeps_lines_within_75_octets_and_characters_whole() -> None:
    line = "SUMMARY:" + "垃圾分类宣传" * 20
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert unfold(folded) == line
    assert ical.fold("SHORT:x") == "SHORT:x"
    exact = "X" * 75
    assert ical.fold(exact) == exact and ical.fold(exact + "Y") == exact + "\r\n Y"


@given(st.text(min_size=0, max_size=300))
def test_any_text_folds_and_unfolds(text: str) -> None:
    line = "DESCRIPTION:" + ical.escape(text)
    folded = ical.fold(line)
    assert all(len(p.encode()) <= 75 for p in folded.split("\r\n"))
    assert unfold(folded) == line
    assert "\n" not in line and "\r" not in line


def test_stamps_are_utc() -> None:
    assert ical.stamp("2026-10-10T08:30:00+08:00") == "20261010T003000Z"
    assert ical.stamp("2026-10-10T00:30:00.999Z") == "20261010T003000Z"


def test_phases_and_windows() -> None:
    start, end = "2026-10-10T00:30:00.000Z", "2026-10-10T03:30:00.000Z"
    assert rules.phase(start, end, "2026-10-10T00:29:59.999Z") == "upcoming"
    assert rules.phase(start, end, start) == "ongoing"
    assert rules.phase(start, end, end) == "ended"
    assert rules.open_for_signups(start, "2026-10-09T00:00:00.000Z")
    assert not rules.open_for_signups(start, start)
    assert rules.attendance_open(start, start) and not rules.attendance_open(
        start, "2026-10-10T00:29:59.999Z")


@pytest.mark.parametrize("hours, per_hour, points", [
    (2, 10, 20), (0.5, 1, 1), (1.5, 5, 8), (2.5, 3, 8), (3, 0, 0), (0.5, 7, 4),
])
def test_points_round_half_up(hours: float, per_hour: int, points: int) -> None:
    assert rules.points_for(hours, per_hour) == points


def test_hours_are_capped_at_the_length_rounded_up_to_half_hours() -> None:
    assert rules.max_hours("2026-10-10T00:30:00.000Z", "2026-10-10T03:30:00.000Z") == 3
    assert rules.max_hours("2026-10-10T00:30:00.000Z", "2026-10-10T02:40:00.000Z") == 2.5
