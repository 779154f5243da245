import boto3

ESTATE = {"estate_id": "newestate", "name": "新小区", "company_id": "lvyin"}


def test_me_lists_units_and_roles(api):
    me = api.get("/me", "lin").json
    assert me["user_id"] == "lin" and me["roles"] == ["owner", "resident"]
    assert me["community_id"] == "jinxiu"
    assert me["units"] == [{"unit_id": "b1-101", "estate_id": "huayuan", "building": "b1",
                            "relation": "owner"}]
    assert api.get("/me", "huang").json["units"][0]["relation"] == "resident"
    assert api.get("/me", None).status_code == 401


def test_community_view_for_members_only(api):
    view = api.get("/communities/jinxiu", "lin")
    assert view.status_code == 200
    body = view.json
    assert {e["estate_id"] for e in body["estates"]} == {"huayuan", "mingju"}
    huayuan = next(e for e in body["estates"] if e["estate_id"] == "huayuan")
    assert huayuan["property_company"] == {"company_id": "lvyin", "name": "绿茵物业"}
    assert {(b["estate_id"], b["building_id"], b["grid_id"]) for b in body["buildings"]} == {
        ("huayuan", "b1", "g1"), ("huayuan", "b2", "g2"), ("mingju", "m1", "g2")}
    assert {g["grid_id"] for g in body["grids"]} == {"g1", "g2"}
    assert api.get("/communities/jinxiu", "zhang").status_code == 404
    assert api.get("/communities/jinxiu", "jiedao").status_code == 200
    assert api.get("/communities/nowhere", "admin").status_code == 404


def test_categories(api):
    items = api.get("/communities/jinxiu/categories", "lin").json["items"]
    assert items[0] == {"code": "water_electric", "zh": "水电报修", "en": "Water and electricity"}
    assert len(items) == 8
    assert api.get("/communities/jinxiu/categories", "zhang").status_code == 404


def test_community_creation_is_for_admins(api):
    body = {"community_id": "newc", "name": "新社区", "categories": [
        {"code": "elevator", "zh": "电梯", "en": "Lifts"}]}
    assert api.post("/communities", "chen", body).status_code == 403
    created = api.post("/communities", "admin", body)
    assert created.status_code == 201
    assert api.post("/communities", "admin", body).status_code == 409
    bad_zone = api.post("/communities", "admin", body | {"community_id": "x", "timezone": "Mars/X"})
    assert bad_zone.status_code == 400


def test_estate_creation_by_community_staff(api):
    assert api.post("/communities/jinxiu/estates", "chen", ESTATE).status_code == 201
    assert api.post("/communities/jinxiu/estates", "chen", ESTATE).status_code == 409
    assert api.post("/communities/longxing/estates", "chen", ESTATE | {"estate_id": "e2"}
                    ).status_code == 404
    assert api.post("/communities/jinxiu/estates", "wuye", ESTATE | {"estate_id": "e3"}
                    ).status_code == 403
    unknown = api.post("/communities/jinxiu/estates", "chen", ESTATE | {"estate_id": "e4",
                                                                       "company_id": "ghost"})
    assert unknown.status_code == 400


def test_company_staff_get_the_estates_scope(api):
    api.post("/companies", "admin", {"company_id": "newco", "name": "新物业", "staff": ["wuye2"]})
    api.post("/communities/jinxiu/estates", "chen", ESTATE | {"company_id": "newco"})
    api.post("/estates/newestate/buildings", "chen", {"buildings": [{"building_id": "n1",
                                                                     "name": "N1"}]})
    api.post("/estates/newestate/units", "chen", {"units": [
        {"unit_id": "n1-1", "building": "n1", "area_m2": 50, "owners": ["lin"]}]})
    created = api.post("/tickets", "lin", {"category": "noise", "description": "吵",
                                           "location": {"estate_id": "newestate"}})
    assert created.status_code == 201
    tid = created.json["ticket"]["ticket_id"]
    assert api.get(f"/tickets/{tid}", "wuye2").status_code == 200
    assert api.get(f"/tickets/{tid}", "wuye").status_code == 404


