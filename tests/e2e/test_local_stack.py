"""The local stack end to end: a resident reports a problem with a phone photo, the photo
pipeline (S3 → SQS → poller → Lambda handler) strips it, staff handle the ticket, scopes hold,
and the token command works. That Ctrl-C stops everything cleanly is checked when the shared
stack stops (``tests/e2e/conftest.py``)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw

from tests.e2e.conftest import ROOT, LocalStack, poll

pytestmark = pytest.mark.e2e

ESTATE = "jinxiu-huayuan"
GPS_IFD = 0x8825
PHOTO_TIMEOUT_S = 30


def gps_jpeg() -> bytes:
    """A phone-like JPEG whose EXIF carries a GPS position (Zhangzhou)."""
    image = Image.new("RGB", (1600, 1200), (90, 140, 200))
    ImageDraw.Draw(image).rectangle((200, 200, 900, 700), fill=(220, 60, 40))
    exif = Image.Exif()
    exif[0x010F] = "FanglinPhone"
    exif[GPS_IFD] = {1: "N", 2: (24.0, 30.0, 0.0), 3: "E", 4: (117.0, 39.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def gps_of(data: bytes) -> dict[int, Any]:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD))


def upload(slot: dict[str, Any], data: bytes, filename: str = "photo.jpg") -> None:
    """The presigned POST exactly as a phone sends it: the slot's fields, then the file."""
    form = {**slot["fields"], "Content-Type": "image/jpeg"}
    response = requests.post(slot["url"], data=form,
                             files={"file": (filename, data, "image/jpeg")}, timeout=10)
    assert response.status_code in (200, 201, 204), response.text


def photo(stack: LocalStack, user: str, ticket_id: str, photo_id: str) -> dict[str, Any]:
    response = stack.session(user).get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 200, response.text
    return next(p for p in response.json()["photos"] if p["photo_id"] == photo_id)


def settled(p: dict[str, Any]) -> bool:
    return p["status"] != "pending"


