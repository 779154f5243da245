"""Integration tier: the Chalice app under chalice.test.Client, AWS emulated by moto."""
from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.core import clients, config
from chalicelib.core.db import reset_connections
from chalicelib.identity import tokens as auth
from chalicelib.identity.caller import Caller
from tests.tokens import Issuer, new_key

ADMIN = Caller(user_id="seed-admin", name="seed", phone=None, roles=frozenset({"admin"}),
               community_id=None)


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    iss = Issuer(os.environ["AUTH_ISSUER"], os.environ["AUTH_AUDIENCE"], new_key())
    url, server = iss.serve_jwks()
    os.environ["AUTH_JWKS_URL"] = url
    yield iss
    server.shutdown()


def _reset() -> None:
    config.reset()
    clients.reset()
    auth.reset()
    reset_connections()


@pytest.fixture
def aws(issuer: Issuer) -> Iterator[dict[str, Any]]:
    from infra.local import provision

    with mock_aws():
        _reset()
        settings = config.get_settings()
        provision.create_tables(boto3.client("dynamodb"), settings)
        provision.create_buckets(boto3.client("s3"), settings)
        queue_url = provision.create_photo_queue(boto3.client("sqs"), boto3.client("s3"), settings)
        provision.create_escalation_workflow(
            boto3.client("stepfunctions"), settings.escalation_state_machine_arn.split(":")[-1],
            "arn:aws:lambda:us-east-1:123456789012:function:fanglin-test-escalation",
            "arn:aws:iam::123456789012:role/fanglin-test-escalation")
        yield {"settings": settings, "queue_url": queue_url}
    _reset()


@pytest.fixture
def world(aws: dict[str, Any]) -> dict[str, Any]:
    """Two communities: jinxiu (two estates of one company, two grids) and longxing."""
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory

    directory.create_community(ADMIN, d.NewCommunity(
        community_id="jinxiu", name="锦绣社区", street_id="xinqiao", street_name="新桥街道"))
    directory.create_community(ADMIN, d.NewCommunity(
        community_id="longxing", name="龙兴社区", street_id="other-street"))
    directory.create_street(ADMIN, d.NewStreet(street_id="xinqiao", name="新桥街道",
                                               staff=["jiedao"]))
    directory.create_company(ADMIN, d.NewCompany(company_id="lvyin", name="绿茵物业",
                                                 staff=["wuye"]))
    directory.create_company(ADMIN, d.NewCompany(company_id="other", name="Other",
                                                 staff=["wuye2"]))
    directory.create_estate(ADMIN, "jinxiu", d.NewEstate(estate_id="huayuan", name="锦绣花园",
                                                         company_id="lvyin"))
    directory.create_estate(ADMIN, "jinxiu", d.NewEstate(estate_id="mingju", name="锦绣名居",
                                                         company_id="other"))
    directory.create_estate(ADMIN, "longxing", d.NewEstate(estate_id="lx1", name="龙兴小区",
                                                           company_id="other"))
    directory.add_buildings(ADMIN, "huayuan", d.BuildingBatch(buildings=[
        d.NewBuilding(building_id="b1", name="1号楼"),
        d.NewBuilding(building_id="b2", name="2号楼")]))
    directory.add_buildings(ADMIN, "mingju", d.BuildingBatch(buildings=[
        d.NewBuilding(building_id="m1", name="1幢")]))
    directory.add_buildings(ADMIN, "lx1", d.BuildingBatch(buildings=[
        d.NewBuilding(building_id="x1", name="X1")]))
    directory.import_units(ADMIN, "huayuan", d.UnitBatch(units=[
        d.NewUnit(unit_id="b1-101", building="b1", area_m2=88.5, owners=["lin"]),
        d.NewUnit(unit_id="b1-102", building="b1", area_m2=92, owners=["wang"],
                  residents=["huang"]),
        d.NewUnit(unit_id="b2-101", building="b2", area_m2=120, developer_unsold=True),
    ]))
    directory.import_units(ADMIN, "mingju", d.UnitBatch(units=[
        d.NewUnit(unit_id="m1-101", building="m1", area_m2=70, owners=["zhao"])]))
    directory.import_units(ADMIN, "lx1", d.UnitBatch(units=[
        d.NewUnit(unit_id="x1-101", building="x1", area_m2=60, owners=["zhang"])]))
    directory.create_grid(ADMIN, "jinxiu", d.NewGrid(
        grid_id="g1", name="第一网格", workers=["grid1"],
        buildings=[d.GridBuilding(estate_id="huayuan", building_id="b1")]))
    directory.create_grid(ADMIN, "jinxiu", d.NewGrid(
        grid_id="g2", name="第二网格", workers=["grid2"],
        buildings=[d.GridBuilding(estate_id="huayuan", building_id="b2"),
                   d.GridBuilding(estate_id="mingju", building_id="m1")]))
    return aws


USERS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "lin": (("resident", "owner"), "jinxiu", "林小梅"),
    "huang": (("resident",), "jinxiu", "黄大伟"),
    "zhao": (("resident", "owner"), "jinxiu", "赵一"),
    "wuye": (("property",), "jinxiu", "物业小王"),
    "wuye2": (("property",), "jinxiu", "别家物业"),
    "grid1": (("grid",), "jinxiu", "网格员一"),
    "grid2": (("grid",), "jinxiu", "网格员二"),
    "chen": (("community",), "jinxiu", "陈主任"),
    "jiedao": (("street",), "jinxiu", "街道办"),
    "admin": (("admin",), None, "管理员"),
    "zhang": (("resident", "owner"), "longxing", "张三"),
    "longxing_staff": (("community",), "longxing", "龙兴社区"),
    "zhou": (("resident", "owner"), "jinxiu", "周"),
    "li": (("resident", "owner"), "jinxiu", "李"),
}


class Api:
    """chalice.test.Client with a token per seeded user."""

    def __init__(self, client: Client, issuer: Issuer) -> None:
        self.client = client
        self.issuer = issuer

    def headers(self, user: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            roles, community, name = USERS[user]
            headers["Authorization"] = "Bearer " + self.issuer.token(user, roles, community, name)
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, user: str | None = None, body: Any = None,
             headers: dict[str, str] | None = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(
            path, headers=self.headers(user, headers), body=data)
        response.json = json.loads(response.body) if response.body and response.headers.get(
            "Content-Type", "").startswith("application/json") else None
        return response

    def get(self, path: str, user: str | None = None, **kw: Any) -> Any:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: str | None = None, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, user, body, **kw)


@pytest.fixture
def api(world: dict[str, Any], issuer: Issuer) -> Iterator[Api]:
    from app import app

    with Client(app) as client:
        yield Api(client, issuer)


def jpeg_bytes(size: tuple[int, int] = (64, 48), gps: bool = False) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (24.0, 30.0, 0.0), 3: "E", 4: (117.0, 39.0, 0.0)}
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def new_ticket(api: Api, user: str = "lin", **overrides: Any) -> dict[str, Any]:
    body = {"category": "public_area", "description": "楼道堆放杂物",
            "location": {"estate_id": "huayuan", "building": "b1"}}
    body.update(overrides)
    response = api.post("/tickets", user, body)
    assert response.status_code == 201, response.body
    return response.json  # type: ignore[no-any-return]
