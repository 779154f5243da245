"""Faults, through the real app on moto: a lost Step Functions execution, events delivered
twice, handlers that die half-way and are retried, and AWS calls that cannot reach their
service. Time is injected where a clock decides (no sleeping)."""
from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.core import config
from chalicelib.core.db import dynamodb_client
from chalicelib.core.timeutil import parse_iso
from chalicelib.tickets import escalation, photos, store
from tests.integration.conftest import Api, jpeg_bytes, new_ticket

LATE = timedelta(hours=6, minutes=1)
BODY = {"category": "public_area", "description": "楼道灯不亮",
        "location": {"estate_id": "huayuan", "building": "b1"}}
DOWN = "http://127.0.0.1:5000/"
SHADES = itertools.count(10, 20)


class InjectedFaultError(RuntimeError):
    """A crash injected by a test (a timeout or a killed container, say)."""


def fail_once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, error: Exception,
              after: bool = False) -> list[int]:
    """Make the first call of ``owner.name`` raise ``error``: before doing its work, or with
    ``after`` once its work is done. Returns the list of calls (one entry each)."""
    original = getattr(owner, name)
    calls: list[int] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1 and not after:
            raise error
        result = original(*args, **kwargs)
        if len(calls) == 1 and after:
            raise error
        return result

    monkeypatch.setattr(owner, name, once)
    return calls


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The escalation's clock reads ``moment``."""
    monkeypatch.setattr(escalation, "utcnow", lambda: moment)


def created(ticket_id: str) -> datetime:
    ticket = store.get_ticket(ticket_id, consistent=True)
    assert ticket is not None
    return parse_iso(ticket.created_at)


def timeline(api: Api, ticket_id: str) -> list[str]:
    return [e["action"] for e in api.get(f"/tickets/{ticket_id}", "chen").json["timeline"]]


def inbox_kinds(api: Api, user: str, ticket_id: str) -> list[str]:
    items = api.get("/me/inbox?limit=100", user).json["items"]
    return sorted(n["kind"] for n in items if n["ticket_id"] == ticket_id)


def executions(aws: dict[str, Any], ticket_id: str) -> list[dict[str, Any]]:
    listed = boto3.client("stepfunctions").list_executions(
        stateMachineArn=aws["settings"].escalation_state_machine_arn)["executions"]
    return [e for e in listed if e["name"].startswith(f"{ticket_id}-")]


def sweep(api: Api) -> Any:
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/escalation_sweep"])
    return api.client.lambda_.invoke("escalation_sweep", event).payload


def counted(name: str) -> float:
    """The sum of one statistics counter over jinxiu's day buckets."""
    return sum(b.get(name, 0) for b in store.stats_buckets("jinxiu", "day:0", "day:9"))


# --- a lost Step Functions execution ------------------------------------------------------

