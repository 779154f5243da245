"""Upload slots that are never used expire and give their place back; a rejected photo tells
its uploader why (SPEC 4)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from chalicelib.core.errors import ConflictError
from chalicelib.identity.caller import Caller
from chalicelib.tickets import photos, store
from tests.integration.conftest import Api, new_ticket

LIN = Caller("lin", "林小梅", None, frozenset({"resident", "owner"}), "jinxiu")


def test_unused_slots_expire_and_free_their_place(api: Api) -> None:
    created = new_ticket(api, photos=9)
    tid = created["ticket"]["ticket_id"]
    now = datetime.now(timezone.utc)
    with pytest.raises(ConflictError):
        photos.new_slot(LIN, tid, "report", now)
    later = now + timedelta(hours=2)
    slot = photos.new_slot(LIN, tid, "report", later)
    ticket = store.get_ticket(tid)
    assert ticket is not None
    entries = photos.photo_entries(ticket)
    assert sum(e["status"] == "expired" for e in entries.values()) == 9
    assert entries[slot["photo_id"]]["status"] == "pending"
    assert int(ticket.report_photos) == 1
    shown = api.get(f"/tickets/{tid}", "lin").json["photos"]
    assert sorted(p["status"] for p in shown) == ["expired"] * 9 + ["pending"]


def test_a_slot_shows_expired_once_its_url_has(api: Api) -> None:
    tid = new_ticket(api, photos=1)["ticket"]["ticket_id"]
    ticket = store.get_ticket(tid)
    assert ticket is not None
    [entry] = photos.photo_entries(ticket).values()
    assert photos.status_of(entry, datetime.now(timezone.utc)) == "pending"
    assert photos.status_of(entry, datetime.now(timezone.utc) + timedelta(hours=1)) == "expired"


def test_the_uploader_is_told_why_a_photo_was_rejected(api: Api, aws: dict) -> None:
    created = new_ticket(api, photos=1)
    slot = created["uploads"][0]
    boto3.client("s3").put_object(Bucket=aws["settings"].upload_bucket, Key=slot["fields"]["key"],
                                  Body=b"not a picture", ContentType="image/jpeg")
    photos.process_upload(aws["settings"].upload_bucket, slot["fields"]["key"])
    notes = api.get("/me/inbox", "lin").json["items"]
    [note] = [n for n in notes if n["kind"] == "photo_rejected"]
    assert note["ticket_id"] == created["ticket"]["ticket_id"]
    assert note["body"] == "unsupported_type" and "不支持" in note["title"]
    ticket = store.get_ticket(created["ticket"]["ticket_id"])
    assert ticket is not None and int(ticket.report_photos) == 0