def test_units_import_json_and_csv(api, aws):
    csv_body = (b"unit_id,building,area_m2,owners,residents,developer_unsold\n"
                b"b2-201,b2,101.5,li;zhou,,false\n"
                b"b2-202,b2,99,,,true\n")
    response = api.post("/estates/huayuan/units", "chen", raw=csv_body,
                        headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.body
    assert api.get("/me", "zhou").json["units"][0]["unit_id"] == "b2-201"
    moved = api.post("/estates/huayuan/units", "chen", {"units": [
        {"unit_id": "b2-201", "building": "b2", "area_m2": 101.5, "owners": ["li"]}]})
    assert moved.status_code == 201
    assert api.get("/me", "zhou").json["units"] == []
    assert api.get("/me", "li").json["units"][0]["unit_id"] == "b2-201"


def test_bad_unit_imports(api, aws):
    table = aws["settings"].table_name
    before = boto3.client("dynamodb").scan(TableName=table)["Count"]
    cases = [
        (b"unit_id,building\nx,b1\n", "text/csv"),
        (b"unit_id,building,area_m2\nx,b1,big\n", "text/csv"),
        (b"unit_id,building,area_m2,colour\nx,b1,1,red\n", "text/csv"),
        (b"unit_id,building,area_m2\nx,nowhere,10\n", "text/csv"),
        (b'{"units": [{"unit_id": "x", "building": "b1", "area_m2": -1}]}', "application/json"),
        (b'{"units": []}', "application/json"),
    ]
    for raw, content_type in cases:
        response = api.post("/estates/huayuan/units", "chen", raw=raw,
                            headers={"Content-Type": content_type})
        assert response.status_code == 400, (raw, response.body)
    assert boto3.client("dynamodb").scan(TableName=table)["Count"] == before
    assert api.post("/estates/huayuan/units", "lin", {"units": [
        {"unit_id": "x", "building": "b1", "area_m2": 1}]}).status_code == 403
    assert api.post("/estates/lx1/units", "chen", {"units": [
        {"unit_id": "x", "building": "x1", "area_m2": 1}]}).status_code == 404


def test_grids(api):
    listed = api.get("/communities/jinxiu/grids", "chen").json["items"]
    assert {g["grid_id"] for g in listed} == {"g1", "g2"}
    assert api.get("/communities/jinxiu/grids", "lin").status_code == 403
    created = api.post("/communities/jinxiu/grids", "chen", {
        "grid_id": "g3", "name": "第三网格", "workers": ["grid2"],
        "buildings": [{"estate_id": "huayuan", "building_id": "b2"}]})
    assert created.status_code == 201
    assert api.post("/communities/jinxiu/grids", "chen", {"grid_id": "g3", "name": "x"}
                    ).status_code == 409
    foreign = api.post("/communities/jinxiu/grids", "chen", {
        "grid_id": "g4", "name": "x", "buildings": [{"estate_id": "lx1", "building_id": "x1"}]})
    assert foreign.status_code == 400
    assert foreign.json["details"] == [{"field": "buildings.0",
                                        "message": "no building x1 in estate lx1 of jinxiu"}]
    assert {g["grid_id"] for g in api.get("/communities/jinxiu/grids", "chen").json["items"]} \
        == {"g1", "g2", "g3"}


def test_answers_of_the_merged_blueprint(api):
    assert api.get("/me", "chen").json["community_id"] == "jinxiu"
    assert api.get("/communities/jinxiu/categories", "chen").status_code == 200
    created = api.post("/communities", "admin", {"community_id": "c2", "name": "二",
                                                 "staff": ["longxing_staff"]})
    assert created.status_code == 201
    assert created.json == {"community_id": "c2", "name": "二", "staff": ["longxing_staff"]}
    street = api.post("/streets", "admin", {"street_id": "s2", "name": "二街", "staff": ["jiedao"]})
    assert street.json == {"street_id": "s2", "name": "二街", "staff": ["jiedao"]}
    estate = api.post("/communities/jinxiu/estates", "chen", ESTATE)
    assert estate.json == {"estate_id": "newestate", "community_id": "jinxiu", "name": "新小区",
                           "company_id": "lvyin"}
    added = api.post("/estates/newestate/buildings", "chen", {"buildings": [
        {"building_id": "n1", "name": "N1"}, {"building_id": "n2", "name": "N2"}]})
    assert added.json == {"estate_id": "newestate", "buildings": 2}
    listed = api.get("/communities/jinxiu/grids", "grid1").json
    assert {g["grid_id"]: g["workers"] for g in listed["items"]} == {"g1": ["grid1"],
                                                                      "g2": ["grid2"]}


def test_updating_buildings_keeps_their_grid(api):
    again = api.post("/estates/huayuan/buildings", "chen", {"buildings": [
        {"building_id": "b1", "name": "1号楼(新)"}]})
    assert again.status_code == 201
    buildings = {b["building_id"]: b for b in api.get("/communities/jinxiu", "chen").json[
        "buildings"]}
    assert buildings["b1"]["name"] == "1号楼(新)" and buildings["b1"]["grid_id"] == "g1"
    moved = api.post("/estates/huayuan/buildings", "chen", {"buildings": [
        {"building_id": "b1", "name": "1号楼", "grid_id": "g2"}]})
    assert moved.status_code == 201
    buildings = {b["building_id"]: b for b in api.get("/communities/jinxiu", "chen").json[
        "buildings"]}
    assert buildings["b1"]["grid_id"] == "g2"
