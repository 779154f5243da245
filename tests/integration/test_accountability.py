"""SPEC 3.1: a response counts for the property company only when its own staff make it; grid
workers acknowledge and comment but do not resolve, reject or mark duplicates; the Open311
status note is a staff note."""
from __future__ import annotations

from chalicelib.tickets import store
from tests.integration.conftest import Api, new_ticket


def stats(api: Api) -> dict:
    return api.get("/communities/jinxiu/stats", "chen").json  # type: ignore[no-any-return]


def test_a_supervisor_acknowledging_does_not_stop_the_property_clock(api: Api) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    ack = api.post(f"/tickets/{tid}/acknowledge", "chen", {"note": "社区已关注"})
    assert ack.status_code == 200 and ack.json["status"] == "acknowledged"
    assert ack.json["sla"]["phase"] == "respond" and ack.json["sla"]["responded_in_time"] is None
    ticket = store.get_ticket(tid)
    assert ticket is not None and ticket.supervised and ticket.responded_in_time is None
    answered = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "物业已派人"})
    assert answered.status_code == 200
    assert answered.json["sla"]["phase"] == "resolve"
    assert answered.json["sla"]["responded_in_time"] is True
    assert api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已修好"}).status_code == 200
    body = stats(api)
    assert body["handled"] == 1 and body["resolved_under_supervision"] == 1
    assert body["resolved_by_property_in_time"] == 0


def test_grid_and_street_comments_mark_supervision_too(api: Api) -> None:
    for user in ("grid1", "jiedao"):
        tid = new_ticket(api)["ticket"]["ticket_id"]
        assert api.post(f"/tickets/{tid}/comments", user, {"message": "已到现场"}
                        ).status_code == 201
        ticket = store.get_ticket(tid)
        assert ticket is not None and ticket.supervised, user
        assert ticket.sla_phase == "respond" and ticket.responded_in_time is None


def test_the_property_company_answering_alone_counts_in_time(api: Api) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/comments", "wuye", {"message": "钥匙在门卫", "internal": True})
    api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已清理"})
    body = stats(api)
    assert body["resolved_by_property_in_time"] == 1 and body["resolved_under_supervision"] == 0


def test_grid_workers_acknowledge_and_comment_only(api: Api) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    other = new_ticket(api)["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{tid}/acknowledge", "grid1", {"note": "收到"}).status_code == 200
    assert api.post(f"/tickets/{tid}/comments", "grid1", {"message": "在跟进"}).status_code == 201
    assert api.post(f"/tickets/{tid}/resolve", "grid1", {"note": "好了"}).status_code == 403
    assert api.post(f"/tickets/{tid}/reject", "grid1", {"reason": "不是"}).status_code == 403
    assert api.post(f"/tickets/{tid}/duplicate", "grid1", {"duplicate_of": other}
                    ).status_code == 403
    assert api.get(f"/tickets/{tid}", "lin").json["status"] == "acknowledged"


def test_status_notes_are_staff_notes_only(api: Api) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已清理"})
    api.post(f"/tickets/{tid}/reopen", "lin", {"note": "还有垃圾没清走"})
    request = api.get(f"/open311/v2/requests/{tid}.json", "lin").json[0]
    assert request["status_notes"] == "已清理"
    assert api.get(f"/tickets/{tid}", "lin").json["latest_public_note"] == "已清理"
