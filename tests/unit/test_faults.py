"""An AWS dependency that cannot be reached becomes a 503 naming it, never a 500: botocore's
connection errors, timeouts, throttling and 5xx answers, however PynamoDB or another layer wraps
them. The errors are raised by real botocore clients (their send step refuses), so the service is
read from a real call's traceback."""
from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore import exceptions as aws
from botocore.config import Config
from pynamodb.exceptions import GetError, PutError

from chalicelib.core.errors import DependencyUnavailableError, NotFoundError
from chalicelib.web.errors import RETRY_AFTER_S, dependency_outage, to_response

URL = "http://127.0.0.1:5000/"
CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "dynamodb": ("get_item", {"TableName": "t", "Key": {"pk": {"S": "a"}}}),
    "s3": ("get_object", {"Bucket": "b", "Key": "k"}),
    "stepfunctions": ("start_execution", {"stateMachineArn": "arn:aws:states:us-east-1:"
                                          "123456789012:stateMachine:m", "name": "n"}),
    "sqs": ("receive_message", {"QueueUrl": "http://127.0.0.1:5000/123456789012/q"}),
}


def throttled(code: str, status: int) -> aws.ClientError:
    return aws.ClientError({"Error": {"Code": code, "Message": code},
                            "ResponseMetadata": {"HTTPStatusCode": status}}, "Call")


def raised_by(service: str, error: Exception) -> Exception:
    """What a real client call raises when its request fails with ``error`` (no retries)."""
    client = botocore.session.get_session().create_client(
        service, region_name="us-east-1", endpoint_url=URL, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"mode": "standard",
                                                                "max_attempts": 1}))

    def refuse(**kwargs: Any) -> None:
        raise error

    client.meta.events.register("before-send", refuse)
    operation, params = CALLS[service]
    try:
        getattr(client, operation)(**params)
    except Exception as err:  # noqa: BLE001 - the test returns what the call raised
        return err
    raise AssertionError("the call did not fail")


@pytest.mark.parametrize("service,error,named", [
    ("dynamodb", aws.EndpointConnectionError(endpoint_url=URL), "DynamoDB"),
    ("s3", aws.ReadTimeoutError(endpoint_url=URL), "S3"),
    ("stepfunctions", aws.ConnectionClosedError(endpoint_url=URL), "Step Functions"),
    ("sqs", aws.ConnectTimeoutError(endpoint_url=URL), "SQS"),
    ("dynamodb", throttled("ProvisionedThroughputExceededException", 400), "DynamoDB"),
    ("s3", throttled("SlowDown", 503), "S3"),
    ("stepfunctions", throttled("ServiceUnavailable", 503), "Step Functions"),
])
def test_unreachable_or_overloaded_services_are_named(service: str, error: Exception,
                                                      named: str) -> None:
    outage = dependency_outage(raised_by(service, error))
    assert outage is not None
    assert (outage.dependency, outage.retry_after_s) == (named, RETRY_AFTER_S)


def test_errors_wrapped_by_pynamodb_and_others_are_seen_through() -> None:
    refused = raised_by("dynamodb", aws.EndpointConnectionError(endpoint_url=URL))
    try:
        raise GetError("Failed to get item", refused)
    except GetError as wrapped:
        outage = dependency_outage(wrapped)
    assert outage is not None and outage.dependency == "DynamoDB"
    try:
        try:
            raise refused
        except aws.BotoCoreError as err:
            raise RuntimeError("persistence layer failed") from err
    except RuntimeError as chained:
        outage = dependency_outage(chained)
    assert outage is not None and outage.dependency == "DynamoDB"
    bare = PutError("Failed to put item", aws.ConnectionClosedError(endpoint_url=URL))
    found = dependency_outage(bare)
    assert found is not None and found.dependency == "DynamoDB"


@pytest.mark.parametrize("error", [
    ValueError("a bug"),
    aws.NoCredentialsError(),
    throttled("AccessDeniedException", 400),
    throttled("ConditionalCheckFailedException", 400),
    PutError("Failed to put item", throttled("ValidationException", 400)),
    NotFoundError("no such ticket"),
])
def test_other_errors_are_not_outages(error: Exception) -> None:
    assert dependency_outage(error) is None


def test_a_refused_client_call_that_is_not_an_outage_stays_unmapped() -> None:
    assert dependency_outage(raised_by("s3", throttled("NoSuchBucket", 404))) is None


def test_an_outage_answers_503_with_retry_after_and_the_dependency() -> None:
    response = to_response(DependencyUnavailableError("DynamoDB", 7))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == {
        "Code": "ServiceUnavailableError", "Message": "DynamoDB is unavailable; retry in 7 s",
        "dependency": "DynamoDB", "retry_after_s": 7}
