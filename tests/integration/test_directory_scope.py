"""Nobody raises their own access (SPEC 2): the token's community claim grants nothing by itself;
what a caller reaches comes from the directory (homes, office, company, grid, street)."""
from __future__ import annotations

from typing import Any

import boto3

from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller
from tests.integration.conftest import Api

ESTATE = {"estate_id": "e-new", "name": "新小区", "company_id": "lvyin"}


def bearer(api: Api, user: str, roles: tuple[str, ...], community: str | None) -> dict[str, str]:
    return {"Authorization": "Bearer " + api.issuer.token(user, roles, community, user)}


def add_pool_user(aws: dict[str, Any], username: str) -> None:
    boto3.client("cognito-idp").admin_create_user(
        UserPoolId=aws["user_pool_id"], Username=username, MessageAction="SUPPRESS")


def caller(user: str, roles: tuple[str, ...], community: str | None) -> Caller:
    return Caller(user_id=user, name=user, phone=None, roles=frozenset(roles),
                  community_id=community)


def test_a_resident_claiming_another_community_sees_only_their_own(api: Api) -> None:
    forged = bearer(api, "lin", ("resident", "owner"), "longxing")
    assert api.get("/communities/longxing", headers=forged).status_code == 404
    assert api.get("/communities/longxing/categories", headers=forged).status_code == 404
    assert api.get("/communities/jinxiu", headers=forged).status_code == 200
    assert api.get("/me", headers=forged).json["community_id"] == "jinxiu"


def test_a_claim_alone_reaches_nothing(api: Api) -> None:
    nobody = bearer(api, "stranger", ("resident",), "jinxiu")
    assert api.get("/communities/jinxiu", headers=nobody).status_code == 404
    assert api.get("/me", headers=nobody).json["community_id"] is None


def test_community_staff_without_membership_reach_nothing(api: Api) -> None:
    impostor = bearer(api, "impostor", ("community",), "jinxiu")
    assert api.get("/communities/jinxiu", headers=impostor).status_code == 404
    assert api.get("/communities/jinxiu/grids", headers=impostor).status_code == 404
    assert api.post("/communities/jinxiu/estates", body=ESTATE,
                    headers=impostor).status_code == 404
    assert api.post("/communities/jinxiu/grids", body={"grid_id": "g9", "name": "x"},
                    headers=impostor).status_code == 404
    assert api.post("/estates/huayuan/buildings", body={"buildings": [
        {"building_id": "b9", "name": "B9"}]}, headers=impostor).status_code == 404
    assert api.post("/estates/huayuan/units", body={"units": [
        {"unit_id": "u9", "building": "b1", "area_m2": 50}]}, headers=impostor).status_code == 404
    assert api.post("/communities/jinxiu/staff", body={"staff": ["impostor"]},
                    headers=impostor).status_code == 403
    assert api.get("/me", headers=impostor).json["community_id"] is None


def test_office_staff_claiming_another_community_keep_only_their_office(api: Api) -> None:
    chen_elsewhere = bearer(api, "chen", ("community",), "longxing")
    assert api.post("/communities/longxing/estates", body=ESTATE,
                    headers=chen_elsewhere).status_code == 404
    assert api.get("/communities/longxing", headers=chen_elsewhere).status_code == 404
    assert api.post("/communities/jinxiu/estates", body=ESTATE,
                    headers=chen_elsewhere).status_code == 201
    assert api.get("/me", headers=chen_elsewhere).json["community_id"] == "jinxiu"


def test_admins_add_office_staff(api: Api, aws: dict[str, Any]) -> None:
    add_pool_user(aws, "lxnew")
    assert api.post("/communities/longxing/staff", "chen", {"staff": ["lxnew"]}
                    ).status_code == 403
    assert api.post("/communities/nowhere/staff", "admin", {"staff": ["lxnew"]}
                    ).status_code == 404
    added = api.post("/communities/longxing/staff", "admin", {"staff": ["lxnew"]})
    assert added.status_code == 201
    assert added.json == {"community_id": "longxing", "staff": ["lxnew"]}
    lxnew = bearer(api, "lxnew", ("community",), None)
    assert api.post("/communities/longxing/estates", body=ESTATE, headers=lxnew
                    ).status_code == 201
    assert api.get("/communities/jinxiu", headers=lxnew).status_code == 404
    assert api.get("/me", headers=lxnew).json["community_id"] == "longxing"
    # the membership counts only for holders of the community role
    as_resident = bearer(api, "lxnew", ("resident",), "longxing")
    assert api.get("/communities/longxing", headers=as_resident).status_code == 404


def test_new_communities_take_their_office_staff(api: Api, aws: dict[str, Any]) -> None:
    add_pool_user(aws, "c3staff")
    created = api.post("/communities", "admin", {"community_id": "c3", "name": "三",
                                                 "staff": ["c3staff"]})
    assert created.status_code == 201
    staff = bearer(api, "c3staff", ("community",), "jinxiu")
    assert api.get("/communities/c3", headers=staff).status_code == 200
    assert api.get("/communities/jinxiu", headers=staff).status_code == 404


def test_scope_lists_verified_communities(world: dict[str, Any]) -> None:
    chen = directory.load_scope(caller("chen", ("community",), "longxing"))
    assert chen.staffed_communities == {"jinxiu"} and chen.communities == {"jinxiu"}
    assert chen.community_id == "jinxiu"
    assert chen.supervises_community("jinxiu") and not chen.supervises_community("longxing")
    lin = directory.load_scope(caller("lin", ("resident", "owner"), "longxing"))
    assert lin.communities == {"jinxiu"} and lin.staffed_communities == frozenset()
    assert lin.belongs_to_community("jinxiu") and not lin.belongs_to_community("longxing")
    assert not lin.supervises_community("jinxiu")
    wuye2 = directory.load_scope(caller("wuye2", ("property",), None))
    assert wuye2.communities == {"jinxiu", "longxing"} and wuye2.community_id is None
    wuye = directory.load_scope(caller("wuye", ("property",), None))
    assert wuye.communities == {"jinxiu"} and wuye.community_id == "jinxiu"
    grid1 = directory.load_scope(caller("grid1", ("grid",), "longxing"))
    assert grid1.communities == {"jinxiu"} and grid1.community_id == "jinxiu"
    jiedao = directory.load_scope(caller("jiedao", ("street",), "longxing"))
    assert jiedao.communities == {"jinxiu"} and jiedao.supervises_community("jinxiu")
    assert not jiedao.belongs_to_community("longxing")
    admin = directory.load_scope(caller("root", ("admin",), None))
    assert admin.supervises_community("longxing") and admin.community_id is None


def test_property_and_grid_staff_see_the_communities_they_work_in(api: Api) -> None:
    assert api.get("/communities/longxing", "wuye2").status_code == 200
    assert api.get("/communities/longxing", "wuye").status_code == 404
    assert api.get("/communities/jinxiu", "grid1").status_code == 200
    assert api.get("/communities/longxing", "jiedao").status_code == 404
