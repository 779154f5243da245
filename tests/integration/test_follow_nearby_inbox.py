from tests.integration.conftest import new_ticket


def test_follow_is_idempotent_and_scoped(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    first = api.post(f"/tickets/{tid}/follow", "huang")
    assert first.status_code == 200 and first.json["followers"] == 2 and first.json["added"]
    again = api.post(f"/tickets/{tid}/follow", "huang")
    assert again.json["followers"] == 2 and not again.json["added"]
    assert api.post(f"/tickets/{tid}/follow", "zhang").status_code == 404
    assert api.post(f"/tickets/{tid}/follow", "wuye").status_code == 403
    assert api.get(f"/tickets/{tid}", "lin").json["followers"] == 2


def test_followers_hear_about_progress(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/follow", "huang")
    api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已修复"})
    for user in ("lin", "huang"):
        titles = [n["title"] for n in api.get("/me/inbox", user).json["items"]]
        assert titles[0] == "工单已办结：已修复" and len(titles) == 2
    assert api.get("/me/inbox", "zhang").json["items"] == []


def test_inbox_pages(api):
    for n in range(3):
        tid = new_ticket(api, description=f"n{n}")["ticket"]["ticket_id"]
        api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    first = api.get("/me/inbox?limit=2", "lin").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/me/inbox?limit=2&cursor={first['next_cursor']}", "lin").json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert api.get("/me/inbox?limit=0", "lin").status_code == 400
    assert api.get("/me/inbox", None).status_code == 401


def test_nearby_lists_open_tickets_the_caller_may_see(api):
    here = new_ticket(api)["ticket"]["ticket_id"]
    other_building = new_ticket(api, location={"estate_id": "huayuan", "building": "b2"})
    done = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{done}/resolve", "wuye", {"note": "ok"})
    private = new_ticket(api, location={"estate_id": "huayuan", "unit_id": "b1-101",
                                        "building": "b1"})["ticket"]["ticket_id"]
    found = api.get("/tickets/nearby?estate_id=huayuan&building=b1", "huang").json["items"]
    assert [t["ticket_id"] for t in found] == [here]
    everything = api.get("/tickets/nearby?estate_id=huayuan", "lin").json["items"]
    assert {t["ticket_id"] for t in everything} == {
        here, other_building["ticket"]["ticket_id"], private}
    assert api.get("/tickets/nearby?estate_id=huayuan&category=noise", "lin").json["items"] == []
    assert api.get("/tickets/nearby", "lin").status_code == 400
    assert api.get("/tickets/nearby?estate_id=huayuan", "zhang").json["items"] == []
