"""SLA escalation end to end: a one-minute response target at level 0, the ticket's Step
Functions execution running in moto's interpreter, its Lambda task running the real handler, the
escalation to the community office and warnings arriving in the inboxes, and a ticket answered in
time staying at level 0. The stack runs with a non-UTC host zone: Waits must still last."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.local.stack import ESCALATION_MACHINE
from tests.e2e.conftest import LocalStack, assert_stopped_cleanly, poll, running_stack

pytestmark = pytest.mark.e2e

ESTATE = "jinxiu-huayuan"
COMMUNITY = "jinxiu"
TASK_FUNCTION = "fanglin-local-escalation-task"
RESPOND_MIN = 1
WARNED_CATEGORY = "environment"
WARNED_RESPOND_MIN = 2
ESCALATION_TIMEOUT_S = 150
WARNING_TIMEOUT_S = 30
EARLY_WAKE_S = 3
STOP_LIMIT_S = 10
HOST_ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("escalation-stack"), {"TZ": HOST_ZONE}) as running:
        yield running
    assert_stopped_cleanly(running)


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def machine_arn(stack: LocalStack) -> str:
    machines = stack.client("stepfunctions").list_state_machines()["stateMachines"]
    return next(m["stateMachineArn"] for m in machines if m["name"] == ESCALATION_MACHINE)


def execution(stack: LocalStack, name: str) -> dict[str, Any] | None:
    sfn = stack.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=machine_arn(stack))["executions"]
    return next((e for e in listed if e["name"] == name), None)


def history(stack: LocalStack, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = stack.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=1000)["events"]
    return events


def ticket(stack: LocalStack, ticket_id: str, user: str = "lin") -> dict[str, Any]:
    response = stack.session(user).get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def inbox(stack: LocalStack, user: str, ticket_id: str) -> list[dict[str, Any]]:
    response = stack.session(user).get(stack.url("/me/inbox"), params={"limit": 100},
                                       timeout=10)
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["ticket_id"] == ticket_id]


def report(stack: LocalStack, text: str, category: str = "public_area") -> str:
    body = {"category": category, "description": text,
            "location": {"estate_id": ESTATE, "building": "1", "text": "1号楼大堂"}}
    response = stack.session("lin").post(stack.url("/tickets"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["ticket"]["ticket_id"])


@pytest.fixture(scope="module")
def policy(stack: LocalStack) -> dict[str, Any]:
    chen = stack.session("chen")
    current = chen.get(stack.url(f"/communities/{COMMUNITY}/sla-policy"), timeout=10)
    assert current.status_code == 200, current.text
    document: dict[str, Any] = current.json()
    document["levels"][0]["respond_min"] = RESPOND_MIN
    slower = [dict(level) for level in document["levels"]]
    slower[0]["respond_min"] = WARNED_RESPOND_MIN
    document["overrides"] = {WARNED_CATEGORY: {"levels": slower}}
    saved = chen.put(stack.url(f"/communities/{COMMUNITY}/sla-policy"), json=document,
                     timeout=10)
    assert saved.status_code == 200, saved.text
    assert saved.json()["levels"][0]["respond_min"] == RESPOND_MIN
    return document


@pytest.fixture(scope="module")
def tickets(stack: LocalStack, policy: dict[str, Any]) -> dict[str, str]:
    """Two tickets under the one-minute target, property staff answering the second at once,
    and one under the two-minute target, whose 50% warning comes at one minute. (Warning times
    are whole minutes: a one-minute target has none before its due time.)"""
    late = report(stack, "大堂灯坏了，晚上一片漆黑")
    answered = report(stack, "大堂门禁失灵")
    warned = report(stack, "垃圾桶满了没人清", WARNED_CATEGORY)
    ack = stack.session("wuye").post(stack.url(f"/tickets/{answered}/acknowledge"),
                                     json={"note": "马上派人"}, timeout=10)
    assert ack.status_code == 200, ack.text
    return {"late": late, "answered": answered, "warned": warned}


@pytest.fixture(scope="module")
def escalated(stack: LocalStack, tickets: dict[str, str]) -> dict[str, Any]:
    view: dict[str, Any] = poll(lambda: ticket(stack, tickets["late"]),
                                lambda v: v["sla"]["level"] >= 1, ESCALATION_TIMEOUT_S, 2)
    return view


def test_each_ticket_has_a_running_execution(stack: LocalStack,
                                             tickets: dict[str, str]) -> None:
    for ticket_id in tickets.values():
        found = execution(stack, f"{ticket_id}-c0")
        assert found is not None, ticket_id
        assert found["status"] == "RUNNING"


def test_late_ticket_escalates_to_the_community_office(stack: LocalStack,
                                                       tickets: dict[str, str],
                                                       escalated: dict[str, Any]) -> None:
    sla = escalated["sla"]
    assert sla["level"] == 1
    assert sla["responsible"] == "community"
    assert sla["escalation_level"] == 1
    assert sla["responded_in_time"] is False
    assert not sla["breached"]
    events = [e for e in escalated["timeline"] if e["action"] == "escalated"]
    assert len(events) == 1, escalated["timeline"]
    remaining = parse(sla["due_at"]) - parse(events[0]["at"])
    assert abs(remaining - timedelta(minutes=240)) < timedelta(seconds=5), sla


def test_parties_are_notified(stack: LocalStack, tickets: dict[str, str],
                              escalated: dict[str, Any]) -> None:
    assert "escalated" in [n["kind"] for n in inbox(stack, "chen", tickets["late"])]
    assert "escalated" in [n["kind"] for n in inbox(stack, "wuye", tickets["late"])]
    assert "escalated" in [n["kind"] for n in inbox(stack, "lin", tickets["late"])]
    warnings = poll(lambda: inbox(stack, "wuye", tickets["warned"]),
                    lambda found: any(n["kind"] == "warning" for n in found), WARNING_TIMEOUT_S, 2)
    assert [n["audience"] for n in warnings if n["kind"] == "warning"] == ["company:lvyin"]
    assert ticket(stack, tickets["warned"])["sla"]["level"] == 0


def test_workflow_waits_for_the_next_level(stack: LocalStack, tickets: dict[str, str],
                                           escalated: dict[str, Any]) -> None:
    """The first Wait lasted until the due time (the host zone is not UTC), the task ran the real
    handler, and the execution waits on for level 1."""
    found = execution(stack, f"{tickets['late']}-c0")
    assert found is not None and found["status"] == "RUNNING"
    events = history(stack, found["executionArn"])
    types = [e["type"] for e in events]
    assert "LambdaFunctionSucceeded" in types and "ExecutionFailed" not in types
    first_task = next(e["timestamp"] for e in events if e["type"] == "LambdaFunctionScheduled")
    waited = first_task - found["startDate"]
    assert waited >= timedelta(minutes=RESPOND_MIN, seconds=-EARLY_WAKE_S), waited
    assert types[-1] == "WaitStateEntered"


def test_answered_ticket_stays_at_level_zero(stack: LocalStack, tickets: dict[str, str],
                                             escalated: dict[str, Any]) -> None:
    view = ticket(stack, tickets["answered"])
    assert view["sla"]["level"] == 0
    assert view["sla"]["escalation_level"] == 0
    assert view["sla"]["responded_in_time"] is True
    assert not [e for e in view["timeline"] if e["action"] == "escalated"]
    assert "escalated" not in [n["kind"] for n in inbox(stack, "chen", tickets["answered"])]


def test_task_errors_reach_the_state_machine(stack: LocalStack) -> None:
    """A vanished ticket: the task fails as Lambda reports an unhandled exception, and the
    state machine catches the error by its class name and ends."""
    invoked = stack.client("lambda").invoke(FunctionName=TASK_FUNCTION,
                                          Payload=json.dumps({"ticket_id": "tk_gone"}))
    assert invoked["FunctionError"] == "Unhandled"
    assert json.loads(invoked["Payload"].read())["errorType"] == "TicketNotFoundError"

    sfn = stack.client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=machine_arn(stack), name="tk_gone-c0",
                                  input=json.dumps({"ticket_id": "tk_gone", "cycle": 0,
                                                    "check_at": "2020-01-01T00:00:00.000Z"}))
    done = poll(lambda: sfn.describe_execution(executionArn=started["executionArn"]),
                lambda d: d["status"] != "RUNNING", 30)
    assert done["status"] == "SUCCEEDED"
    failed = [e["lambdaFunctionFailedEventDetails"]["error"]
              for e in history(stack, started["executionArn"])
              if e["type"] == "LambdaFunctionFailed"]
    assert failed == ["TicketNotFoundError"]


def test_interrupt_does_not_wait_for_sleeping_executions(stack: LocalStack,
                                                         tickets: dict[str, str]) -> None:
    waiting = execution(stack, f"{tickets['warned']}-c0")
    assert waiting is not None and waiting["status"] == "RUNNING"
    started = time.monotonic()
    code = stack.interrupt(STOP_LIMIT_S)
    elapsed = time.monotonic() - started
    output = stack.output()
    assert code == 0, output
    assert "Traceback" not in output
    assert elapsed < STOP_LIMIT_S
    print(f"stopped in {elapsed:.1f} s")
