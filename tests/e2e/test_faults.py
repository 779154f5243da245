"""Faults on the running local stack (its own, since it breaks things on purpose):

- a ticket whose Step Functions execution was stopped is escalated by the per-minute sweep
  within two minutes of its due time (a one-minute response target, set through the SLA policy);
- the embedded AWS taken down under the running API (SIGUSR1) and brought back (SIGUSR2):
  meanwhile every request that needs it answers 503 with ``Retry-After`` and a JSON body naming
  the dependency; afterwards the data is intact and the photo pipeline's poller and the schedule
  runner work again (the sweep above runs after the outage)."""
from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from tests.e2e.conftest import LocalStack, poll, running_stack
from tests.e2e.test_escalation import execution

pytestmark = pytest.mark.e2e

ESTATE = "jinxiu-huayuan"
COMMUNITY = "jinxiu"
RESPOND_MIN = 1
SWEEP_PERIOD_S = 60
LATE_LIMIT = timedelta(minutes=2)
SIGNAL_TIMEOUT_S = 15
PHOTO_TIMEOUT_S = 30
OUTAGE_ANSWER_LIMIT_S = 10
DOWN_LINE = "embedded AWS down"
UP_LINE = "embedded AWS up again"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("faults-stack")) as running:
        yield running


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def report(stack: LocalStack, text: str, photos: int = 0) -> dict[str, Any]:
    body = {"category": "public_area", "description": text, "photos": photos,
            "location": {"estate_id": ESTATE, "building": "1", "text": "1号楼大堂"}}
    response = stack.session("lin").post(stack.url("/tickets"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def view(stack: LocalStack, ticket_id: str, user: str = "lin") -> dict[str, Any]:
    response = stack.session(user).get(stack.url(f"/tickets/{ticket_id}"), timeout=10)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture(scope="module")
def lost(stack: LocalStack) -> dict[str, Any]:
    """A ticket under a one-minute response target whose execution was stopped at once."""
    chen = stack.session("chen")
    policy = chen.get(stack.url(f"/communities/{COMMUNITY}/sla-policy"), timeout=10).json()
    policy["levels"][0]["respond_min"] = RESPOND_MIN
    saved = chen.put(stack.url(f"/communities/{COMMUNITY}/sla-policy"), json=policy, timeout=10)
    assert saved.status_code == 200, saved.text
    ticket = report(stack, "大堂灯坏了，执行丢失")["ticket"]
    running = execution(stack, f"{ticket['ticket_id']}-c0")
    assert running is not None
    stack.client("stepfunctions").stop_execution(executionArn=running["executionArn"],
                                               error="Lost", cause="stopped by the fault test")
    assert (execution(stack, f"{ticket['ticket_id']}-c0") or {}).get("status") == "ABORTED"
    return ticket


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def signal_and_wait(stack: LocalStack, signum: int, line: str, seen_before: int) -> None:
    os.kill(stack.process.pid, signum)
    poll(lambda: Path(stack.stdout.name).read_text(errors="replace").count(line),
         lambda count: count > seen_before, SIGNAL_TIMEOUT_S, 0.1)


def lines(stack: LocalStack, line: str) -> int:
    return Path(stack.stdout.name).read_text(errors="replace").count(line)


def assert_unavailable(response: requests.Response, elapsed_s: float) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["Code"] == "ServiceUnavailableError"
    assert body["dependency"] in ("DynamoDB", "S3"), body
    assert body["dependency"] in body["Message"]
    assert "Traceback" not in response.text and "File \"" not in response.text
    assert elapsed_s < OUTAGE_ANSWER_LIMIT_S


def stored(session: requests.Session, stack: LocalStack) -> list[tuple[str, str, str]]:
    items = session.get(stack.url("/tickets?mine=true&limit=100"), timeout=10).json()["items"]
    return [(t["ticket_id"], t["status"], t["updated_at"]) for t in items]


def timed(send: Any) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def test_the_embedded_aws_restarted_under_the_api(stack: LocalStack,
                                                  lost: dict[str, Any]) -> None:
    lin, wuye = stack.session("lin"), stack.session("wuye")
    before = report(stack, "楼道堆放杂物")["ticket"]
    first = view(stack, before["ticket_id"])
    mine = stored(lin, stack)

    signal_and_wait(stack, signal.SIGUSR1, DOWN_LINE, lines(stack, DOWN_LINE))
    body = {"category": "public_area", "description": "停电了", "photos": 0,
            "location": {"estate_id": ESTATE, "building": "1"}}
    slowest = 0.0
    for send in (lambda: lin.get(stack.url(f"/tickets/{before['ticket_id']}"), timeout=60),
                 lambda: lin.get(stack.url("/tickets?mine=true"), timeout=60),
                 lambda: lin.post(stack.url("/tickets"), json=body, timeout=60),
                 lambda: lin.post(stack.url(f"/tickets/{before['ticket_id']}/photos"),
                                  data=jpeg(), headers={"Content-Type": "image/jpeg"},
                                  timeout=60),
                 lambda: wuye.post(stack.url(f"/tickets/{before['ticket_id']}/acknowledge"),
                                   json={}, timeout=60)):
        try:
            response, elapsed = timed(send)
            assert_unavailable(response, elapsed)
        except BaseException:
            signal_and_wait(stack, signal.SIGUSR2, UP_LINE, lines(stack, UP_LINE))
            raise
        slowest = max(slowest, elapsed)
    assert requests.get(stack.url("/openapi.json"), timeout=10).status_code == 200
    print(f"slowest 503 while down: {slowest:.2f} s")

    signal_and_wait(stack, signal.SIGUSR2, UP_LINE, lines(stack, UP_LINE))
    back = view(stack, before["ticket_id"])
    assert (back["status"], back["timeline"]) == (first["status"], first["timeline"])
    assert stored(lin, stack) == mine
    with_photo = report(stack, "修好了吗", photos=1)
    slot = with_photo["uploads"][0]
    posted = requests.post(slot["url"], data={**slot["fields"], "Content-Type": "image/jpeg"},
                           files={"file": ("p.jpg", jpeg(), "image/jpeg")}, timeout=10)
    assert posted.status_code in (200, 201, 204), posted.text
    ticket_id = with_photo["ticket"]["ticket_id"]
    photos = poll(lambda: view(stack, ticket_id)["photos"],
                  lambda found: found[0]["status"] != "pending", PHOTO_TIMEOUT_S, 0.5)
    assert photos[0]["status"] == "ready"
    assert stack.process.poll() is None


def test_a_lost_execution_is_escalated_by_the_sweep(stack: LocalStack,
                                                    lost: dict[str, Any]) -> None:
    due = parse(lost["sla"]["due_at"])
    left_s = (due + LATE_LIMIT - datetime.now(due.tzinfo)).total_seconds()
    escalated = poll(lambda: view(stack, lost["ticket_id"], "chen"),
                     lambda v: v["sla"]["level"] >= 1, max(left_s, 1), 1)
    events = [e for e in escalated["timeline"] if e["action"] == "escalated"]
    assert len(events) == 1, escalated["timeline"]
    late = parse(events[0]["at"]) - due
    assert timedelta(0) <= late <= timedelta(seconds=SWEEP_PERIOD_S + 5), late
    assert escalated["sla"]["responsible"] == "community"
    stopped = execution(stack, f"{lost['ticket_id']}-c0")
    assert stopped is not None
    assert stopped["status"] == "ABORTED"
    history = stack.client("stepfunctions").get_execution_history(
        executionArn=stopped["executionArn"])["events"]
    assert "LambdaFunctionScheduled" not in [e["type"] for e in history]
    print(f"escalated {late.total_seconds():.1f} s after its due time")
