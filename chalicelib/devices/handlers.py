"""Device handlers that are not HTTP routes: safety events from the IoT rule's Lambda action,
telemetry from the Kinesis stream in batches, and the per-minute watch of silent devices."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
        KinesisStreamRecord,
    )

    from chalicelib.devices import ingest, watch
else:
    ingest = lazy("chalicelib.devices.ingest")
    watch = lazy("chalicelib.devices.watch")

bp = Blueprint(__name__)


@bp.lambda_function(name="device_safety")
def device_safety(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One safety event (the IoT rule's SELECT output). A refused message returns
    ``{"refused": reason}``; only a failure to process raises (Lambda then retries)."""
    summary = ingest.handle(event)
    observability.logger().info("device safety event", extra={"summary": summary})
    return summary


class _DeviceHalted(RuntimeError):
    """An earlier reading of the same device failed in this batch: this one waits for it."""


def _telemetry_records() -> Callable[[KinesisStreamRecord], None]:
    """The record handler of one batch. After a failure, the rest of that device's records
    fail too, so that they are retried after it, in order; other devices' records go on (a
    retry from the first failure redelivers them; their ``seq`` is claimed, so they count once).
    """
    halted: set[str] = set()

    def handle(record: KinesisStreamRecord) -> None:
        device = record.kinesis.partition_key
        if device in halted:
            raise _DeviceHalted(device)
        try:
            event = json.loads(record.kinesis.data_as_bytes())
        except (ValueError, RecursionError):
            ingest.refuse("bad_payload", {}, sequence_number=record.kinesis.sequence_number)
            return
        try:
            ingest.handle(event)
        except Exception:
            halted.add(device)
            observability.logger().exception("device reading failed", extra={
                "device_id": device[:64], "sequence_number": record.kinesis.sequence_number})
            raise

    return handle


@bp.lambda_function(name="device_telemetry")
def device_telemetry(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """A batch of one shard of the telemetry stream (partition key = device), in stream order.
    Answers the failed records' sequence numbers (``ReportBatchItemFailures``: Lambda retries
    from the first); raises only when every record failed (Lambda then bisects the batch)."""
    if not event.get("Records"):
        return {"batchItemFailures": []}
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
    return process_partial_response(event=event, record_handler=_telemetry_records(),
                                    processor=processor, context=context)


@bp.schedule("rate(1 minute)", name="device_watch")
def device_watch(event: Any) -> dict[str, int]:
    """Every minute: silent devices go offline (a maintenance alarm), heard ones come back."""
    counts = watch.run()
    observability.logger().info("device watch", extra=counts)
    for name in ("offline", "online"):
        observability.add_metric(f"Devices{name.capitalize()}", counts[name])
    return counts
