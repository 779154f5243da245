"""Load on a running local stack of its own (issue 12, item 3): ``bench.load_tickets`` reports
2,000 tickets from 50 concurrent clients, one in five with a real JPEG through the presigned POST
and the S3 -> SQS -> photo handler pipeline, from residents made for the run. Then: every request
answered as expected, no ticket lost (by id, and in the estate's list pages for property staff),
every photo ready, the statistics equal to a recount; p50/p99 of creation and of photo
completion against a bare route of the same server, written to ``load-summary.json``.

``LOAD_TICKETS`` / ``LOAD_CLIENTS`` change the plan: ``make test`` runs 300 tickets from 50 clients
(the 2,000 take five minutes or more on two cores, half the CI budget), ``make check`` the full
2,000; the summary names the plan it ran, so a smaller run never passes for the full one."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.load_people import Target
from bench.load_tickets import LOAD, LoadPlan, run, summary_line
from tests.e2e.conftest import running_stack

pytestmark = pytest.mark.e2e
load = pytest.mark.check

PLAN = LoadPlan(tickets=int(os.environ.get("LOAD_TICKETS") or LOAD.tickets),
                clients=int(os.environ.get("LOAD_CLIENTS") or LOAD.clients))


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="module")
def summary(logs: Path) -> Iterator[dict[str, Any]]:
    """The whole run on a stack of its own: it floods the stack, so it shares it with nobody."""
    with running_stack(logs) as stack:
        target = Target(stack.api_url, stack.aws_url, stack.ready["user_pool_id"],
                        stack.ready["app_client_id"])
        result = run(target, PLAN)
    line = summary_line(result)
    (logs / "load-summary.json").write_text(
        json.dumps(result | {"line": line}, indent=2, ensure_ascii=False))
    print(f"\n{line}")
    yield result


@load
def test_the_full_plan_ran(summary: dict[str, Any]) -> None:
    assert summary["plan"]["tickets"] == PLAN.tickets
    assert summary["created"] == PLAN.tickets
    assert summary["plan"]["residents"] * 20 > PLAN.tickets, "the hourly limit would refuse some"


@load
def test_every_request_is_answered_as_expected(summary: dict[str, Any]) -> None:
    photos = len(range(0, PLAN.tickets, PLAN.photo_every))
    assert summary["error_samples"] == []
    assert summary["errors"] == 0
    assert summary["statuses"] == {"create 201": PLAN.tickets, "bare 200": PLAN.tickets,
                                   "upload 204": photos}


@load
def test_no_ticket_is_lost(summary: dict[str, Any]) -> None:
    checks = summary["checks"]
    assert checks["problems"] == []
    assert checks["lost"] == 0
    assert checks["found_by_id"] == checks["listed"] == PLAN.tickets


@load
def test_every_photo_is_processed(summary: dict[str, Any]) -> None:
    assert summary["checks"]["photos_expected"] == len(range(0, PLAN.tickets, PLAN.photo_every))
    assert summary["photos_ready"] == summary["checks"]["photos_expected"]
    assert summary["photo"]["n"] == summary["photos_ready"]


@load
def test_statistics_equal_a_recount(summary: dict[str, Any]) -> None:
    checks = summary["checks"]
    assert checks["stats"] == "equal", checks["problems"]
    assert checks["stats_compared"]["all time"]["created"] >= PLAN.tickets


@load
def test_latency_is_reported_against_a_bare_route(summary: dict[str, Any], logs: Path) -> None:
    written = json.loads((logs / "load-summary.json").read_text())
    assert written["line"].startswith(f"load: {PLAN.tickets}/{PLAN.tickets} tickets")
    assert summary["bare"]["n"] == summary["create"]["n"] == PLAN.tickets
    assert 0 < summary["bare"]["p50_ms"] <= summary["bare"]["p99_ms"]
    assert summary["create"]["p50_ms"] <= summary["create"]["p99_ms"]
    assert summary["ratio_p50"] > 0 and summary["ratio_p99"] > 0
    assert summary["photo_ratio_p50"] > 0

