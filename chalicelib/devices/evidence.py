"""Evidence of a thrown object (SPEC 4, 6): the camera uploads each original to the evidence
bucket (Object Lock in AWS) under ``devices/{device_id}/`` and lists it in its event with its
SHA-256 and capture time.

Each original is read, never written: its SHA-256 is checked against the event, and only a
verified original yields a stripped copy (no metadata, at most 2048 px, and a thumbnail) in the
media bucket, which is all anybody is ever shown. An original that is missing, outside the
camera's prefix, too large, or whose hash differs from the event's yields no copy: its entry says
``verified: false`` (with the hash found, on a mismatch) and why. The alarm is raised either way.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from chalicelib.core import clients, observability
from chalicelib.core.config import get_settings
from chalicelib.core.timeutil import iso
from chalicelib.devices.topics import EVIDENCE_PREFIX

MAX_ORIGINAL_BYTES = 25 * 1024 * 1024
MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "AccessDenied", "404", "403"})
COPY_PREFIX = "photos/"


def camera_prefix(device_id: str) -> str:
    return f"{EVIDENCE_PREFIX}{device_id}/"


def collect(device_id: str, items: Iterable[Any]) -> list[dict[str, Any]]:
    """One evidence entry per listed original (``messages.Evidence``), copies made."""
    return [_entry(device_id, item) for item in items]


def _entry(device_id: str, item: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"s3_key": item.s3_key, "sha256": item.sha256,
                             "captured_at": iso(item.captured_at), "device_id": device_id,
                             "verified": False}
    if not item.s3_key.startswith(camera_prefix(device_id)):
        return _problem(entry, "foreign_key")
    from botocore.exceptions import ClientError

    try:
        original = clients.s3().get_object(Bucket=get_settings().evidence_bucket,
                                           Key=item.s3_key)
    except ClientError as err:
        # Without s3:ListBucket a missing key answers AccessDenied; no S3 failure may hold up
        # the alarm, so any is recorded instead of retried.
        code = str(err.response.get("Error", {}).get("Code"))
        return _problem(entry, "missing" if code in MISSING else "unreadable")
    if int(original.get("ContentLength") or 0) > MAX_ORIGINAL_BYTES:
        original["Body"].close()
        return _problem(entry, "too_large")
    data = original["Body"].read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != item.sha256:
        entry["actual_sha256"] = actual
        return _problem(entry, "sha256_mismatch")
    entry["verified"] = True
    return _strip(entry, data, original.get("ContentType"))


def _strip(entry: dict[str, Any], data: bytes, content_type: str | None) -> dict[str, Any]:
    from chalicelib.tickets import images

    try:
        processed = images.process_image(data, content_type)
    except images.ImageRejectedError as err:
        return _problem(entry, err.reason)
    s3 = clients.s3()
    media = get_settings().media_bucket
    for name, rendition in (("display", processed.display), ("thumbnail", processed.thumbnail)):
        key = f"{COPY_PREFIX}{rendition.sha256}.jpg"
        s3.put_object(Bucket=media, Key=key, Body=rendition.data,
                      ContentType=rendition.content_type)
        entry[f"{name}_key"] = key
    entry["width"], entry["height"] = processed.display.width, processed.display.height
    return entry


def _problem(entry: dict[str, Any], problem: str) -> dict[str, Any]:
    entry["problem"] = problem
    observability.add_metric("DeviceEvidenceUnverified" if problem in (
        "foreign_key", "missing", "unreadable", "too_large", "sha256_mismatch")
        else "DeviceEvidenceRejected")
    observability.logger().warning("device evidence not shown", extra={
        "device_id": entry["device_id"], "s3_key": entry["s3_key"], "problem": problem})
    return entry
