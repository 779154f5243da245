"""The local stand-in for Lambda's Kinesis event source mapping (``infra.local.poller``), as the
telemetry stream uses it: batches of one shard in order, real-shaped records, the batching window,
retries from the first failed record, bisection of a batch that raised, and what is given up."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from infra.local.dispatch import Dispatcher
from infra.local.poller import KinesisPoller, StreamSettings

ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/telemetry"
SHARD = "shardId-000000000000"


class FakeKinesis:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def describe_stream_summary(self, StreamName: str) -> dict[str, Any]:  # noqa: N803
        return {"StreamDescriptionSummary": {"StreamARN": ARN}}

    def list_shards(self, StreamName: str) -> dict[str, Any]:  # noqa: N803
        return {"Shards": [{"ShardId": SHARD}]}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, str]:
        assert kwargs["ShardIteratorType"] == "LATEST"
        return {"ShardIterator": str(len(self.records))}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:  # noqa: N803
        start = int(ShardIterator)
        found = self.records[start:start + Limit]
        return {"Records": found, "NextShardIterator": str(start + len(found))}

    def put(self, device: str, value: Any, age_s: float = 0) -> None:
        self.records.append({
            "SequenceNumber": str(1000 + len(self.records)), "PartitionKey": device,
            "Data": json.dumps(value).encode(),
            "ApproximateArrivalTimestamp": datetime.now(timezone.utc) - timedelta(seconds=age_s)})


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803
        self.sent.append({"queue": QueueUrl, **json.loads(MessageBody)})


class Function:
    """Records every batch; fails the records whose value is in ``failing`` (partially), or
    raises when ``raising`` is in the batch."""

    def __init__(self, failing: set[Any] | None = None, raising: Any = None) -> None:
        self.batches: list[list[Any]] = []
        self.events: list[dict[str, Any]] = []
        self.failing = failing or set()
        self.raising = raising

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        values = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
        self.batches.append(values)
        self.events.append(event)
        if self.raising in values:
            raise RuntimeError("the whole batch failed")
        return {"batchItemFailures": [
            {"itemIdentifier": r["kinesis"]["sequenceNumber"]}
            for r, v in zip(event["Records"], values, strict=True) if v in self.failing]}


def poller(kinesis: FakeKinesis, function: Function, sqs: FakeSqs | None = None,
           **settings: Any) -> KinesisPoller:
    dispatcher = Dispatcher("us-east-1")
    dispatcher.register("device_telemetry", function)
    return KinesisPoller(kinesis, "telemetry", "device_telemetry", dispatcher, "us-east-1",
                         StreamSettings(**({"batch_size": 3, "retry_s": 0} | settings)),
                         sqs=sqs, on_failure_url="dead-letters")


def test_records_put_after_start_go_in_batches_of_one_shard_as_lambda_shapes_them() -> None:
    kinesis, function = FakeKinesis(), Function()
    kinesis.put("pm-0", "before")
    feed = poller(kinesis, function)
    for n in range(5):
        kinesis.put(f"pm-{n % 2}", n)
    assert feed.poll_once() == 3  # a full batch goes at once, and the shard is read again at once
    assert feed._behind
    assert feed.poll_once() == 2
    assert not feed._behind and feed._pause() == 1.0  # caught up: the next read in a second
    assert function.batches == [[0, 1, 2], [3, 4]]
    [record, *_] = function.events[0]["Records"]
    assert record["eventSource"] == "aws:kinesis" and record["eventSourceARN"] == ARN
    assert record["kinesis"]["partitionKey"] == "pm-0"
    assert record["kinesis"]["sequenceNumber"] == "1001"
    assert record["eventID"] == f"{SHARD}:1001"
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)


def test_a_batch_waits_for_the_batching_window_unless_full() -> None:
    kinesis, function = FakeKinesis(), Function()
    feed = poller(kinesis, function, batching_window_s=60)
    kinesis.put("pm-1", 1)
    feed.poll_once()
    assert function.batches == []
    kinesis.put("pm-1", 2)
    kinesis.put("pm-1", 3)
    feed.poll_once()
    assert function.batches == [[1, 2, 3]]


def test_a_partial_failure_is_retried_from_the_first_failed_record() -> None:
    kinesis, function = FakeKinesis(), Function(failing={2})
    sqs = FakeSqs()
    feed = poller(kinesis, function, sqs, retry_attempts=2)
    for n in (1, 2, 3):
        kinesis.put("pm-1", n)
    feed.poll_once()
    assert function.batches == [[1, 2, 3], [2, 3], [2, 3]]
    [given_up] = sqs.sent
    assert given_up["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert given_up["KinesisBatchInfo"] | {"approximateArrivalOfFirstRecord": "",
                                           "approximateArrivalOfLastRecord": ""} == {
        "shardId": SHARD, "startSequenceNumber": "1001", "endSequenceNumber": "1002",
        "batchSize": 2, "streamArn": ARN, "approximateArrivalOfFirstRecord": "",
        "approximateArrivalOfLastRecord": ""}
    kinesis.put("pm-1", 4)
    feed.poll_once()
    assert function.batches[-1] == [4]  # the shard goes on


def test_a_batch_that_raises_is_bisected_down_to_the_failing_record() -> None:
    kinesis, function = FakeKinesis(), Function(raising="poison")
    sqs = FakeSqs()
    feed = poller(kinesis, function, sqs, retry_attempts=1, batch_size=4)
    for value in (1, "poison", 3, 4):
        kinesis.put("pm-1", value)
    feed.poll_once()
    assert function.batches == [[1, "poison", 3, 4], [1, "poison"], [1], ["poison"],
                                ["poison"], [3, 4]]
    assert [m["KinesisBatchInfo"]["startSequenceNumber"] for m in sqs.sent] == ["1001"]


def test_records_older_than_the_maximum_age_are_given_up_unprocessed() -> None:
    kinesis, function = FakeKinesis(), Function()
    sqs = FakeSqs()
    feed = poller(kinesis, function, sqs, max_record_age_s=60)
    kinesis.put("pm-1", "stale", age_s=61)
    kinesis.put("pm-1", "fresh")
    feed.poll_once()
    assert function.batches == [["fresh"]]
    assert [m["requestContext"]["condition"] for m in sqs.sent] == ["RecordAgeExceeded"]
