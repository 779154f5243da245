"""Lambda's SQS event source mapping, locally: long-poll a queue, hand each batch to a function
as an ``aws:sqs`` event, delete what the function did not report as failed."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any

from infra.local.dispatch import Dispatcher
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
    """A thread that feeds one queue to one function of a dispatcher.

    With ``wake``, an event its producer sets after each send (the local device bridge), it
    polls without waiting and sleeps on ``wake`` for up to ``wait_s`` when the queue is empty:
    moto's long poll spins while a FIFO message group it holds back is the only thing visible."""

    def __init__(self, sqs: Any, queue_url: str, function: str, dispatcher: Dispatcher,
                 region: str, batch_size: int = 10, wait_s: int = 1,
                 wake: threading.Event | None = None) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._function = function
        self._dispatcher = dispatcher
        self._region = region
        self._batch_size = batch_size
        self._wait_s = wait_s
        self._wake = wake
        super().__init__(f"sqs-{function}")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._wake is None:
                    self.poll_once()
                elif self.poll_once(wait_s=0) == 0:
                    self._wake.wait(self._wait_s)
                    self._wake.clear()
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("polling %s failed", self._queue_url)
                self._stopping.wait(1)

    def poll_once(self, wait_s: int | None = None) -> int:
        """Receive one batch and deliver it; returns the number of messages received."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_s if wait_s is None else wait_s, AttributeNames=["All"],
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
