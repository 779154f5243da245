"""Who a notice reaches (pure rules) and what a notice document may say."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from chalicelib.notices import rules
from chalicelib.notices.schemas import NewNotice


@dataclass(frozen=True)
class Home:
    community_id: str | None
    estate_id: str
    building: str


LIN = [Home("jinxiu", "huayuan", "b1")]
TWO_HOMES = [Home("jinxiu", "huayuan", "b1"), Home("jinxiu", "mingju", "m1"),
             Home("longxing", "lx1", "x1")]


def test_addresses_of_each_audience() -> None:
    assert rules.address("community", "jinxiu") == "community:jinxiu"
    assert rules.address("estate", "jinxiu", "huayuan") == "estate:huayuan"
    assert rules.address("building", "jinxiu", "huayuan", "b1") == "building:huayuan:b1"
    for audience, parts in (("estate", ()), ("building", ("huayuan",)), ("nobody", ())):
        with pytest.raises(ValueError):
            rules.address(audience, "jinxiu", *parts)


def test_a_resident_is_reached_through_the_community_and_their_homes() -> None:
    assert rules.reader_addresses("jinxiu", LIN) == [
        "community:jinxiu", "estate:huayuan", "building:huayuan:b1"]
    assert rules.reader_addresses("jinxiu", TWO_HOMES) == [
        "community:jinxiu", "estate:huayuan", "building:huayuan:b1", "estate:mingju",
        "building:mingju:m1"]
    assert rules.reader_addresses("longxing", TWO_HOMES) == [
        "community:longxing", "estate:lx1", "building:lx1:x1"]
    assert rules.reader_addresses("jinxiu", []) == ["community:jinxiu"]


@pytest.mark.parametrize("audience, parts, reaches_lin, reaches_mingju", [
    ("community", (), True, True),
    ("estate", ("huayuan",), True, False),
    ("estate", ("mingju",), False, True),
    ("building", ("huayuan", "b1"), True, False),
    ("building", ("huayuan", "b2"), False, False),
])
def test_who_a_notice_reaches(audience: str, parts: tuple[str, ...], reaches_lin: bool,
                              reaches_mingju: bool) -> None:
    notice = rules.address(audience, "jinxiu", *parts)
    mingju = [Home("jinxiu", "mingju", "m1")]
    assert rules.is_addressed(notice, rules.reader_addresses("jinxiu", LIN)) is reaches_lin
    assert rules.is_addressed(notice, rules.reader_addresses("jinxiu", mingju)) is reaches_mingju
    assert not rules.is_addressed(notice, rules.reader_addresses("longxing", TWO_HOMES))


def test_expiry_is_inclusive() -> None:
    now = "2026-10-01T00:00:00.000Z"
    assert rules.is_expired(now, now)
    assert rules.is_expired("2026-09-30T23:59:59.999Z", now)
    assert not rules.is_expired("2026-10-01T00:00:00.001Z", now)
    assert not rules.is_expired(None, now)


def parse(**body: object) -> NewNotice:
    doc = {"title": "停水", "body": "明天停水"} | body
    return NewNotice.model_validate_json(json.dumps(doc), strict=True)


def fields_of(err: ValidationError) -> set[str]:
    return {".".join(map(str, e["loc"])) for e in err.errors()}


def test_a_notice_document_names_the_places_its_audience_needs() -> None:
    assert parse(audience="community").estate_id is None
    assert parse(audience="estate", estate_id="huayuan").building is None
    assert parse(audience="building", estate_id="huayuan", building="b1").pinned is False
    bad = [({"audience": "estate"}, "estate_id"),
           ({"audience": "community", "estate_id": "huayuan"}, "estate_id"),
           ({"audience": "estate", "estate_id": "huayuan", "building": "b1"}, "building"),
           ({"audience": "building", "estate_id": "huayuan"}, "building")]
    for body, field in bad:
        with pytest.raises(ValidationError) as err:
            parse(**body)
        assert fields_of(err.value) == {field}, body


def test_expires_at_is_normalised_to_utc() -> None:
    doc = parse(audience="community", expires_at="2026-10-01T08:00:00+08:00")
    assert doc.expires_at == "2026-10-01T00:00:00.000Z"
    for text in ("2026-10-01", "2026-10-01T08:00:00", "soon", "1999-12-31T23:59:59Z"):
        with pytest.raises(ValidationError) as err:
            parse(audience="community", expires_at=text)
        assert fields_of(err.value) == {"expires_at"}, text
