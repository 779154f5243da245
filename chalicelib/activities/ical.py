"""iCalendar (RFC 5545) rendering of activities, so a phone's calendar can take them in.

Pure functions. Lines end in CRLF and are folded at 75 octets (never inside a UTF-8
character); TEXT values escape backslash, semicolon, comma and newlines; times are UTC
(``YYYYMMDDTHHMMSSZ``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.core.timeutil import parse_iso

CRLF = "\r\n"
LINE_OCTETS = 75
PRODID = "-//Fanglin//Community activities//ZH"
UID_DOMAIN = "fanglin"
_UNSAFE = {c: " " for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)
           if c != 0x09}


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: str
    ends_at: str
    summary: str
    location: str
    description: str | None = None
    created_at: str | None = None


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): line breaks become ``\\n``; other control characters
    (which TEXT may not hold) and the Unicode line and paragraph separators become spaces."""
    escaped = (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
               .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))
    return escaped.translate(_UNSAFE)


def stamp(iso_time: str) -> str:
    """An ISO-8601 time as a UTC DATE-TIME (form 2)."""
    return parse_iso(iso_time).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets, continuations starting with a
    space (RFC 5545 3.1)."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space is one octet
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _event_lines(event: Event, now: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(event.uid)}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(event.starts_at)}",
        f"DTEND:{stamp(event.ends_at)}",
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.created_at:
        lines.append(f"CREATED:{stamp(event.created_at)}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def calendar(name: str, events: Iterable[Event], now: str) -> str:
    """A VCALENDAR of ``events`` published at ``now`` (ISO time): every line folded, CRLF
    line ends, the last line ended too."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}"]
    for event in events:
        lines += _event_lines(event, now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
