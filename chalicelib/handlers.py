"""Event handlers that are not HTTP routes: the photo processor fed by S3 → SQS."""
from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint

from chalicelib import observability, photos

bp = Blueprint(__name__)


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
