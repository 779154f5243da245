"""The local stack's Lambda bridge on a real moto server in this process: Invoke and the Step
Functions interpreter run a dispatcher function, and handler exceptions reach Retry and Catch by
their class name. moto's global settings are restored afterwards."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import boto3
import pytest
import requests

from infra.local import provision
from infra.local.dispatch import Dispatcher
from infra.local.lambdas import LambdaBridge
from infra.local.stack import MOTO_CONFIG, REGION
from tests.e2e.conftest import free_ports, poll

pytestmark = pytest.mark.e2e

TASK = "fanglin-bridge-task"
OTHER = "fanglin-bridge-other"


class TicketBusyError(Exception):
    pass


class TicketNotFoundError(Exception):
    pass


class Task:
    """Busy for the first ``busy`` calls of each ticket; ``gone`` does not exist."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.calls: dict[str, int] = {}

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        ticket_id = event["ticket_id"]
        self.calls[ticket_id] = self.calls.get(ticket_id, 0) + 1
        if ticket_id == "gone":
            raise TicketNotFoundError(ticket_id)
        if self.calls[ticket_id] <= self.busy:
            raise TicketBusyError(f"{ticket_id} changed; retry")
        return {"ticket_id": ticket_id, "done": True, "check_at": None, "cycle": 0,
                "remaining_ms": context.get_remaining_time_in_millis()}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.core.models import default_user_config
    from moto.server import ThreadedMotoServer

    (port,) = free_ports(1)
    with pytest.MonkeyPatch.context() as env, patch.dict(default_user_config):
        env.setenv("MOTO_PORT", str(port))
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        url = f"http://127.0.0.1:{port}"
        try:
            requests.post(f"{url}/moto-api/config", json=MOTO_CONFIG,
                          timeout=10).raise_for_status()
            yield url
        finally:
            server.stop()


def client(url: str, service: str) -> Any:
    return boto3.session.Session().client(service, region_name=REGION, endpoint_url=url,
                                          aws_access_key_id="testing",
                                          aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def task() -> Task:
    return Task(busy=2)


@pytest.fixture(scope="module")
def machine(moto_url: str, task: Task) -> Iterator[str]:
    dispatcher = Dispatcher(REGION)
    dispatcher.register("escalation_task", task)
    lam = client(moto_url, "lambda")
    role = provision.create_service_role(client(moto_url, "iam"), "fanglin-bridge",
                                         ["lambda.amazonaws.com", "states.amazonaws.com"])
    arn = provision.create_function(lam, TASK, "app.escalation_task", role)
    provision.create_function(lam, OTHER, "app.other", role)
    bridge = LambdaBridge(dispatcher, {TASK: "escalation_task"})
    bridge.install()
    try:
        yield provision.create_escalation_workflow(client(moto_url, "stepfunctions"),
                                                   "fanglin-bridge", arn, role)
    finally:
        bridge.uninstall()


def run(moto_url: str, machine: str, ticket_id: str) -> tuple[str, list[dict[str, Any]]]:
    sfn = client(moto_url, "stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, name=f"{ticket_id}-c0", input=json.dumps(
        {"ticket_id": ticket_id, "check_at": "2020-01-01T00:00:00Z", "cycle": 0}))["executionArn"]
    done = poll(lambda: sfn.describe_execution(executionArn=arn),
                lambda d: d["status"] != "RUNNING", 30)
    return str(done["status"]), sfn.get_execution_history(executionArn=arn)["events"]


def lambda_errors(events: list[dict[str, Any]]) -> list[str]:
    return [e["lambdaFunctionFailedEventDetails"]["error"] for e in events
            if e["type"] == "LambdaFunctionFailed"]


def test_one_bridge_at_a_time_and_uninstall_restores_moto() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original = LambdaSimpleBackend.invoke
    first, second = LambdaBridge(Dispatcher(REGION), {}), LambdaBridge(Dispatcher(REGION), {})
    first.install()
    try:
        assert LambdaSimpleBackend.invoke is not original
        with pytest.raises(RuntimeError):
            second.install()
        second.uninstall()
        assert LambdaSimpleBackend.invoke is not original
    finally:
        first.uninstall()
    assert LambdaSimpleBackend.invoke is original
    first.uninstall()
    assert LambdaSimpleBackend.invoke is original


def test_invoke_runs_the_handler_and_reports_exceptions(moto_url: str, machine: str,
                                                        task: Task) -> None:
    lam = client(moto_url, "lambda")
    busy = lam.invoke(FunctionName=TASK, Payload=json.dumps({"ticket_id": "direct"}))
    assert busy["FunctionError"] == "Unhandled"
    error = json.loads(busy["Payload"].read())
    assert error["errorType"] == "TicketBusyError"
    assert error["errorMessage"] == "direct changed; retry"
    task.calls["direct"] = task.busy
    done = lam.invoke(FunctionName=f"arn:aws:lambda:{REGION}:123456789012:function:{TASK}",
                      Payload=json.dumps({"ticket_id": "direct"}))
    assert "FunctionError" not in done
    result = json.loads(done["Payload"].read())
    assert result["done"] is True and result["remaining_ms"] > 0


def test_other_functions_keep_moto_behaviour(moto_url: str, machine: str) -> None:
    lam = client(moto_url, "lambda")
    echoed = lam.invoke(FunctionName=OTHER, Payload=b'{"hello": 1}')
    assert json.loads(echoed["Payload"].read()) == {"hello": 1}
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="fanglin-bridge-missing", Payload=b"{}")


def test_busy_ticket_is_retried_by_the_state_machine(moto_url: str, machine: str,
                                                     task: Task) -> None:
    started = time.monotonic()
    status, events = run(moto_url, machine, "busy")
    assert status == "SUCCEEDED"
    assert lambda_errors(events) == ["TicketBusyError", "TicketBusyError"]
    assert task.calls["busy"] == 3
    assert time.monotonic() - started >= 3  # IntervalSeconds 1, BackoffRate 2


def test_missing_ticket_is_caught_by_the_state_machine(moto_url: str, machine: str) -> None:
    status, events = run(moto_url, machine, "gone")
    assert status == "SUCCEEDED"
    assert lambda_errors(events) == ["TicketNotFoundError"]
    assert [e["stateEnteredEventDetails"]["name"] for e in events
            if e["type"] == "SucceedStateEntered"] == ["Ticket gone"]
