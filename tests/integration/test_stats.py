"""Statistics: counters kept in the same transaction as each change tie out with a recount of
the tickets themselves, whatever the sequence of events."""
from datetime import datetime, timedelta, timezone

import boto3

from chalicelib.identity.caller import Caller
from chalicelib.tickets import escalation, store
from chalicelib.tickets.models import Ticket
from tests.integration.conftest import new_ticket

LIN = Caller("lin", "林小梅", None, frozenset({"resident", "owner"}), "jinxiu")
HUANG = Caller("huang", "黄大伟", None, frozenset({"resident"}), "jinxiu")
WUYE = Caller("wuye", "物业", None, frozenset({"property"}), "jinxiu")
CHEN = Caller("chen", "陈", None, frozenset({"community"}), "jinxiu")
FIGURES = ("handled", "resolved_by_property_in_time", "resolved_under_supervision", "open",
           "overdue_now", "escalated_open", "rejected", "duplicates", "ratings", "created")


def recount(group=lambda t: None):
    """The SPEC 3.3 figures recomputed from the tickets (tests may scan; the app never does)."""
    items = [Ticket.from_raw_data(i) for i in boto3.client("dynamodb").scan(
        TableName="fanglin-test", FilterExpression="sk = :t",
        ExpressionAttributeValues={":t": {"S": "TICKET"}})["Items"]]
    result: dict = {}
    for t in items:
        key = group(t)
        f = result.setdefault(key, dict.fromkeys(FIGURES, 0))
        handled = t.status in ("resolved", "closed")
        escalated = int(t.escalation_level) > 0
        is_open = t.status in ("submitted", "acknowledged")
        f["created"] += 1
        f["handled"] += handled
        f["resolved_by_property_in_time"] += handled and not escalated
        f["resolved_under_supervision"] += handled and escalated
        f["open"] += is_open
        f["escalated_open"] += is_open and escalated
        f["overdue_now"] += is_open and bool(t.breached_final)
        f["rejected"] += t.status == "rejected"
        f["duplicates"] += t.status == "duplicate"
        f["ratings"] += t.rating is not None
    return result


def figures(block):
    return {k: block[k] for k in FIGURES}


def test_stats_route_and_invariant(api):
    ids = [new_ticket(api)["ticket"]["ticket_id"] for _ in range(4)]
    api.post(f"/tickets/{ids[0]}/resolve", "wuye", {"note": "修好了"})
    api.post(f"/tickets/{ids[0]}/close", "lin", {"rating": 4})
    api.post(f"/tickets/{ids[1]}/reject", "chen", {"reason": "重复"})
    t = store.get_ticket(ids[2])
    due = datetime.fromisoformat(t.sla_checkpoints[-1].replace("Z", "+00:00"))
    escalation.advance(ids[2], due)
    api.post(f"/tickets/{ids[2]}/resolve", "wuye", {"note": "督办后修好"})
    body = api.get("/communities/jinxiu/stats", "chen").json
    assert body["handled"] == 2 == body["resolved_by_property_in_time"] + \
        body["resolved_under_supervision"]
    assert body["resolved_under_supervision"] == 1 and body["rejected"] == 1
    assert body["open"] == 1 and body["ratings"] == 1 and body["satisfaction_avg"] == 4
    assert body["median_first_response_s"] == 60
    assert body["by_category"]["public_area"]["handled"] == 2
    assert body["by_grid"]["g1"]["open"] == 1
    assert body["by_estate"]["huayuan"]["created"] == 4
    assert api.get("/communities/jinxiu/stats", "jiedao").status_code == 200
    assert api.get("/communities/jinxiu/stats", "wuye").status_code == 403
    assert api.get("/communities/jinxiu/stats", "longxing_staff").status_code == 404


def test_stats_by_period_in_the_community_time_zone(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "ok"})
    today = datetime.now(timezone(timedelta(hours=8))).date()
    inside = api.get(f"/communities/jinxiu/stats?from={today}&to={today}", "chen").json
    assert inside["handled"] == 1
    before = today - timedelta(days=3)
    outside = api.get(f"/communities/jinxiu/stats?from={before}&to={before}", "chen").json
    assert outside["handled"] == 0
    assert api.get("/communities/jinxiu/stats?from=2026-13-01", "chen").status_code == 400
    assert api.get(f"/communities/jinxiu/stats?from={today}&to={before}", "chen"
                   ).status_code == 400


def test_reopened_ticket_counts_once(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "ok"})
    api.post(f"/tickets/{tid}/reopen", "lin", {"note": "again"})
    assert api.get("/communities/jinxiu/stats", "chen").json["handled"] == 0
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "ok now"})
    body = api.get("/communities/jinxiu/stats", "chen").json
    assert body["handled"] == 1 and body["open"] == 0
