"""Integration tier: the Chalice app under chalice.test.Client, AWS emulated by moto."""
from __future__ import annotations

import copy
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.core import clients, config
from chalicelib.core.db import reset_connections
from chalicelib.identity import tokens as auth
from chalicelib.identity.caller import Caller
from infra.local import moto_speed
from tests.tokens import Issuer, new_key

moto_speed.install()

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


def create_user_pool(usernames: Iterable[str]) -> str:
    """A user pool holding ``usernames`` (existence is all the directory asks). Returns its id."""
    cognito = boto3.client("cognito-idp")
    pool_id = str(cognito.create_user_pool(PoolName="fanglin-test")["UserPool"]["Id"])
    for username in usernames:
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    return pool_id


class EmbeddedAws:
    """One moto account per test module, provisioned once. Each test starts from a snapshot of
    the DynamoDB tables (empty, or with the ``world`` directory), taken the first time it is
    asked for; the photo queue is emptied. Other services keep what earlier tests of the module
    left, under keys no other test uses."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self._snapshots: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _tables() -> dict[str, Any]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables  # type: ignore[no-any-return]

    @staticmethod
    def _empty_queues() -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        for queue in sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues.values():
            queue._messages = []
            queue._pending_messages = set()

    def _take(self) -> dict[str, Any]:
        return {name: copy.deepcopy(table.items) for name, table in self._tables().items()}

    def _put(self, snapshot: dict[str, Any]) -> None:
        for name, table in self._tables().items():
            table.items = copy.deepcopy(snapshot[name])
        self._empty_queues()
        config.reset()

    def start_from(self, name: str, build: Callable[[], None] | None = None) -> None:
        if name not in self._snapshots:
            self._put(self._snapshots["empty"])
            if build is not None:
                build()
            self._snapshots[name] = self._take()
        self._put(self._snapshots[name])

    def keep_empty(self) -> None:
        self._snapshots["empty"] = self._take()


@pytest.fixture(scope="module")
def embedded_aws(issuer: Issuer) -> Iterator[EmbeddedAws]:
    from infra.local import provision

    patch = pytest.MonkeyPatch()
    with mock_aws():
        patch.setenv("USER_POOL_ID", create_user_pool(USERS))
        _reset()
        settings = config.get_settings()
        provision.create_tables(boto3.client("dynamodb"), settings)
        provision.create_buckets(boto3.client("s3"), settings)
        queue_url = provision.create_photo_queue(boto3.client("sqs"), boto3.client("s3"), settings)
        provision.create_escalation_workflow(
            boto3.client("stepfunctions"), settings.escalation_state_machine_arn.split(":")[-1],
            "arn:aws:lambda:us-east-1:123456789012:function:fanglin-test-escalation",
            "arn:aws:iam::123456789012:role/fanglin-test-escalation")
        embedded = EmbeddedAws({"settings": settings, "queue_url": queue_url,
                                "user_pool_id": settings.user_pool_id})
        embedded.keep_empty()
        yield embedded
        patch.undo()
    _reset()


@pytest.fixture(autouse=True)
def fresh_tables(request: pytest.FixtureRequest) -> None:
    """Each test that uses AWS starts from the directory ``world`` when it asks for it, else from
    empty tables."""
    if "embedded_aws" not in request.fixturenames:
        return
    embedded: EmbeddedAws = request.getfixturevalue("embedded_aws")
    if "world" in request.fixturenames:
        embedded.start_from("world", build_world)
    else:
        embedded.start_from("empty")


@pytest.fixture
def aws(embedded_aws: EmbeddedAws) -> dict[str, Any]:
    """Provisioned AWS (its tables as ``fresh_tables`` left them)."""
    return embedded_aws.info


# Estates placed around Zhangzhou (WGS-84): huayuan and mingju about 400 m apart, lx1 further.
HUAYUAN_AT = {"lat": 24.5100, "lon": 117.6500}
MINGJU_AT = {"lat": 24.5100, "lon": 117.6540}
LX1_AT = {"lat": 24.5200, "lon": 117.6600}


def square(center: dict[str, float], half: float) -> Any:
    """A GeoJSON Polygon: the square of ``half`` degrees either side of ``center``."""
    from chalicelib.directory.schemas import Polygon

    lat, lon = center["lat"], center["lon"]
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return Polygon(type="Polygon", coordinates=[ring])


@pytest.fixture
def world(embedded_aws: EmbeddedAws) -> dict[str, Any]:
    """Two communities: jinxiu (two estates of one company, two grids; chen staffs its office)
    and longxing (longxing_staff), built once per module (``fresh_tables``)."""
    return embedded_aws.info


def build_world() -> None:
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory

    directory.create_community(ADMIN, d.NewCommunity(
        community_id="jinxiu", name="锦绣社区", street_id="xinqiao", street_name="新桥街道",
        staff=["chen"]))
    directory.create_community(ADMIN, d.NewCommunity(
        community_id="longxing", name="龙兴社区", street_id="other-street",
        staff=["longxing_staff"]))
    directory.create_street(ADMIN, d.NewStreet(street_id="xinqiao", name="新桥街道",
                                               staff=["jiedao"]))
    directory.create_company(ADMIN, d.NewCompany(company_id="lvyin", name="绿茵物业",
                                                 staff=["wuye"]))
    directory.create_company(ADMIN, d.NewCompany(company_id="other", name="Other",
                                                 staff=["wuye2"]))
    directory.create_estate(ADMIN, "jinxiu", d.NewEstate(
        estate_id="huayuan", name="锦绣花园", company_id="lvyin",
        location=d.Point(**HUAYUAN_AT), boundary=square(HUAYUAN_AT, 0.001)))
    directory.create_estate(ADMIN, "jinxiu", d.NewEstate(
        estate_id="mingju", name="锦绣名居", company_id="other",
        location=d.Point(**MINGJU_AT), boundary=square(MINGJU_AT, 0.001)))
    directory.create_estate(ADMIN, "longxing", d.NewEstate(
        estate_id="lx1", name="龙兴小区", company_id="other", location=d.Point(**LX1_AT)))
    directory.add_buildings(ADMIN, "huayuan", d.BuildingBatch(buildings=[
        d.NewBuilding(building_id="b1", name="1号楼",
                      location=d.Point(lat=24.5104, lon=117.6496)),
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


PHONES = {"lin": "+8613812345678", "huang": "+8613900001111"}


class Api:
    """chalice.test.Client with a token per seeded user."""

    def __init__(self, client: Client, issuer: Issuer) -> None:
        self.client = client
        self.issuer = issuer

    def headers(self, user: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            roles, community, name = USERS[user]
            headers["Authorization"] = "Bearer " + self.issuer.token(
                user, roles, community, name, phone_number=PHONES.get(user))
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
