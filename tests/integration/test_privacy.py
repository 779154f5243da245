"""SPEC 10: who sees a reporter's identity, walked viewer by viewer over an ordinary and an
anonymous ticket, in the ticket body, its timeline, lists, inbox and Open311; the audit log of
staff reads; export and erasure; a duplicate merged into a private ticket leaks nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.tickets import escalation
from tests.integration.conftest import Api, new_ticket

FULL = {"user_id": "lin", "name": "林小梅", "phone": "+8613812345678"}
MASKED = {"name": "林**", "phone": "138****5678"}
MASKED_NAME = {"name": "林**"}
# viewer: (ordinary ticket, anonymous ticket) at level 0
TABLE: dict[str, tuple[dict[str, str] | None, dict[str, str] | None]] = {
    "lin": (FULL, FULL),
    "wuye": (FULL, None),
    "chen": (FULL, FULL),
    "jiedao": (MASKED, None),
    "grid1": (MASKED, None),
    "admin": (MASKED, None),
    "huang": (MASKED_NAME, None),
}


@pytest.fixture
def tickets(api: Api) -> dict[str, str]:
    ordinary = new_ticket(api)["ticket"]["ticket_id"]
    anonymous = new_ticket(api, anonymous=True)["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{ordinary}/comments", "huang", {"message": "我也遇到"}
                    ).status_code == 201
    return {"ordinary": ordinary, "anonymous": anonymous}


def reporter(body: dict[str, Any]) -> dict[str, str] | None:
    return body.get("reporter")


def created_actor(body: dict[str, Any]) -> dict[str, Any]:
    return next(e["actor"] for e in body["timeline"] if e["action"] == "created")


def listed(api: Api, user: str, ticket_id: str) -> dict[str, Any]:
    query = "?community_id=jinxiu" if user in ("admin", "chen") else ""
    items = api.get(f"/tickets{query}", user).json["items"]
    return next(i for i in items if i["ticket_id"] == ticket_id)


@pytest.mark.parametrize("viewer", sorted(TABLE))
def test_the_table_holds_in_body_timeline_and_lists(api: Api, tickets: dict[str, str],
                                                    viewer: str) -> None:
    for kind, expected in zip(("ordinary", "anonymous"), TABLE[viewer], strict=True):
        ticket_id = tickets[kind]
        body = api.get(f"/tickets/{ticket_id}", viewer).json
        assert reporter(body) == expected, (viewer, kind)
        actor = created_actor(body)
        assert {k: v for k, v in actor.items() if k != "role"} == (
            {k: v for k, v in (expected or {}).items() if k != "phone"}), (viewer, kind)
        assert reporter(listed(api, viewer, ticket_id)) == expected, (viewer, kind)
        if expected is None:
            assert "林小梅" not in json.dumps(body, ensure_ascii=False)
            assert "lin" not in json.dumps(body.get("timeline"))


def test_a_neighbours_comment_is_masked_for_other_residents(api: Api,
                                                            tickets: dict[str, str]) -> None:
    def commenter(user: str) -> dict[str, Any]:
        body = api.get(f"/tickets/{tickets['ordinary']}", user).json
        return next(e["actor"] for e in body["timeline"] if e["action"] == "comment")

    assert commenter("lin") == {"role": "resident", "name": "黄**"}
    assert commenter("grid1") == {"role": "resident", "name": "黄**"}
    assert commenter("wuye") == {"role": "resident", "user_id": "huang", "name": "黄大伟"}
    assert commenter("huang") == {"role": "resident", "user_id": "huang", "name": "黄大伟"}


def test_street_staff_see_the_reporter_once_the_ticket_reaches_level_2(
        api: Api, tickets: dict[str, str]) -> None:
    later = datetime.now(timezone.utc)
    for ticket_id in tickets.values():
        for _ in range(2):
            later += timedelta(days=30)
            escalation.advance(ticket_id, later)
    for ticket_id in tickets.values():
        body = api.get(f"/tickets/{ticket_id}", "jiedao").json
        assert body["sla"]["level"] == 2
        assert reporter(body) == FULL


def test_no_identity_reaches_an_inbox_or_open311(api: Api, tickets: dict[str, str]) -> None:
    for ticket_id in tickets.values():
        assert api.post(f"/tickets/{ticket_id}/acknowledge", "wuye", {"note": "收到"}
                        ).status_code == 200
    for viewer in TABLE:
        inbox = json.dumps(api.get("/me/inbox", viewer).json, ensure_ascii=False)
        assert "林小梅" not in inbox and "13812345678" not in inbox
        answer = api.get(f"/open311/v2/requests/{tickets['anonymous']}.json", viewer)
        if answer.status_code == 200:
            assert "林小梅" not in json.dumps(answer.json, ensure_ascii=False)


def test_staff_reads_of_unmasked_data_are_audited_for_admins(api: Api,
                                                             tickets: dict[str, str]) -> None:
    api.get(f"/tickets/{tickets['ordinary']}", "wuye")
    api.get(f"/tickets/{tickets['anonymous']}", "chen")
    api.get(f"/tickets/{tickets['ordinary']}", "huang")
    day = datetime.now(timezone.utc).date().isoformat()
    assert api.get(f"/audit?date={day}", "chen").status_code == 403
    items = api.get(f"/audit?date={day}", "admin").json["items"]
    reads = {(i["reader_id"], i["ref_id"], i["anonymous"]) for i in items}
    assert ("wuye", tickets["ordinary"], False) in reads
    assert ("chen", tickets["anonymous"], True) in reads
    assert not any(i["reader_id"] in ("huang", "lin") for i in items)
    assert all(i["subject_id"] == "lin" for i in items)


def test_export_then_erasure(api: Api, tickets: dict[str, str]) -> None:
    api.get(f"/tickets/{tickets['ordinary']}", "wuye")
    export = api.get("/me/export", "lin").json
    assert {t["ticket_id"] for t in export["tickets_reported"]} == set(tickets.values())
    assert export["profile"]["user_id"] == "lin"
    reads = export["reads_of_my_data"]
    assert any(r["reader_roles"] == ["property"] for r in reads)
    assert "wuye" not in json.dumps(reads), "a resident sees who read by role, not by name"
    erased = api.call("DELETE", "/me", "lin")
    assert erased.status_code == 200 and erased.json["tickets_anonymised"] == 2
    body = api.get(f"/tickets/{tickets['ordinary']}", "wuye").json
    assert "reporter" not in body
    assert "林小梅" not in json.dumps(body, ensure_ascii=False)
    assert api.get("/me/export", "lin").json["tickets_reported"] == []
    comment = api.get("/me/export", "huang").json["timeline_entries"]
    assert [e["note"] for e in comment] == ["我也遇到"]
    again = api.call("DELETE", "/me", "lin")
    assert again.status_code == 200 and again.json["tickets_anonymised"] == 0


def test_a_duplicate_merged_into_a_private_ticket_tells_its_followers_nothing(api: Api) -> None:
    private = new_ticket(api, location={"estate_id": "huayuan", "building": "b1",
                                        "unit_id": "b1-101"})["ticket"]["ticket_id"]
    public = new_ticket(api, "huang")["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{public}/duplicate", "wuye", {"duplicate_of": private}
                    ).status_code == 200
    assert api.post(f"/tickets/{private}/resolve", "wuye", {"note": "户内水管已修复"}
                    ).status_code == 200
    inbox = api.get("/me/inbox", "huang").json["items"]
    assert all(n["ticket_id"] != private for n in inbox)
    assert "户内水管" not in json.dumps(inbox, ensure_ascii=False)
    assert api.get(f"/tickets/{private}", "huang").status_code == 404


def test_acting_staff_are_audited_and_stay_attributed_after_erasure(
        api: Api, tickets: dict[str, str]) -> None:
    assert api.post(f"/tickets/{tickets['ordinary']}/acknowledge", "wuye", {"note": "收到"}
                    ).status_code == 200
    day = datetime.now(timezone.utc).date().isoformat()
    reads = api.get(f"/audit?date={day}", "admin").json["items"]
    assert ("wuye", tickets["ordinary"]) in {(i["reader_id"], i["ref_id"]) for i in reads}
    assert api.call("DELETE", "/me", "wuye").status_code == 200
    timeline = api.get(f"/tickets/{tickets['ordinary']}", "chen").json["timeline"]
    [ack] = [e for e in timeline if e["action"] == "acknowledge"]
    assert ack["actor"]["user_id"] == "wuye"