def test_a_ticket_whose_execution_was_stopped_escalates_through_the_sweep(
        api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    [running] = executions(aws, tid)
    boto3.client("stepfunctions").stop_execution(executionArn=running["executionArn"])
    assert [e["status"] for e in executions(aws, tid)] == ["ABORTED"]
    at(monkeypatch, created(tid) + LATE)
    assert sweep(api)["advanced"] >= 1
    view = api.get(f"/tickets/{tid}", "chen").json
    assert view["sla"]["level"] == 1 and view["sla"]["responsible"] == "community"
    assert timeline(api, tid).count("escalated") == 1
    assert "escalated" in inbox_kinds(api, "chen", tid)


def test_a_ticket_whose_execution_never_started_escalates_through_the_sweep(
        api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    machine = aws["settings"].escalation_state_machine_arn
    monkeypatch.setenv("ESCALATION_STATE_MACHINE_ARN", machine + "-missing")
    config.reset()
    tid = new_ticket(api)["ticket"]["ticket_id"]
    assert executions(aws, tid) == []
    at(monkeypatch, created(tid) + LATE)
    sweep(api)
    assert api.get(f"/tickets/{tid}", "chen").json["sla"]["level"] == 1
    assert timeline(api, tid) == ["created", "escalated"]


# --- events delivered twice ---------------------------------------------------------------

def upload(aws: dict[str, Any], slot: dict[str, Any], data: bytes) -> str:
    """Put the object the slot names; returns the S3 notification body waiting on the queue."""
    boto3.client("s3").put_object(Bucket=aws["settings"].upload_bucket,
                                  Key=slot["fields"]["key"], Body=data, ContentType="image/jpeg")
    messages = boto3.client("sqs").receive_message(QueueUrl=aws["queue_url"],
                                                   MaxNumberOfMessages=10)["Messages"]
    [body] = [m["Body"] for m in messages if "Records" in json.loads(m["Body"])]
    return str(body)


def picture() -> bytes:
    """A photo no other test uploads (renditions are stored under their content hash)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 600), (next(SHADES), 90, 160)).save(out, "JPEG")
    return out.getvalue()


def record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": f"handle-{message_id}", "body": body,
            "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:photos",
            "awsRegion": "us-east-1"}


def deliver(api: Api, *records: dict[str, Any]) -> Any:
    return api.client.lambda_.invoke("photo_processor", {"Records": list(records)}).payload


def media_keys(aws: dict[str, Any]) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=aws["settings"].media_bucket)
    return {o["Key"] for o in listed.get("Contents", [])}


def photo_state(api: Api, ticket_id: str) -> list[tuple[str, str | None]]:
    return [(p["status"], p["reason"]) for p in api.get(f"/tickets/{ticket_id}", "lin").json[
        "photos"]]


def test_an_upload_event_delivered_twice_makes_one_photo(api: Api, aws: dict[str, Any]) -> None:
    made = new_ticket(api, photos=1)
    tid = made["ticket"]["ticket_id"]
    before, media = timeline(api, tid), media_keys(aws)
    body = upload(aws, made["uploads"][0], picture())
    assert deliver(api, record("m1", body), record("m1-again", body)) == {
        "batchItemFailures": []}
    assert deliver(api, record("m1", body)) == {"batchItemFailures": []}
    assert photo_state(api, tid) == [("ready", None)]
    assert len(media_keys(aws) - media) == 2
    assert timeline(api, tid) == before
    ticket = store.get_ticket(tid, consistent=True)
    assert ticket is not None and int(ticket.report_photos) == 1


def test_a_rejected_upload_delivered_twice_is_refused_and_told_once(
        api: Api, aws: dict[str, Any]) -> None:
    made = new_ticket(api, photos=1)
    tid = made["ticket"]["ticket_id"]
    media = media_keys(aws)
    body = upload(aws, made["uploads"][0], b"not a picture at all")
    deliver(api, record("r1", body))
    deliver(api, record("r1-again", body), record("r1", body))
    assert photo_state(api, tid) == [("rejected", "unsupported_type")]
    assert inbox_kinds(api, "lin", tid) == ["photo_rejected"]
    ticket = store.get_ticket(tid, consistent=True)
    assert ticket is not None and int(ticket.report_photos) == 0
    assert media_keys(aws) == media


@pytest.mark.parametrize("data,state", [
    (None, ("ready", None)), (b"not a picture at all", ("rejected", "unsupported_type"))])
def test_a_duplicate_arriving_while_the_first_is_processed_settles_once(
        api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, data: bytes | None,
        state: tuple[str, str | None]) -> None:
    """The duplicate runs to the end between the first delivery's read and its write: only
    the conditional write keeps the second settlement (and a second refusal notice) out."""
    from chalicelib.tickets import images

    made = new_ticket(api, photos=1)
    tid = made["ticket"]["ticket_id"]
    body = upload(aws, made["uploads"][0], data or picture())
    original = images.process_image
    duplicates: list[Any] = []

    def with_a_duplicate_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not duplicates:
            duplicates.append("running")
            duplicates[0] = deliver(api, record("dup", body))
        return original(*args, **kwargs)

    monkeypatch.setattr(images, "process_image", with_a_duplicate_meanwhile)
    assert deliver(api, record("first", body)) == {"batchItemFailures": []}
    assert duplicates == [{"batchItemFailures": []}]
    assert photo_state(api, tid) == [state]
    ticket = store.get_ticket(tid, consistent=True)
    assert ticket is not None and int(ticket.report_photos) == (1 if data is None else 0)
    assert inbox_kinds(api, "lin", tid) == ([] if data is None else ["photo_rejected"])


def test_an_escalation_task_delivered_twice_escalates_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    at(monkeypatch, created(tid) + LATE)
    first = api.client.lambda_.invoke("escalation_task", {"ticket_id": tid}).payload
    again = api.client.lambda_.invoke("escalation_task", {"ticket_id": tid}).payload
    assert first == again and first["done"] is False
    assert timeline(api, tid) == ["created", "escalated"]
    assert inbox_kinds(api, "chen", tid) == ["escalated"]
    assert counted("escalations") == 1


def test_a_sweep_event_delivered_twice_escalates_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    at(monkeypatch, created(tid) + LATE)
    assert sweep(api) == {"due": 1, "advanced": 1, "busy": 0, "gone": 0}
    assert sweep(api) == {"due": 0, "advanced": 0, "busy": 0, "gone": 0}
    assert timeline(api, tid) == ["created", "escalated"]
    assert inbox_kinds(api, "wuye", tid) == ["escalated"]


# --- handlers that die half-way -------------------------------------------------------------

def dynamodb_dropped() -> TransactWriteError:
    return TransactWriteError("Failed to write transaction items",
                              ConnectionClosedError(endpoint_url=DOWN))


def mine(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/tickets?mine=true&limit=50", "lin").json["items"]
    return items


def quota_hits() -> int:
    return len(store.rate_window("tickets", "lin").hits)


@pytest.mark.parametrize("name,after", [("create", False), ("create", True)])
def test_a_create_that_dies_is_retried_with_its_key_into_one_ticket(
        api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str,
        after: bool) -> None:
    calls = fail_once(monkeypatch, store, name, InjectedFaultError("container died"), after)
    key = {"Idempotency-Key": f"faults-create-{after}"}
    crashed = api.post("/tickets", "lin", dict(BODY, photos=1), headers=key)
    assert crashed.status_code == 500
    retried = api.post("/tickets", "lin", dict(BODY, photos=1), headers=key)
    assert retried.status_code == 201, retried.body
    assert len(calls) == 2
    tid = retried.json["ticket"]["ticket_id"]
    assert [t["ticket_id"] for t in mine(api)] == [tid]
    assert [u["photo_id"] for u in retried.json["uploads"]] == [
        p["photo_id"] for p in retried.json["ticket"]["photos"]]
    # An attempt that fails gives its quota back, even when its write landed before it died.
    assert quota_hits() == (0 if after else 1)
    assert counted("created") == 1
    assert [e["name"] for e in executions(aws, tid)] == [f"{tid}-c0"]
    assert timeline(api, tid) == ["created"]
    replay = api.post("/tickets", "lin", dict(BODY, photos=1), headers=key)
    assert replay.status_code == 201 and replay.json["ticket"]["ticket_id"] == tid


def test_a_create_refused_by_an_unreachable_table_answers_503_and_the_retry_succeeds(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_once(monkeypatch, store, "create", dynamodb_dropped())
    key = {"Idempotency-Key": "faults-503"}
    refused = api.post("/tickets", "lin", BODY, headers=key)
    assert refused.status_code == 503, refused.body
    assert refused.headers["Retry-After"] == "5"
    assert refused.json["Code"] == "ServiceUnavailableError"
    assert refused.json["dependency"] == "DynamoDB"
    assert quota_hits() == 0 and mine(api) == []
    retried = api.post("/tickets", "lin", BODY, headers=key)
    assert retried.status_code == 201, retried.body
    assert len(mine(api)) == 1 and quota_hits() == 1


def test_a_transition_that_dies_before_its_write_completes_on_retry(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    fail_once(monkeypatch, store, "commit", dynamodb_dropped())
    refused = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "马上到"})
    assert refused.status_code == 503, refused.body
    assert timeline(api, tid) == ["created"]
    done = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "马上到"})
    assert done.status_code == 200, done.body
    assert timeline(api, tid) == ["created", "acknowledge"]
    assert counted("responded") == 1


def test_a_transition_that_dies_after_its_write_is_not_applied_twice(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    fail_once(monkeypatch, store, "commit", InjectedFaultError("died"), after=True)
    crashed = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "马上到"})
    assert crashed.status_code == 500
    again = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "马上到"})
    assert again.status_code == 409 and again.json["status"] == "acknowledged"
    assert timeline(api, tid) == ["created", "acknowledge"]
    assert counted("responded") == 1
    assert inbox_kinds(api, "lin", tid).count("acknowledged") <= 1


@pytest.mark.parametrize("owner,name,after", [
    (store, "settle_photo", False),
    (store, "settle_photo", True),
    (photos, "_delete_upload", False),
])
def test_a_photo_handler_that_dies_is_redelivered_into_one_photo(
        api: Api, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
        after: bool) -> None:
    made = new_ticket(api, photos=1)
    tid = made["ticket"]["ticket_id"]
    media = media_keys(aws)
    body = upload(aws, made["uploads"][0], picture())
    fail_once(monkeypatch, owner, name,
              UpdateError("Failed to update item", EndpointConnectionError(endpoint_url=DOWN)),
              after)
    assert deliver(api, record("p1", body)) == {"batchItemFailures": [{"itemIdentifier": "p1"}]}
    assert deliver(api, record("p1", body)) == {"batchItemFailures": []}
    assert photo_state(api, tid) == [("ready", None)]
    assert len(media_keys(aws) - media) == 2
    uploads = boto3.client("s3").list_objects_v2(Bucket=aws["settings"].upload_bucket)
    assert uploads.get("KeyCount", 0) == 0
    ticket = store.get_ticket(tid, consistent=True)
    assert ticket is not None and int(ticket.report_photos) == 1


@pytest.mark.parametrize("owner,name,after", [
    (store, "commit", False),
    (store, "commit", True),
])
def test_an_escalation_task_that_dies_is_retried_into_one_escalation(
        api: Api, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, after: bool) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    at(monkeypatch, created(tid) + LATE)
    fail_once(monkeypatch, owner, name, dynamodb_dropped(), after)
    with pytest.raises(TransactWriteError):
        api.client.lambda_.invoke("escalation_task", {"ticket_id": tid})
    retried = api.client.lambda_.invoke("escalation_task", {"ticket_id": tid}).payload
    assert retried["done"] is False
    assert timeline(api, tid) == ["created", "escalated"]
    assert inbox_kinds(api, "chen", tid) == ["escalated"]
    assert counted("escalations") == 1


# --- AWS out of reach -----------------------------------------------------------------------

def refusing(service: Callable[[], Any], error: Exception) -> Callable[[], None]:
    """Make every request of the client ``service()`` fail with ``error``; returns the undo."""
    client = service()

    def refuse(**kwargs: Any) -> None:
        raise error

    client.meta.events.register("before-send", refuse)
    return lambda: client.meta.events.unregister("before-send", refuse)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries a refused connection after a jittered back-off; skip the sleeping."""
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda s: None)


def test_an_unreachable_table_answers_503_naming_it_then_the_data_is_back(
        api: Api, no_backoff: None) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    first = api.get(f"/tickets/{tid}", "lin").json
    undo = refusing(dynamodb_client, EndpointConnectionError(endpoint_url=DOWN))
    try:
        for method, path, body in (("GET", f"/tickets/{tid}", None), ("GET", "/tickets", None),
                                   ("POST", "/tickets", BODY),
                                   ("POST", f"/tickets/{tid}/comments", {"message": "还在吗"})):
            down = api.call(method, path, "lin", body)
            assert down.status_code == 503, (path, down.body)
            assert down.headers["Retry-After"] == "5"
            assert down.json == {"Code": "ServiceUnavailableError",
                                 "Message": "DynamoDB is unavailable; retry in 5 s",
                                 "dependency": "DynamoDB", "retry_after_s": 5}
            assert b"Traceback" not in down.body
    finally:
        undo()
    back = api.get(f"/tickets/{tid}", "lin").json
    assert back["timeline"] == first["timeline"] and back["status"] == first["status"]
    assert [t["ticket_id"] for t in mine(api)] == [tid]


def test_an_outage_answer_is_a_documented_error_body(api: Api, no_backoff: None) -> None:
    import app  # noqa: F401  (registers every route)
    from chalicelib.web import openapi
    from tests.integration.test_openapi import conforms

    doc = json.loads(json.dumps(openapi.document()))
    tid = new_ticket(api)["ticket"]["ticket_id"]
    undo = refusing(dynamodb_client, EndpointConnectionError(endpoint_url=DOWN))
    try:
        rest = api.get(f"/tickets/{tid}", "lin")
        open311 = api.get(f"/open311/v2/requests/{tid}.json?jurisdiction_id=jinxiu", "lin")
    finally:
        undo()
    assert conforms(doc, "get_ticket", rest)["dependency"] == "DynamoDB"
    assert conforms(doc, "open311_get_request", open311)[0]["code"] == 503
    operation = doc["paths"]["/tickets/{ticket_id}"]["get"]
    assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_an_unreachable_bucket_is_named_and_open311_keeps_its_shape(
        api: Api, no_backoff: None) -> None:
    from chalicelib.core import clients

    tid = new_ticket(api)["ticket"]["ticket_id"]
    undo = refusing(clients.s3, ConnectionClosedError(endpoint_url=DOWN))
    try:
        direct = api.call("POST", f"/tickets/{tid}/photos", "lin",
                          headers={"Content-Type": "image/jpeg"}, raw=jpeg_bytes())
        assert direct.status_code == 503, direct.body
        assert direct.json["dependency"] == "S3"
    finally:
        undo()
    undo = refusing(dynamodb_client, EndpointConnectionError(endpoint_url=DOWN))
    try:
        open311 = api.get(f"/open311/v2/requests/{tid}.json?jurisdiction_id=jinxiu", "lin")
        assert open311.status_code == 503, open311.body
        assert open311.headers["Retry-After"] == "5"
        assert open311.json[0]["code"] == 503
        assert "DynamoDB" in open311.json[0]["description"]
    finally:
        undo()


def test_a_failure_that_is_not_an_outage_stays_a_plain_500(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    monkeypatch.setattr(store, "get_ticket", lambda *a, **k: (_ for _ in ()).throw(
        ValueError("a bug")))
    response = api.get(f"/tickets/{tid}", "lin")
    assert response.status_code == 500
    assert json.loads(response.body) == {"Code": "InternalServerError",
                             "Message": "An internal server error occurred."}
