"""Photos of tickets: upload slots, direct uploads, and processing each upload into safe
renditions stored under content-hash keys."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import MapAttribute

from chalicelib.core import clients
from chalicelib.core.config import get_settings
from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.tickets import store

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets.models import Ticket
    from chalicelib.tickets.visibility import Relation

UPLOAD_PREFIX = "uploads/"
RENDITION_PREFIX = "photos/"
MAX_PER_PURPOSE = 9
PENDING, READY, REJECTED, EXPIRED = "pending", "ready", "rejected", "expired"
COUNTERS = {"report": "report_photos", "after": "after_photos"}
EXPIRY_MARGIN_S = 60
REASONS = {
    "unsupported_type": "不支持的图片格式", "mislabelled": "文件类型与内容不符",
    "too_many_pixels": "图片像素过多", "corrupt": "图片已损坏", "animated": "不接受动图",
    "unsupported_pixel_format": "不支持的像素格式", "too_large": "图片超过 10 MB",
}


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


def expired(entry: dict[str, Any], now: datetime) -> bool:
    """A slot never uploaded expires when its URL does, plus a margin, and frees its place."""
    if entry.get("status") != PENDING or not entry.get("created_at"):
        return False
    age = (now - parse_iso(str(entry["created_at"]))).total_seconds()
    return age > get_settings().url_ttl_s + EXPIRY_MARGIN_S


def status_of(entry: dict[str, Any], now: datetime) -> str:
    return EXPIRED if expired(entry, now) else str(entry.get("status"))


def represent_all(ticket: Ticket, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    entries = sorted(photo_entries(ticket).items(),
                     key=lambda kv: (kv[1].get("created_at") or "", kv[0]))
    return [
        {
            "photo_id": pid,
            "status": status_of(e, now),
            "purpose": e.get("purpose", "report"),
            "url": _presigned_get(e.get("display_key")) if e.get("status") == READY else None,
            "thumbnail_url": _presigned_get(e.get("thumbnail_key"))
            if e.get("status") == READY else None,
            "width": e.get("width"),
            "height": e.get("height"),
            "reason": e.get("reason"),
            **({"evidence": dict(e["evidence"])} if e.get("evidence") else {}),
        }
        for pid, e in entries
    ]


def first_ready_url(ticket: Ticket) -> str | None:
    """The display URL of the ticket's earliest ready photo."""
    ready = sorted((e.get("created_at") or "", pid, e) for pid, e in photo_entries(ticket).items()
                   if e.get("status") == READY)
    return _presigned_get(ready[0][2].get("display_key")) if ready else None


def photo_entries(ticket: Ticket) -> dict[str, dict[str, Any]]:
    raw = ticket.photos
    if raw is None:
        return {}
    return dict(raw.as_dict()) if isinstance(raw, MapAttribute) else dict(raw)


def _purpose_for(relation: Relation, purpose: str) -> str:
    if purpose == "after" and not relation.staff:
        raise ForbiddenError("only staff add 'after' photos")
    if purpose == "report" and not (relation.reporter or relation.staff):
        raise ForbiddenError("only the reporter or staff add photos to a ticket")
    return purpose


def _reserve(ticket_id: str, purpose: str, user_id: str, now: datetime) -> str:
    """A pending photo in one of the ticket's places for ``purpose``; expired slots give their
    place back first when none is free. Raises ConflictError (every place taken)."""
    photo_id = new_id("ph_")
    entry = pending_entry(ticket_id, photo_id, purpose, user_id, iso(now))
    counter = COUNTERS[purpose]
    if store.reserve_photo(ticket_id, photo_id, entry, counter, MAX_PER_PURPOSE):
        return photo_id
    if expire_slots(ticket_id, purpose, now) and store.reserve_photo(
            ticket_id, photo_id, entry, counter, MAX_PER_PURPOSE):
        return photo_id
    raise ConflictError(f"a ticket takes at most {MAX_PER_PURPOSE} {purpose} photos")


def expire_slots(ticket_id: str, purpose: str, now: datetime) -> int:
    """Mark the ticket's expired slots for ``purpose`` expired, freeing their places."""
    ticket = store.photos_of(ticket_id)
    if ticket is None:
        return 0
    freed = 0
    for photo_id, entry in photo_entries(ticket).items():
        if entry.get("purpose", "report") == purpose and expired(entry, now):
            done = {k: v for k, v in entry.items() if k != "upload_key"}
            done |= {"status": EXPIRED, "processed_at": iso(now)}
            freed += store.settle_photo(ticket_id, photo_id, done, release=COUNTERS[purpose])
    return freed


def new_slot(caller: Caller, ticket_id: str, purpose: str, now: datetime | None = None
             ) -> dict[str, Any]:
    """Reserve a photo on a ticket and return its upload slot.

    Raises NotFoundError, ForbiddenError, ConflictError (photo limit reached).
    """
    from chalicelib.tickets.visibility import load_visible, viewer

    now = now or utcnow()
    _, relation = load_visible(viewer(caller), ticket_id)
    _purpose_for(relation, purpose)
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
    from chalicelib.tickets.visibility import load_visible, viewer

    now = now or utcnow()
    _, relation = load_visible(viewer(caller), ticket_id)
    _purpose_for(relation, purpose)
    photo_id = _reserve(ticket_id, purpose, caller.user_id, now)
    clients.s3().put_object(Bucket=settings.upload_bucket, Key=upload_key(ticket_id, photo_id),
                            Body=data, ContentType=media_type)
    return {"photo_id": photo_id, "status": PENDING}


def _settle(ticket_id: str, photo_id: str, entry: dict[str, Any]) -> bool:
    """Move a pending photo to its final state; False when it was no longer pending. A
    rejected photo gives its place back and its uploader is told why."""
    if entry["status"] != REJECTED:
        return store.settle_photo(ticket_id, photo_id, entry)
    counter = COUNTERS.get(str(entry.get("purpose", "report")))
    settled = store.settle_photo(ticket_id, photo_id, entry, release=counter)
    if settled and entry.get("uploaded_by"):
        from chalicelib.inbox import service as inbox

        reason = str(entry.get("reason"))
        inbox.notify_users([str(entry["uploaded_by"])], "photo_rejected", ticket_id,
                           f"照片未通过审核：{REASONS.get(reason, reason)}", utcnow(), body=reason)
    return settled


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
    ticket = store.photos_of(ticket_id)
    if ticket is None:
        return None
    entry = photo_entries(ticket).get(photo_id)
    if not entry or entry.get("status") != PENDING:
        return None
    return dict(entry)
