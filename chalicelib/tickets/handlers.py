"""Event handlers that are not HTTP routes: the photo processor fed by S3 → SQS, the escalation
task of the Step Functions workflow, and the per-minute sweep."""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from chalicelib.tickets import escalation, photos
else:
    escalation = lazy("chalicelib.tickets.escalation")
    photos = lazy("chalicelib.tickets.photos")

bp = Blueprint(__name__)
EARLY_WAKE_S = 5.0


def s3_records(body: str) -> list[tuple[str, str]]:
    """(bucket, key) of each S3 notification record in an SQS message body (test events: none)."""
    message = json.loads(body)
    return [(r["s3"]["bucket"]["name"], r["s3"]["object"]["key"])
            for r in message.get("Records", []) if "s3" in r]


def _process_photo_message(record: SQSRecord) -> None:
    log = observability.logger()
    try:
        for bucket, key in s3_records(record.body):
            outcome = photos.process_upload(bucket, key)
            log.info("photo processed", extra={"outcome": outcome.__dict__})
            observability.add_metric(f"Photos{outcome.result.capitalize()}")
    except Exception:
        log.exception("photo processing failed", extra={"message_id": record.get("messageId")})
        raise


@bp.lambda_function(name="photo_processor")
def photo_processor(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Process the S3 notifications in each SQS message. A message that fails is listed in
    ``batchItemFailures`` for redelivery, even when the whole batch fails; nothing is raised."""
    if not event.get("Records"):
        return {"batchItemFailures": []}
    # Imported on the first photo event, not by ``import app`` at every cold start.
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=_process_photo_message,
                                    processor=processor, context=context)


@bp.lambda_function(name="escalation_task")
def escalation_task(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Step Functions task: advance one ticket past its due checkpoint. A Wait ends only to
    the second, so a task woken a few seconds early waits out the rest here instead of looping.
    Raises TicketBusyError (retried by the state machine) and TicketNotFoundError (caught)."""
    ticket_id = event["ticket_id"]
    early = escalation.seconds_until_check(ticket_id)
    if 0 < early <= EARLY_WAKE_S:
        time.sleep(early)
    result = escalation.advance(ticket_id)
    observability.logger().info("sla advanced", extra=result)
    return result


@bp.schedule("rate(1 minute)", name="escalation_sweep")
def escalation_sweep(event: Any) -> dict[str, int]:
    """Every minute: advance whatever is due that no workflow advanced."""
    counts = escalation.sweep()
    observability.logger().info("sla sweep", extra=counts)
    for name, value in counts.items():
        observability.add_metric(f"Sweep{name.capitalize()}", value)
    return counts
