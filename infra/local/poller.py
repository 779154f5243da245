"""Lambda's event source mappings, locally. SQS: long-poll a queue, hand each batch to a function
as an ``aws:sqs`` event, delete what the function did not report as failed. Kinesis: read each
shard in order, hand batches to a function as ``aws:kinesis`` events, retry from the first record
it reported failed (or bisect a batch that raised), give up after the retry attempts."""
from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from infra.local.dispatch import ACCOUNT_ID, Dispatcher
from infra.local.worker import Worker

log = logging.getLogger("fanglin.local.poller")


def is_s3_test_event(body: str) -> bool:
    try:
        message = json.loads(body)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("Event") == "s3:TestEvent"


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, shaped like the real one."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_ids(result: Any) -> set[str]:
    """Message ids a handler reported in ``batchItemFailures`` (partial batch response)."""
    if not isinstance(result, dict):
        return set()
    return {str(f.get("itemIdentifier")) for f in result.get("batchItemFailures") or []
            if isinstance(f, dict)}


class SqsPoller(Worker):
    """A thread that feeds one queue to one function of a dispatcher (long polls of
    ``wait_s``)."""

    def __init__(self, sqs: Any, queue_url: str, function: str, dispatcher: Dispatcher,
                 region: str, batch_size: int = 10, wait_s: int = 1) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._function = function
        self._dispatcher = dispatcher
        self._region = region
        self._batch_size = batch_size
        self._wait_s = wait_s
        super().__init__(f"sqs-{function}")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("polling %s failed", self._queue_url)
                self._stopping.wait(1)

    def poll_once(self) -> int:
        """Receive one batch and deliver it; returns the number of messages received."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_s, AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        tests = [m for m in messages if is_s3_test_event(m["Body"])]
        batch = [m for m in messages if not is_s3_test_event(m["Body"])]
        self._delete(tests)
        if batch:
            self._deliver(batch)
        return len(messages)

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(m, self._queue_arn, self._region) for m in batch]}
        try:
            result = self._dispatcher.invoke(self._function, event)
        except Exception:
            log.exception("%s failed; %d messages return after the visibility timeout",
                          self._function, len(batch))
            return
        failed = failed_ids(result)
        self._delete([m for m in batch if m["MessageId"] not in failed])

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])


@dataclass(frozen=True)
class StreamSettings:
    """The settings of a Kinesis event source mapping that the local poller honours."""

    batch_size: int = 100
    batching_window_s: float = 0
    retry_attempts: int = 3
    max_record_age_s: float = 3600
    bisect_on_error: bool = True
    idle_s: float = 1.0  # Lambda reads a caught-up shard about once a second
    retry_s: float = 0.5  # before the first retry; doubled before each next one


def kinesis_record(record: dict[str, Any], shard_id: str, stream_arn: str, region: str,
                   role_arn: str) -> dict[str, Any]:
    """One record of a Lambda Kinesis event, shaped like the real one."""
    arrival = record["ApproximateArrivalTimestamp"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": arrival.timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


FUNCTION_ERROR = -1


class KinesisPoller(Worker):
    """A thread that feeds one stream to one function of a dispatcher, as Lambda's mapping.

    Each shard is read in order from the records put after the poller started. A shard's batch
    (at most ``batch_size`` records) is delivered once it is full or the batching window since
    its first record has passed; the next batch of that shard waits until this one is done. A
    batch the function answers with ``batchItemFailures`` is retried from the first failed
    record; one it raises for is split in two (bisect); after ``retry_attempts`` retries, or
    when records are older than ``max_record_age_s``, the batch's description goes to the
    on-failure queue (the records stay in the stream) and reading goes on. A shard that gave a
    full batch is read again at once, a caught-up one after ``idle_s``, as Lambda's standard
    consumer does."""

    def __init__(self, kinesis: Any, stream_name: str, function: str, dispatcher: Dispatcher,
                 region: str, settings: StreamSettings, sqs: Any = None,
                 on_failure_url: str | None = None) -> None:
        self._kinesis = kinesis
        self._stream = stream_name
        self._stream_arn = str(kinesis.describe_stream_summary(StreamName=stream_name)[
            "StreamDescriptionSummary"]["StreamARN"])
        self._function = function
        self._dispatcher = dispatcher
        self._region = region
        self._settings = settings
        self._sqs = sqs
        self._on_failure_url = on_failure_url
        self._role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{function}"
        shards = [s["ShardId"] for s in kinesis.list_shards(StreamName=stream_name)["Shards"]]
        self._iterators: dict[str, str] = {
            shard: kinesis.get_shard_iterator(StreamName=stream_name, ShardId=shard,
                                              ShardIteratorType="LATEST")["ShardIterator"]
            for shard in shards}
        self._buffers: dict[str, list[dict[str, Any]]] = {shard: [] for shard in shards}
        self._first_read: dict[str, float] = {}
        self._behind = False
        super().__init__(f"kinesis-{function}")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("reading %s failed", self._stream)
                self._stopping.wait(self._settings.idle_s)
                continue
            self._stopping.wait(0.0 if self._behind else self._pause())

    def _pause(self) -> float:
        """Until the first batching window ends, or the idle poll."""
        if not self._first_read:
            return self._settings.idle_s
        due = min(self._first_read.values()) + self._settings.batching_window_s
        return max(0.0, min(self._settings.idle_s, due - time.monotonic()))

    def poll_once(self) -> int:
        """Read every shard and deliver the batches that are due; returns the records read."""
        self._behind = False
        read = 0
        for shard in self._iterators:
            read += self._read(shard)
        now = time.monotonic()
        for shard, buffer in self._buffers.items():
            while buffer and (len(buffer) >= self._settings.batch_size or
                              now - self._first_read[shard] >= self._settings.batching_window_s):
                batch = buffer[:self._settings.batch_size]
                del buffer[:len(batch)]
                self._process(shard, batch)
            if not buffer:
                self._first_read.pop(shard, None)
        return read

    def _read(self, shard: str) -> int:
        buffer = self._buffers[shard]
        room = self._settings.batch_size - len(buffer)
        if room <= 0:
            return 0
        answer = self._kinesis.get_records(ShardIterator=self._iterators[shard],
                                           Limit=min(room, 10000))
        self._iterators[shard] = answer["NextShardIterator"]
        records = answer.get("Records") or []
        self._behind = self._behind or len(records) >= room
        if records:
            self._first_read.setdefault(shard, time.monotonic())
            buffer.extend(records)
        return len(records)

    def _process(self, shard: str, batch: list[dict[str, Any]]) -> None:
        """Deliver one batch until it is done, retrying and bisecting as Lambda does."""
        batch = self._fresh(shard, batch)
        retries = 0
        while batch and not self._stopping.is_set():
            failed_at = self._invoke(shard, batch)
            if failed_at is None:
                return
            if failed_at == FUNCTION_ERROR and self._settings.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                self._process(shard, batch[:half])
                self._process(shard, batch[half:])
                return
            if retries >= self._settings.retry_attempts:
                self._give_up(shard, batch, "RetryAttemptsExhausted", retries + 1)
                return
            batch = batch[max(0, failed_at):]
            self._stopping.wait(self._settings.retry_s * 2 ** retries)
            retries += 1

    def _fresh(self, shard: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        oldest = datetime.now(timezone.utc).timestamp() - self._settings.max_record_age_s
        stale = [r for r in batch if r["ApproximateArrivalTimestamp"].timestamp() < oldest]
        if not stale:
            return batch
        self._give_up(shard, stale, "RecordAgeExceeded", 0)
        gone = {r["SequenceNumber"] for r in stale}
        return [r for r in batch if r["SequenceNumber"] not in gone]

    def _invoke(self, shard: str, batch: list[dict[str, Any]]) -> int | None:
        """None when the batch is done; else the index of the first failed record, or
        FUNCTION_ERROR when the function raised."""
        event = {"Records": [kinesis_record(r, shard, self._stream_arn, self._region,
                                            self._role_arn) for r in batch]}
        try:
            result = self._dispatcher.invoke(self._function, event)
        except Exception:
            log.exception("%s failed on %d records of %s", self._function, len(batch), shard)
            return FUNCTION_ERROR
        failed = failed_ids(result)
        for n, record in enumerate(batch):
            if record["SequenceNumber"] in failed:
                return n
        return None

    def _give_up(self, shard: str, batch: list[dict[str, Any]], condition: str,
                 invocations: int) -> None:
        """What Lambda sends to a stream mapping's on-failure destination: where the records
        are, not the records."""
        log.warning("%s: %d records of %s discarded (%s)", self._function, len(batch), shard,
                    condition)
        if self._sqs is None or self._on_failure_url is None:
            return
        arrivals = [r["ApproximateArrivalTimestamp"] for r in batch]
        message = {
            "requestContext": {"requestId": str(uuid.uuid4()),
                               "functionArn": self._dispatcher.arn(self._function),
                               "condition": condition, "approximateInvokeCount": invocations},
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "KinesisBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": batch[0]["SequenceNumber"],
                "endSequenceNumber": batch[-1]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": min(arrivals).isoformat(),
                "approximateArrivalOfLastRecord": max(arrivals).isoformat(),
                "batchSize": len(batch),
                "streamArn": self._stream_arn,
            },
        }
        try:
            self._sqs.send_message(QueueUrl=self._on_failure_url, MessageBody=json.dumps(message))
        except Exception:
            log.exception("the on-failure queue refused a discarded batch of %s", self._stream)
