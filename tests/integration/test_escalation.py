"""SLA clock, escalation, the sweep and the workflow start, with injected time (no sleeping)."""
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from chalicelib.core.timeutil import iso, iso_ceil_second, parse_iso
from chalicelib.tickets import escalation, store
from chalicelib.tickets.errors import TicketNotFoundError
from tests.integration.conftest import new_ticket

MINUTE = timedelta(minutes=1)


def stored(ticket_id):
    return store.get_ticket(ticket_id, consistent=True)


def created(ticket_id):
    return datetime.fromisoformat(stored(ticket_id).created_at.replace("Z", "+00:00"))


def test_new_ticket_runs_the_level_0_clock_and_starts_its_workflow(api, aws):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    t = stored(tid)
    start = created(tid)
    assert t.sla_phase == "respond" and int(t.sla_level) == 0
    assert [datetime.fromisoformat(c.replace("Z", "+00:00")) - start
            for c in t.sla_checkpoints] == [timedelta(hours=3), timedelta(hours=4, minutes=30),
                                            timedelta(hours=6)]
    assert t.gsi5pk.startswith("DUE#") and t.next_check_at == t.sla_checkpoints[0]
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=aws["settings"].escalation_state_machine_arn)["executions"]
    assert [e["name"] for e in executions] == [f"{tid}-c0"]


def test_warnings_then_escalation_then_street_then_final_breach(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    start = created(tid)
    first_warning = parse_iso(stored(tid).sla_checkpoints[0])
    assert escalation.advance(tid, start + timedelta(hours=1))["check_at"] == \
        iso_ceil_second(first_warning)
    escalation.advance(tid, start + timedelta(hours=3))
    escalation.advance(tid, start + timedelta(hours=4, minutes=30))
    assert int(stored(tid).sla_level) == 0
    warnings = api.get("/me/inbox", "wuye").json["items"]
    assert [n["kind"] for n in warnings] == ["warning", "warning"]
    at_six = start + timedelta(hours=6)
    result = escalation.advance(tid, at_six)
    assert result["done"] is False
    view = api.get(f"/tickets/{tid}", "chen").json
    assert view["sla"]["level"] == 1 and view["sla"]["responsible"] == "community"
    assert view["sla"]["due_at"] == iso(at_six + timedelta(minutes=240))
    assert view["sla"]["responded_in_time"] is False
    assert view["timeline"][-1]["action"] == "escalated"
    assert "escalated" in [n["kind"] for n in api.get("/me/inbox", "chen").json["items"]]
    assert "escalated" in [n["kind"] for n in api.get("/me/inbox", "wuye").json["items"]]
    assert "escalated" in [n["kind"] for n in api.get("/me/inbox", "lin").json["items"]]
    escalation.advance(tid, at_six + timedelta(minutes=240))
    assert stored(tid).sla_level == 2
    assert "escalated" in [n["kind"] for n in api.get("/me/inbox", "jiedao").json["items"]]
    final = escalation.advance(tid, at_six + timedelta(minutes=480))
    assert final["done"] is True
    t = stored(tid)
    assert t.breached_final and t.gsi5pk is None and int(t.escalation_level) == 2
    assert escalation.advance(tid, at_six + timedelta(days=30))["done"] is True
    assert [e["action"] for e in api.get(f"/tickets/{tid}", "chen").json["timeline"]] == [
        "created", "escalated", "escalated", "breached"]


def test_advancing_twice_at_the_same_moment_escalates_once(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    late = created(tid) + timedelta(hours=7)
    for _ in range(3):
        escalation.advance(tid, late)
    timeline = [e["action"] for e in api.get(f"/tickets/{tid}", "chen").json["timeline"]]
    assert timeline.count("escalated") == 1


def test_acknowledged_ticket_is_never_escalated(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    t = stored(tid)
    assert t.sla_phase == "resolve" and t.responded_in_time is True
    escalation.advance(tid, created(tid) + timedelta(hours=7))
    assert int(stored(tid).sla_level) == 0
    assert escalation.sweep(created(tid) + timedelta(hours=7))["due"] == 0


def test_resolution_target_escalates_too(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    escalation.advance(tid, created(tid) + timedelta(hours=73))
    view = api.get(f"/tickets/{tid}", "chen").json
    assert view["sla"]["level"] == 1 and view["sla"]["phase"] == "resolve"
    assert "办结" in view["timeline"][-1]["note"]


def test_sweep_reads_only_due_tickets(api):
    due = [new_ticket(api)["ticket"]["ticket_id"] for _ in range(2)]
    later = new_ticket(api, "huang")["ticket"]["ticket_id"]
    moment = created(due[-1]) + timedelta(hours=3)
    assert created(later) + timedelta(hours=3) > moment
    assert sorted(escalation.due_tickets(moment)) == sorted(due)
    counts = escalation.sweep(moment)
    assert counts == {"due": 2, "advanced": 2, "busy": 0, "gone": 0}
    assert escalation.due_tickets(moment) == []


def test_resolution_stops_the_sla_clock(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "done"})
    t = stored(tid)
    assert t.sla_phase == "close" and t.next_check_at == iso(parse_iso(t.resolved_at)
                                                             + timedelta(days=7))
    assert t.resolved_in_time is True and int(t.resolved_at_level) == 0
    assert api.get(f"/tickets/{tid}", "lin").json["sla"]["due_at"] is None
    assert escalation.advance(tid, created(tid) + timedelta(days=1))["done"] is True
    rejected = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{rejected}/reject", "chen", {"reason": "no"})
    assert stored(rejected).gsi5pk is None


def test_reopen_starts_a_new_cycle_and_workflow(api, aws):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "done"})
    api.post(f"/tickets/{tid}/reopen", "lin", {"note": "还是坏的"})
    t = stored(tid)
    assert int(t.sla_cycle) == 1 and t.sla_phase == "resolve" and t.gsi5pk
    names = {e["name"] for e in boto3.client("stepfunctions").list_executions(
        stateMachineArn=aws["settings"].escalation_state_machine_arn)["executions"]}
    assert {n for n in names if n.startswith(tid)} == {f"{tid}-c0", f"{tid}-c1"}


def test_missing_ticket_is_named_for_the_state_machine(api):
    with pytest.raises(TicketNotFoundError):
        escalation.advance("tk_gone", datetime.now(timezone.utc))


def test_sla_policy_round_trip_and_effect(api):
    policy = api.get("/communities/jinxiu/sla-policy", "chen").json
    assert policy["levels"][0] == {"level": 0, "responsible": "property", "respond_min": 360,
                                   "resolve_min": 4320}
    policy["levels"][0]["respond_min"] = 1
    policy["overrides"] = {"safety": {"levels": [dict(lv, respond_min=30)
                                                 for lv in policy["levels"]]}}
    saved = api.call("PUT", "/communities/jinxiu/sla-policy", "chen", policy)
    assert saved.status_code == 200 and saved.json == policy
    assert api.get("/communities/jinxiu/sla-policy", "wuye").json == policy
    tid = new_ticket(api)["ticket"]["ticket_id"]
    t = stored(tid)
    assert datetime.fromisoformat(t.sla_checkpoints[-1].replace("Z", "+00:00")) - \
        created(tid) == MINUTE
    safety = new_ticket(api, category="safety")["ticket"]
    assert safety["sla"]["remaining_s"] == pytest.approx(30 * 60, abs=5)


def test_sla_policy_access_and_validation(api):
    policy = api.get("/communities/jinxiu/sla-policy", "chen").json
    assert api.call("PUT", "/communities/jinxiu/sla-policy", "wuye", policy).status_code == 403
    assert api.call("PUT", "/communities/longxing/sla-policy", "chen", policy).status_code == 404
    assert api.get("/communities/jinxiu/sla-policy", "longxing_staff").status_code == 404
    assert api.get("/communities/jinxiu/sla-policy", "lin").status_code == 403
    bad = dict(policy, warnings=[0.9, 0.5])
    assert api.call("PUT", "/communities/jinxiu/sla-policy", "chen", bad).status_code == 400
    hours = dict(policy, clock="working_hours")
    assert api.call("PUT", "/communities/jinxiu/sla-policy", "chen", hours).status_code == 400


def test_resolved_ticket_closes_itself_after_seven_days(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "done"})
    resolved = parse_iso(stored(tid).resolved_at)
    assert escalation.due_tickets(resolved + timedelta(days=6)) == []
    assert escalation.due_tickets(resolved + timedelta(days=7)) == [tid]
    escalation.sweep(resolved + timedelta(days=7, seconds=1))
    view = api.get(f"/tickets/{tid}", "lin").json
    assert view["status"] == "closed" and view["rating"] is None
    assert view["timeline"][-1]["action"] == "close" and view["timeline"][-1]["actor"] == {
        "role": "system"}
    assert stored(tid).gsi5pk is None
    body = api.get("/communities/jinxiu/stats", "chen").json
    assert body["handled"] == 1 and body["open"] == 0


