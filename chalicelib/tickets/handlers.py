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


@bp.lambda_function(name="photo_processor")
def photo_processor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    log = observability.logger()
    for record in event.get("Records", []):
        try:
            for bucket, key in s3_records(record["body"]):
                outcome = photos.process_upload(bucket, key)
                log.info("photo processed", extra={"outcome": outcome.__dict__})
                observability.add_metric(f"Photos{outcome.result.capitalize()}")
        except Exception:
            log.exception("photo processing failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


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
