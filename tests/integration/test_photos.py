import io
import json

import boto3
import pytest
from PIL import Image

from tests.integration.conftest import jpeg_bytes, new_ticket


def upload(aws, slot, data, content_type="image/jpeg"):
    fields = slot["fields"]
    boto3.client("s3").put_object(Bucket=aws["settings"].upload_bucket, Key=fields["key"],
                                  Body=data, ContentType=content_type)


def deliver(api, aws):
    """Stand in for the SQS event source mapping: hand queued S3 events to the processor."""
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10).get(
        "Messages", [])
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"], "eventSource": "aws:sqs"} for m in messages]
    result = api.client.lambda_.invoke("photo_processor", {"Records": records})
    return records, result.payload


def take_notification(aws):
    """The body of the one S3 upload notification waiting on the queue."""
    messages = boto3.client("sqs").receive_message(QueueUrl=aws["queue_url"],
                                                   MaxNumberOfMessages=10)["Messages"]
    [body] = [m["Body"] for m in messages if "Records" in json.loads(m["Body"])]
    return body


def ticket_photo(api, ticket_id, user="lin"):
    return api.get(f"/tickets/{ticket_id}", user).json["photos"]


def without_urls(photos):
    return [{k: v for k, v in p.items() if not k.endswith("url")} for p in photos]


def test_upload_slot_is_a_presigned_post_for_the_photo_key(api):
    created = new_ticket(api, photos=2)
    slots = created["uploads"]
    assert len(slots) == 2
    tid = created["ticket"]["ticket_id"]
    for slot in slots:
        assert slot["fields"]["key"] == f"uploads/{tid}/{slot['photo_id']}"
        policy = json.loads(__import__("base64").b64decode(slot["fields"]["policy"]))
        conditions = json.dumps(policy["conditions"])
        assert "content-length-range" in conditions and '"image/"' in conditions
    assert [p["status"] for p in created["ticket"]["photos"]] == ["pending", "pending"]


def test_processing_strips_gps_and_makes_renditions(api, aws):
    created = new_ticket(api, photos=1)
    tid = created["ticket"]["ticket_id"]
    source = jpeg_bytes((3000, 1000), gps=True)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)
    upload(aws, created["uploads"][0], source)
    records, payload = deliver(api, aws)
    assert records and payload == {"batchItemFailures": []}
    [photo] = ticket_photo(api, tid)
    assert photo["status"] == "ready" and photo["width"] == 2048
    s3 = boto3.client("s3")
    media = s3.list_objects_v2(Bucket=aws["settings"].media_bucket)["Contents"]
    assert len(media) == 2
    for obj in media:
        data = s3.get_object(Bucket=aws["settings"].media_bucket, Key=obj["Key"])["Body"].read()
        assert b"Exif" not in data
        assert not Image.open(io.BytesIO(data)).getexif()
    uploads = s3.list_objects_v2(Bucket=aws["settings"].upload_bucket).get("Contents", [])
    assert uploads == []
    assert photo["url"] and photo["thumbnail_url"]


def test_redelivered_event_changes_nothing(api, aws):
    created = new_ticket(api, photos=1)
    tid = created["ticket"]["ticket_id"]
    upload(aws, created["uploads"][0], jpeg_bytes())
    records, _ = deliver(api, aws)
    first = ticket_photo(api, tid)
    again = api.client.lambda_.invoke("photo_processor", {"Records": records})
    assert again.payload == {"batchItemFailures": []}
    assert without_urls(ticket_photo(api, tid)) == without_urls(first)


def sqs_record(message_id, body):
    return {"messageId": message_id, "receiptHandle": f"handle-{message_id}", "body": body,
            "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:photos", "awsRegion": "us-east-1"}


def test_only_failed_messages_are_reported(api, aws):
    created = new_ticket(api, photos=1)
    upload(aws, created["uploads"][0], jpeg_bytes())
    records = [
        sqs_record("good", take_notification(aws)),
        sqs_record("broken", "{not json"),
        sqs_record("test-event", json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})),
    ]
    result = api.client.lambda_.invoke("photo_processor", {"Records": records})
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert [p["status"] for p in ticket_photo(api, created["ticket"]["ticket_id"])] == ["ready"]


def test_a_batch_that_fails_entirely_is_reported_not_raised(api):
    records = [sqs_record("one", "{not json"),
               sqs_record("two", json.dumps({"Records": [{"s3": {"bucket": {}}}]}))]
    result = api.client.lambda_.invoke("photo_processor", {"Records": records})
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "one"},
                                                    {"itemIdentifier": "two"}]}
    empty = api.client.lambda_.invoke("photo_processor", {"Records": []})
    assert empty.payload == {"batchItemFailures": []}


@pytest.mark.parametrize("data,content_type,reason", [
    (b"plain text, not a picture", "image/jpeg", "unsupported_type"),
    (None, "image/png", "mislabelled"),
    ("truncated", "image/jpeg", "corrupt"),
])
def test_bad_uploads_are_rejected_with_a_reason(api, aws, data, content_type, reason):
    created = new_ticket(api, photos=1)
    if data is None:
        data = jpeg_bytes()
    elif data == "truncated":
        whole = jpeg_bytes((800, 600))
        data = whole[: len(whole) // 2]
    upload(aws, created["uploads"][0], data, content_type)
    deliver(api, aws)
    [photo] = ticket_photo(api, created["ticket"]["ticket_id"])
    assert photo["status"] == "rejected" and photo["reason"] == reason
    assert photo["url"] is None
    leftover = boto3.client("s3").list_objects_v2(Bucket=aws["settings"].upload_bucket)
    assert leftover.get("Contents", []) == []


def test_direct_upload(api, aws):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    response = api.post(f"/tickets/{tid}/photos", "lin", raw=jpeg_bytes(),
                        headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 202, response.body
    deliver(api, aws)
    assert [p["status"] for p in ticket_photo(api, tid)] == ["ready"]


def test_direct_upload_limits(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    big = api.post(f"/tickets/{tid}/photos", "lin", raw=b"\xff" * (5 * 1024 * 1024 + 1),
                   headers={"Content-Type": "image/jpeg"})
    assert big.status_code == 413
    wrong = api.post(f"/tickets/{tid}/photos", "lin", raw=b"hello",
                     headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 415
    assert ticket_photo(api, tid) == []


def test_new_slot_and_photo_limit(api):
    tid = new_ticket(api, photos=9)["ticket"]["ticket_id"]
    response = api.post(f"/tickets/{tid}/photos", "lin", {})
    assert response.status_code == 409
    staff = api.post(f"/tickets/{tid}/photos", "wuye", {"purpose": "after"})
    assert staff.status_code == 201 and staff.json["fields"]["key"].startswith(f"uploads/{tid}/")


def test_photo_routes_respect_scope(api):
    tid = new_ticket(api)["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{tid}/photos", "zhang", {}).status_code == 404
    assert api.post(f"/tickets/{tid}/photos", "huang", {}).status_code == 403
    assert api.post(f"/tickets/{tid}/photos", "lin", {"purpose": "after"}).status_code == 403