@pytest.fixture(scope="module")
def report(stack: LocalStack) -> dict[str, Any]:
    body = {"category": "public_area", "description": "3楼楼道堆满杂物，影响通行",
            "location": {"estate_id": ESTATE, "building": "1", "text": "1号楼3楼楼道"},
            "photos": 1}
    response = stack.session("lin").post(stack.url("/tickets"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert created["ticket"]["status"] == "submitted"
    assert len(created["uploads"]) == 1
    return created


@pytest.fixture(scope="module")
def ticket_id(report: dict[str, Any]) -> str:
    return str(report["ticket"]["ticket_id"])


def test_ready_line_names_addresses(stack: LocalStack) -> None:
    assert stack.ready["api"] == f"http://127.0.0.1:{stack.api_port}"
    assert stack.ready["aws"] == f"http://127.0.0.1:{stack.aws_port}"
    assert stack.ready["user_pool_id"] and stack.ready["app_client_id"]


def test_missing_token_gets_401(stack: LocalStack) -> None:
    response = stack.session(None).get(stack.url("/tickets"), timeout=10)
    assert response.status_code == 401


def test_photo_uploaded_by_presigned_post_is_stripped(stack: LocalStack, report: dict[str, Any],
                                                      ticket_id: str) -> None:
    source = gps_jpeg()
    assert gps_of(source)[1] == "N"
    slot = report["uploads"][0]
    upload(slot, source)
    ready = poll(lambda: photo(stack, "lin", ticket_id, slot["photo_id"]), settled,
                 PHOTO_TIMEOUT_S)
    assert ready["status"] == "ready", ready
    for url in (ready["url"], ready["thumbnail_url"]):
        data = requests.get(url, timeout=10).content
        assert data[:3] == b"\xff\xd8\xff"
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert gps_of(data) == {}
        assert b"Exif\x00\x00" not in data
    assert max(Image.open(io.BytesIO(requests.get(ready["thumbnail_url"], timeout=10)
                                     .content)).size) <= 320


def test_non_image_upload_is_rejected(stack: LocalStack, ticket_id: str) -> None:
    response = stack.session("lin").post(stack.url(f"/tickets/{ticket_id}/photos"), json={},
                                         timeout=10)
    assert response.status_code == 201, response.text
    slot = response.json()
    upload(slot, b"#!/bin/sh\necho this is not a photo\n" * 20, "photo.jpg")
    rejected = poll(lambda: photo(stack, "lin", ticket_id, slot["photo_id"]), settled,
                    PHOTO_TIMEOUT_S)
    assert rejected["status"] == "rejected"
    assert rejected["reason"]
    assert rejected["url"] is None


def test_property_staff_handle_the_ticket_and_reporter_closes(stack: LocalStack,
                                                              ticket_id: str) -> None:
    wuye = stack.session("wuye")
    listed = wuye.get(stack.url("/tickets"), params={"estate_id": ESTATE}, timeout=10)
    assert listed.status_code == 200, listed.text
    assert ticket_id in [t["ticket_id"] for t in listed.json()["items"]]

    steps = [("acknowledge", {"note": "已收到，今天下午安排清理"}, 200),
             ("comments", {"message": "保洁已到场"}, 201),
             ("resolve", {"note": "杂物已清理完毕"}, 200)]
    for action, body, status in steps:
        response = wuye.post(stack.url(f"/tickets/{ticket_id}/{action}"), json=body, timeout=10)
        assert response.status_code == status, (action, response.text)

    closed = stack.session("lin").post(stack.url(f"/tickets/{ticket_id}/close"),
                                       json={"rating": 5, "comment": "很及时，谢谢"}, timeout=10)
    assert closed.status_code == 200, closed.text
    view = stack.session("lin").get(stack.url(f"/tickets/{ticket_id}"), timeout=10).json()
    assert view["status"] == "closed"
    assert view["rating"] == 5
    actions = [e["action"] for e in view["timeline"]]
    wanted = ["created", "acknowledge", "comment", "resolve", "close"]
    assert [a for a in actions if a in wanted] == wanted, actions


def test_neighbour_sees_public_ticket(stack: LocalStack, ticket_id: str) -> None:
    response = stack.session("huang").get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["ticket_id"] == ticket_id


@pytest.mark.parametrize("user", ["grid1", "chen", "jiedao", "admin"])
def test_seeded_staff_of_the_area_see_the_ticket(stack: LocalStack, ticket_id: str,
                                                 user: str) -> None:
    response = stack.session(user).get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 200, (user, response.text)


def test_seeded_directory(stack: LocalStack) -> None:
    me = stack.session("lin").get(stack.url("/me"), timeout=10).json()
    assert me["roles"] == ["owner", "resident"]
    assert {"unit_id": "1-101", "estate_id": ESTATE, "building": "1"}.items() <= \
        me["units"][0].items()
    community = stack.session("huang").get(stack.url("/communities/jinxiu"), timeout=10)
    assert community.status_code == 200, community.text
    estates = {e["estate_id"] for e in community.json()["estates"]}
    assert estates == {"jinxiu-huayuan", "jinxiu-mingju"}


def test_other_community_gets_404(stack: LocalStack, ticket_id: str) -> None:
    response = stack.session("zhang").get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 404, response.text


def token_command(stack: LocalStack, username: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["AWS_PORT"] = str(stack.aws_port)
    return subprocess.run([sys.executable, "-m", "infra.local.token", username], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=30)


def test_token_command_prints_a_working_token(stack: LocalStack) -> None:
    result = token_command(stack, "lin")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].count(".") == 2
    me = requests.get(stack.url("/me"), headers={"Authorization": f"Bearer {lines[0]}"},
                      timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == "lin"

    unknown = token_command(stack, "nobody")
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert "nobody" in unknown.stderr
