"""Device handlers that are not HTTP routes: safety events from the IoT rule's Lambda action,
telemetry from the FIFO queue in batches, and the per-minute watch of silent devices."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

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


def _telemetry_record(record: SQSRecord) -> None:
    try:
        event = json.loads(record.body)
    except (ValueError, RecursionError):
        ingest.refuse("bad_payload", {}, message_id=record.message_id)
        return
    ingest.handle(event)


@bp.lambda_function(name="device_telemetry")
def device_telemetry(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """A batch from the telemetry FIFO queue (message group = device): records of one device in
    order; after a failure the rest of that device's records are reported failed, for
    redelivery in order, while other devices' records go on."""
    if not event.get("Records"):
        return {"batchItemFailures": []}
    from aws_lambda_powertools.utilities.batch import (
        SqsFifoPartialProcessor,
        process_partial_response,
    )

    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    return process_partial_response(event=event, record_handler=_telemetry_record,
                                    processor=processor, context=context)


@bp.schedule("rate(1 minute)", name="device_watch")
def device_watch(event: Any) -> dict[str, int]:
    """Every minute: silent devices go offline (a maintenance alarm), heard ones come back."""
    counts = watch.run()
    observability.logger().info("device watch", extra=counts)
    for name in ("offline", "online"):
        observability.add_metric(f"Devices{name.capitalize()}", counts[name])
    return counts
