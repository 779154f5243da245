"""An independent fuzzer against the live API (issue 12, item 1).

schemathesis reads the running stack's own ``/openapi.json`` and runs its examples, coverage,
fuzzing and stateful phases with every check, as three identities (a resident, property staff,
community staff), each over its share of the operations its role may call
(tests/e2e/schemathesis_plan.py). The three runs go side by side against one stack of their own,
since they write freely. The document's links carry the ids that creates answer to the routes
taking them; path parameters are drawn mostly from ids the identity's own lists answer.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e import schemathesis_plan as plan
from tests.e2e.conftest import ROOT, LocalStack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.check]

RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("fuzz-stack")) as running:
        yield running


def _command(stack: LocalStack, ids: list[str], config: Path) -> list[str]:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
               stack.url("/openapi.json"), "--checks=all", "--phases=" + ",".join(plan.PHASES),
               "--generation-database=none", "--no-color", "--workers=1"]
    return command + [f"--include-operation-id={op}" for op in ids]


def known_ids(stack: LocalStack, token: str, document: dict[str, Any]) -> dict[str, list[str]]:
    """Ids of the stored objects the identity's own lists answer, by path parameter name."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    answers = [session.get(stack.url(path), timeout=10) for path in plan.list_paths(document)]
    return plan.ids_in((a.json() for a in answers if a.status_code == 200),
                       plan.path_parameter_names(document))


@pytest.fixture(scope="module")
def runs(fuzz_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
         ) -> dict[str, dict[str, Any]]:
    """Each identity's run: exit code, output, JSON report and requests per operation."""
    document = requests.get(fuzz_stack.url("/openapi.json"), timeout=10).json()
    started: dict[str, tuple[subprocess.Popen[bytes], Path, list[str]]] = {}
    shares = plan.shares(document)
    for role, username in plan.IDENTITIES.items():
        where = tmp_path_factory.mktemp(f"fuzz-{role}")
        ids = plan.operation_ids(document, shares[role])
        config = where / "schemathesis.toml"
        token = fuzz_stack.token(username)
        config.write_text(plan.config(document, ids, token, where,
                                      known_ids(fuzz_stack, token, document)))
        (where / "plan.json").write_text(json.dumps(plan.plan_file(document,
                                                                   where / "calls.jsonl")))
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
               plan.PLAN_ENV: str(where / "plan.json"),
               "HYPOTHESIS_STORAGE_DIRECTORY": str(where / "hypothesis")}
        with open(where / "output.txt", "wb") as out:
            started[role] = (subprocess.Popen(_command(fuzz_stack, ids, config), cwd=ROOT,
                                              env=env, stdout=out, stderr=subprocess.STDOUT),
                             where, ids)
    found: dict[str, dict[str, Any]] = {}
    for role, (process, where, ids) in started.items():
        try:
            code = process.wait(RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait(5)
        reports = sorted(where.glob("json-*.json"))
        found[role] = {
            "code": code, "ids": ids, "output": (where / "output.txt").read_text(errors="replace"),
            "report": json.loads(reports[-1].read_text()) if reports else {},
            "calls": plan.cases_per_operation(where / "calls.jsonl"),
        }
    print(plan.summary(found))
    return found


@pytest.mark.parametrize("role", list(plan.IDENTITIES))
def test_no_failure_for(role: str, runs: dict[str, dict[str, Any]]) -> None:
    run = runs[role]
    report = run["report"]
    assert report, run["output"][-20000:]
    failures = {f["code"]: f["operations"] for f in report["failures"]}
    assert failures == {} and report["errors"] == [], run["output"][-20000:]
    assert run["code"] == 0, run["output"][-20000:]


@pytest.mark.parametrize("role", list(plan.IDENTITIES))
def test_every_operation_of_the_share_was_called_in_each_generating_phase(
        role: str, runs: dict[str, dict[str, Any]]) -> None:
    run = runs[role]
    assert run["report"]["operations"]["tested"] == len(run["ids"]) > 0
    called = {op: phases for op, phases in run["calls"].items() if set(phases) - {"forgiven"}}
    assert len(called) == len(run["ids"])
    for op, phases in called.items():
        assert {"examples", "coverage", "fuzzing"} <= set(phases), (op, phases)
    assert run["report"]["phases"]["stateful"]["status"] == "success"


def test_the_shares_hold_every_operation_the_roles_may_call_once(
        runs: dict[str, dict[str, Any]]) -> None:
    shared = [op for run in runs.values() for op in run["ids"]]
    assert len(shared) == len(set(shared))
    eligible = {key for role in plan.IDENTITIES for key in plan.access_matrix_successes(role)}
    assert len(shared) == len(eligible) > 80


def test_the_runs_leave_no_state_in_the_repository(runs: dict[str, dict[str, Any]]) -> None:
    assert runs and not (ROOT / ".schemathesis").exists()