def test_confirmed_or_reopened_tickets_do_not_close_themselves(api):
    confirmed = new_ticket(api)["ticket"]["ticket_id"]
    reopened = new_ticket(api)["ticket"]["ticket_id"]
    for tid in (confirmed, reopened):
        api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "done"})
    api.post(f"/tickets/{confirmed}/close", "lin", {"rating": 5})
    api.post(f"/tickets/{reopened}/reopen", "lin", {"note": "not fixed"})
    assert stored(confirmed).gsi5pk is None
    later = parse_iso(stored(reopened).created_at) + timedelta(days=7, hours=1)
    escalation.advance(reopened, later)
    assert stored(reopened).status == "acknowledged"


def test_escalations_and_responses_are_counted_for_the_dashboard(api, monkeypatch):
    from chalicelib.core import observability

    counted = []
    monkeypatch.setattr(observability, "add_metric", lambda name, *a, **k: counted.append(name))
    late = new_ticket(api)["ticket"]["ticket_id"]
    at_six = created(late) + timedelta(hours=6)
    escalation.advance(late, at_six)
    escalation.advance(late, at_six + timedelta(minutes=240))
    escalation.advance(late, at_six + timedelta(minutes=480))
    assert [n for n in counted if n.startswith(("Escalated", "Sla"))] == [
        "EscalatedToLevel1", "SlaResponseMissed", "EscalatedToLevel2", "SlaFinalBreach"]
    counted.clear()
    prompt = new_ticket(api)["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{prompt}/acknowledge", "wuye", {"note": "马上到"}).status_code == 200
    assert api.post(f"/tickets/{prompt}/comments", "wuye", {"message": "在路上"}
                    ).status_code == 201
    assert [n for n in counted if n.startswith("Sla")] == ["SlaResponseMet"]
