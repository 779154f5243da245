"""Photos of tickets: upload slots, direct uploads, and processing each upload into safe
renditions stored under content-hash keys."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.core import clients
from chalicelib.core.config import get_settings
from chalicelib.core.db import is_conditional_failure
from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.tickets.models import Ticket
from chalicelib.tickets.visibility import load_visible, viewer

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller

UPLOAD_PREFIX = "uploads/"
RENDITION_PREFIX = "photos/"
MAX_PER_PURPOSE = 9
PENDING, READY, REJECTED = "pending", "ready", "rejected"
COUNTERS = {"report": Ticket.report_photos, "after": Ticket.after_photos}


@dataclass(frozen=True)
class Outcome:
    ticket_id: str
    photo_id: str
    result: str
    reason: str | None = None


def upload_key(ticket_id: str, photo_id: str) -> str:
    return f"{UPLOAD_PREFIX}{ticket_id}/{photo_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    parts = key.split("/")
    if len(parts) != 3 or parts[0] + "/" != UPLOAD_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def pending_entry(ticket_id: str, photo_id: str, purpose: str, user_id: str | None,
                  created: str) -> dict[str, Any]:
    return {"status": PENDING, "purpose": purpose, "uploaded_by": user_id, "created_at": created,
            "upload_key": upload_key(ticket_id, photo_id)}


def upload_slot(ticket_id: str, photo_id: str) -> dict[str, Any]:
    """A presigned S3 POST for one photo: at most 10 MB, ``image/*``, this key only."""
    settings = get_settings()
    post = clients.s3().generate_presigned_post(
        Bucket=settings.upload_bucket,
        Key=upload_key(ticket_id, photo_id),
        Conditions=[
            ["content-length-range", 1, settings.upload_max_bytes],
            ["starts-with", "$Content-Type", "image/"],
        ],
        ExpiresIn=settings.url_ttl_s,
    )
    return {"photo_id": photo_id, "url": post["url"], "fields": post["fields"],
            "max_bytes": settings.upload_max_bytes, "content_type_prefix": "image/"}


def _presigned_get(key: str | None) -> str | None:
    if not key:
        return None
    settings = get_settings()
    url: str = clients.s3().generate_presigned_url(
        "get_object", Params={"Bucket": settings.media_bucket, "Key": key},
        ExpiresIn=settings.url_ttl_s,
    )
    return url


def represent_all(ticket: Ticket) -> list[dict[str, Any]]:
    entries = sorted(photo_entries(ticket).items(),
                     key=lambda kv: (kv[1].get("created_at") or "", kv[0]))
    return [
        {
            "photo_id": pid,
            "status": e.get("status"),
            "purpose": e.get("purpose", "report"),
            "url": _presigned_get(e.get("display_key")) if e.get("status") == READY else None,
            "thumbnail_url": _presigned_get(e.get("thumbnail_key"))
            if e.get("status") == READY else None,
            "width": e.get("width"),
            "height": e.get("height"),
            "reason": e.get("reason"),
        }
        for pid, e in entries
    ]


def photo_entries(ticket: Ticket) -> dict[str, dict[str, Any]]:
    raw = ticket.photos
    if raw is None:
        return {}
    return dict(raw.as_dict()) if isinstance(raw, MapAttribute) else dict(raw)


def _purpose_for(caller: Caller, relation: str, purpose: str) -> str:
    if purpose == "after" and relation != "staff":
        raise ForbiddenError("only staff add 'after' photos")
    if purpose == "report" and relation not in ("reporter", "staff"):
        raise ForbiddenError("only the reporter or staff add photos to a ticket")
    return purpose


def _reserve(ticket_id: str, purpose: str, user_id: str, now: datetime) -> str:
    photo_id = new_id("ph_")
    counter = COUNTERS[purpose]
    try:
        Ticket(*Ticket.key(ticket_id)).update(
            actions=[
                Ticket.photos[photo_id].set(
                    pending_entry(ticket_id, photo_id, purpose, user_id, iso(now))),
                counter.add(1),
            ],
            condition=Ticket.pk.exists() & (counter.does_not_exist() | (counter < MAX_PER_PURPOSE)),
        )
    except UpdateError as err:
        if is_conditional_failure(err):
            limit = f"a ticket takes at most {MAX_PER_PURPOSE} {purpose} photos"
            raise ConflictError(limit) from err
        raise
    return photo_id


def new_slot(caller: Caller, ticket_id: str, purpose: str, now: datetime | None = None
             ) -> dict[str, Any]:
    """Reserve a photo on a ticket and return its upload slot.

    Raises NotFoundError, ForbiddenError, ConflictError (photo limit reached).
    """
    now = now or utcnow()
    _, relation = load_visible(viewer(caller), ticket_id)
    _purpose_for(caller, relation, purpose)
    photo_id = _reserve(ticket_id, purpose, caller.user_id, now)
    return upload_slot(ticket_id, photo_id)


ACCEPTED_DIRECT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/jpg")


def direct_upload(caller: Caller, ticket_id: str, data: bytes, content_type: str,
                  purpose: str = "report", now: datetime | None = None) -> dict[str, Any]:
    """Store an image sent in the request body (at most 5 MB); it is processed like a slot upload.

    Raises NotFoundError, ForbiddenError, ConflictError, PayloadTooLargeError,
    UnsupportedMediaTypeError, InvalidInputError (empty body).
    """
    settings = get_settings()
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in ACCEPTED_DIRECT_TYPES:
        raise UnsupportedMediaTypeError("send image/jpeg, image/png or image/webp")
    if len(data) > settings.direct_upload_max_bytes:
        raise PayloadTooLargeError(
            f"a direct upload is at most {settings.direct_upload_max_bytes} bytes; use a slot")
    if not data:
        raise InvalidInputError("empty image")
    now = now or utcnow()
    _, relation = load_visible(viewer(caller), ticket_id)
    _purpose_for(caller, relation, purpose)
    photo_id = _reserve(ticket_id, purpose, caller.user_id, now)
    clients.s3().put_object(Bucket=settings.upload_bucket, Key=upload_key(ticket_id, photo_id),
                            Body=data, ContentType=media_type)
    return {"photo_id": photo_id, "status": PENDING}


def _settle(ticket_id: str, photo_id: str, entry: dict[str, Any]) -> bool:
    """Move a pending photo to its final state; False when it was no longer pending."""
    try:
        Ticket(*Ticket.key(ticket_id)).update(
            actions=[Ticket.photos[photo_id].set(entry)],
            condition=Ticket.photos[photo_id]["status"] == PENDING,
        )
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def _delete_upload(bucket: str, key: str) -> None:
    clients.s3().delete_object(Bucket=bucket, Key=key)


def process_upload(bucket: str, key: str, now: datetime | None = None) -> Outcome:
    """Turn one uploaded object into renditions, or reject it with a reason; delete the upload.

    Safe to run twice for the same object: only a pending photo is ever settled.
    """
    from chalicelib.tickets import images

    key = urllib.parse.unquote_plus(key)
    parsed = parse_upload_key(key)
    if parsed is None:
        return Outcome("", "", "ignored", "not an upload key")
    ticket_id, photo_id = parsed
    entry = _pending(ticket_id, photo_id)
    if entry is None:
        _delete_upload(bucket, key)
        return Outcome(ticket_id, photo_id, "skipped", "not pending")
    s3 = clients.s3()
    settings = get_settings()
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return Outcome(ticket_id, photo_id, "skipped", "upload gone")
    stamp = iso(now or utcnow())
    base = {k: v for k, v in entry.items() if k != "upload_key"}
    if obj["ContentLength"] > settings.upload_max_bytes:
        rejected = base | {"status": REJECTED, "reason": "too_large", "processed_at": stamp}
        _settle(ticket_id, photo_id, rejected)
        _delete_upload(bucket, key)
        return Outcome(ticket_id, photo_id, REJECTED, "too_large")
    data = obj["Body"].read()
    try:
        processed = images.process_image(data, obj.get("ContentType"))
    except images.ImageRejectedError as err:
        rejected = base | {"status": REJECTED, "reason": err.reason, "detail": str(err),
                           "processed_at": stamp}
        _settle(ticket_id, photo_id, rejected)
        _delete_upload(bucket, key)
        return Outcome(ticket_id, photo_id, REJECTED, err.reason)
    keys = {}
    for name, rendition in (("display", processed.display), ("thumbnail", processed.thumbnail)):
        keys[name] = f"{RENDITION_PREFIX}{rendition.sha256}.jpg"
        s3.put_object(Bucket=settings.media_bucket, Key=keys[name], Body=rendition.data,
                      ContentType=rendition.content_type)
    ready = base | {
        "status": READY, "display_key": keys["display"], "thumbnail_key": keys["thumbnail"],
        "width": processed.display.width, "height": processed.display.height,
        "source_type": processed.source_type, "processed_at": stamp,
    }
    settled = _settle(ticket_id, photo_id, ready)
    _delete_upload(bucket, key)
    return Outcome(ticket_id, photo_id, READY if settled else "skipped")


def _pending(ticket_id: str, photo_id: str) -> dict[str, Any] | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        ticket = Ticket.get(*Ticket.key(ticket_id), attributes_to_get=["photos"])
    except DoesNotExist:
        return None
    entry = photo_entries(ticket).get(photo_id)
    if not entry or entry.get("status") != PENDING:
        return None
    return dict(entry)
