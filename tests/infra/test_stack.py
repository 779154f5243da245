"""The synthesized CloudFormation template of FanglinStack."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.models.base import (
    IDEMPOTENCY_TABLE_DEFINITION,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    TTL_ATTRIBUTE,
    table_definition,
)
from infra.stacks.fanglin_stack import (
    PHOTO_PROCESSOR,
    chalice_function_config,
    function_logical_id,
)
from tests.infra.conftest import STAGE, Synthesized

ENVIRONMENT = (
    "FANGLIN_TABLE",
    "IDEMPOTENCY_TABLE",
    "UPLOAD_BUCKET",
    "MEDIA_BUCKET",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "AUTH_TOKEN_USE",
    "TICKETS_PER_HOUR",
    "URL_TTL_S",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
)
GROUPS = {"resident", "owner", "property", "grid", "community", "street", "admin"}
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+\.amazonaws\.com")
GUARDED_SERVICES = ("dynamodb:", "s3:", "sqs:")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allow_statements(synthesized: Synthesized) -> Iterator[dict[str, Any]]:
    """Every Allow statement of every identity policy, inline or standalone."""
    for resource in synthesized.resources.values():
        props = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in as_list(document["Statement"]):
                if statement["Effect"] == "Allow":
                    yield statement


def chalice_functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return synthesized.of_type("AWS::Serverless::Function")


def policies_of_role(synthesized: Synthesized, role_id: str) -> list[dict[str, Any]]:
    return [
        policy["Properties"]["PolicyDocument"]
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if role_id in json.dumps(policy["Properties"]["Roles"])
    ]


def table_properties(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    resource = synthesized.resources[synthesized.logical_id(construct)]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == "Retain"
    return dict(resource["Properties"])


def by_name(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


@pytest.mark.parametrize(
    ("table", "definition", "ttl"),
    [
        ("table", table_definition(), TTL_ATTRIBUTE),
        ("idempotency_table", IDEMPOTENCY_TABLE_DEFINITION, IDEMPOTENCY_TTL_ATTRIBUTE),
    ],
)
def test_tables_follow_the_code_definition(
    synthesized: Synthesized, table: str, definition: dict[str, Any], ttl: str
) -> None:
    props = table_properties(synthesized, getattr(synthesized.stack, table))
    assert props["KeySchema"] == definition["KeySchema"]
    assert by_name(props["AttributeDefinitions"], "AttributeName") == by_name(
        definition["AttributeDefinitions"], "AttributeName"
    )
    expected_indexes = by_name(definition.get("GlobalSecondaryIndexes", []), "IndexName")
    actual_indexes = by_name(props.get("GlobalSecondaryIndexes", []), "IndexName")
    assert actual_indexes.keys() == expected_indexes.keys()
    for name, index in expected_indexes.items():
        assert actual_indexes[name]["KeySchema"] == index["KeySchema"]
        assert actual_indexes[name]["Projection"] == index["Projection"]
    assert props["BillingMode"] == definition["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}


def test_buckets_are_private_encrypted_and_ssl_only(synthesized: Synthesized) -> None:
    buckets = synthesized.of_type("AWS::S3::Bucket")
    assert len(buckets) == 2
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert "VersioningConfiguration" not in props
    policies = synthesized.of_type("AWS::S3::BucketPolicy").values()
    ssl_only = [
        p["Properties"]["Bucket"]["Ref"]
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert sorted(ssl_only) == sorted(buckets)


def test_uploads_bucket_takes_browser_posts_and_forgets_uploads(
    synthesized: Synthesized,
) -> None:
    props = synthesized.resources[synthesized.logical_id(synthesized.stack.uploads)]["Properties"]
    [cors] = props["CorsConfiguration"]["CorsRules"]
    assert set(cors["AllowedMethods"]) == {"POST", "PUT"}
    assert cors["AllowedOrigins"] == ["*"]
    assert cors["AllowedHeaders"] == ["*"]
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert rule["Prefix"] == "uploads/"
    assert rule["ExpirationInDays"] == 1
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_uploads_notify_the_photo_queue(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    [notifications] = synthesized.of_type("Custom::S3BucketNotifications").values()
    config = notifications["Properties"]["NotificationConfiguration"]
    assert notifications["Properties"]["BucketName"] == {
        "Ref": synthesized.logical_id(stack.uploads)
    }
    [queue_config] = config["QueueConfigurations"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert queue_config["QueueArn"] == {
        "Fn::GetAtt": [synthesized.logical_id(stack.photo_events), "Arn"]
    }
    assert set(config) == {"QueueConfigurations"}


def test_photo_queue_has_a_dead_letter_queue_and_room_for_retries(
    synthesized: Synthesized,
) -> None:
    queue = synthesized.resources[synthesized.logical_id(synthesized.stack.photo_events)]
    props = queue["Properties"]
    dlq_id = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5
    timeout = chalice_functions(synthesized)[function_logical_id(PHOTO_PROCESSOR)]["Properties"][
        "Timeout"
    ]
    assert props["VisibilityTimeout"] >= 6 * timeout
    assert props["SqsManagedSseEnabled"] is True
    dlq = synthesized.resources[dlq_id]["Properties"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dlq["SqsManagedSseEnabled"] is True


def test_dead_letters_raise_an_alarm(synthesized: Synthesized) -> None:
    [alarm] = synthesized.of_type("AWS::CloudWatch::Alarm").values()
    props = alarm["Properties"]
    assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    [dimension] = props["Dimensions"]
    dlq_id = dimension["Value"]["Fn::GetAtt"][0]
    queue = synthesized.resources[synthesized.logical_id(synthesized.stack.photo_events)]
    assert queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == dlq_id


def test_photo_processor_consumes_the_queue_reporting_partial_failures(
    synthesized: Synthesized,
) -> None:
    [mapping] = synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    processor = function_logical_id(PHOTO_PROCESSOR)
    assert props["FunctionName"] == {"Ref": processor}
    assert props["EventSourceArn"] == {
        "Fn::GetAtt": [synthesized.logical_id(synthesized.stack.photo_events), "Arn"]
    }
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BatchSize"] == 5
    # Lambda checks the role can receive from the queue when it creates the mapping.
    [policy_id] = mapping["DependsOn"]
    policy = synthesized.resources[policy_id]["Properties"]
    assert "sqs:ReceiveMessage" in json.dumps(policy["PolicyDocument"])
    role_id = chalice_functions(synthesized)[processor]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert role_id in json.dumps(policy["Roles"])


def test_function_sizes_follow_the_chalice_config(synthesized: Synthesized) -> None:
    processor = chalice_functions(synthesized)[function_logical_id(PHOTO_PROCESSOR)]["Properties"]
    config = chalice_function_config(STAGE, PHOTO_PROCESSOR)
    assert processor["MemorySize"] == config.lambda_memory_size == 1536
    assert processor["Timeout"] == config.lambda_timeout == 60
    assert chalice_functions(synthesized)["APIHandler"]["Properties"]["MemorySize"] == 512


def test_user_pool_is_admin_managed_with_community_attribute(synthesized: Synthesized) -> None:
    [pool] = synthesized.of_type("AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert "UsernameAttributes" not in props and "AliasAttributes" not in props
    schema = by_name(props["Schema"], "Name")
    assert schema["community"]["AttributeDataType"] == "String"
    assert schema["community"]["Mutable"] is True
    assert {"name", "phone_number"} <= schema.keys()


def test_user_pool_has_one_group_per_role(synthesized: Synthesized) -> None:
    groups = synthesized.of_type("AWS::Cognito::UserPoolGroup").values()
    assert {g["Properties"]["GroupName"] for g in groups} == GROUPS
    synthesized.template.resource_count_is("AWS::Cognito::UserPoolGroup", len(GROUPS))


def test_app_client_logs_in_with_password_or_srp(synthesized: Synthesized) -> None:
    [client] = synthesized.of_type("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(props["ExplicitAuthFlows"])
    assert props["GenerateSecret"] is False
    assert props["IdTokenValidity"] == 60
    assert props["TokenValidityUnits"]["IdToken"] == "minutes"


def test_every_function_gets_the_whole_environment(synthesized: Synthesized) -> None:
    functions = chalice_functions(synthesized)
    assert {"APIHandler", function_logical_id(PHOTO_PROCESSOR)} <= functions.keys()
    for function in functions.values():
        props = function["Properties"]
        variables = props["Environment"]["Variables"]
        assert set(ENVIRONMENT) <= variables.keys()
        assert variables["AUTH_TOKEN_USE"] == "id"
        assert variables["TICKETS_PER_HOUR"] == "20"
        assert variables["URL_TTL_S"] == "600"
        assert variables["POWERTOOLS_SERVICE_NAME"] == "fanglin"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Fanglin"
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
        assert props["Tracing"] == "Active"


def test_requests_are_traced_from_api_gateway(synthesized: Synthesized) -> None:
    [api] = synthesized.of_type("AWS::Serverless::Api").values()
    assert api["Properties"]["TracingEnabled"] is True
    assert api["Properties"]["EndpointConfiguration"] == "REGIONAL"


def test_issuer_is_built_from_region_and_url_suffix_tokens(synthesized: Synthesized) -> None:
    pool_id = next(iter(synthesized.of_type("AWS::Cognito::UserPool")))
    for function in chalice_functions(synthesized).values():
        issuer = function["Properties"]["Environment"]["Variables"]["AUTH_ISSUER"]
        assert issuer == {
            "Fn::Join": [
                "",
                [
                    "https://cognito-idp.",
                    {"Ref": "AWS::Region"},
                    ".",
                    {"Ref": "AWS::URLSuffix"},
                    "/",
                    {"Ref": pool_id},
                ],
            ]
        }


def test_template_names_no_partition_or_domain(synthesized: Synthesized) -> None:
    text = json.dumps(synthesized.document)
    assert "arn:aws:" not in text
    assert "arn:aws-cn:" not in text
    domains = {s for s in strings(synthesized.document) if "amazonaws.com" in s}
    assert all(SERVICE_PRINCIPAL.fullmatch(d) for d in domains), domains


def test_every_function_role_reaches_the_table_and_its_indexes(synthesized: Synthesized) -> None:
    table_arn = {"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.table), "Arn"]}
    index_arn = {"Fn::Join": ["", [table_arn, "/index/*"]]}
    for function in chalice_functions(synthesized).values():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [s for doc in policies_of_role(synthesized, role_id) for s in doc["Statement"]]
        dynamodb = [s for s in statements if "dynamodb:PutItem" in as_list(s["Action"])]
        resources = [r for s in dynamodb for r in as_list(s["Resource"])]
        assert table_arn in resources and index_arn in resources, role_id
        actions = {a for s in statements for a in as_list(s["Action"])}
        assert {"xray:PutTraceSegments", "s3:GetObject", "s3:PutObject"} <= actions


def test_no_wildcard_data_access(synthesized: Synthesized) -> None:
    for statement in allow_statements(synthesized):
        actions = as_list(statement["Action"])
        assert not {"*", "dynamodb:*", "s3:*", "sqs:*"} & set(actions), statement
        if "*" in as_list(statement.get("Resource", [])):
            assert not [a for a in actions if a.startswith(GUARDED_SERVICES)], statement


def test_outputs(synthesized: Synthesized) -> None:
    expected = {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "UploadBucket",
        "MediaBucket",
        "TableName",
    }
    assert expected <= synthesized.outputs.keys()
    assert "execute-api" in json.dumps(synthesized.outputs["ApiUrl"]["Value"])


def test_resources_are_tagged(synthesized: Synthesized) -> None:
    tagged = [
        *synthesized.of_type("AWS::DynamoDB::Table").values(),
        *synthesized.of_type("AWS::S3::Bucket").values(),
        *synthesized.of_type("AWS::SQS::Queue").values(),
    ]
    for resource in tagged:
        assert {"Key": "project", "Value": "fanglin"} in resource["Properties"]["Tags"]
    for function in chalice_functions(synthesized).values():
        assert function["Properties"]["Tags"]["project"] == "fanglin"


def test_cfn_lint_finds_no_errors(synthesized: Synthesized, tmp_path: Path) -> None:
    from cfnlint.api import lint_file

    path = tmp_path / "template.json"
    path.write_text(json.dumps(synthesized.document))
    matches = lint_file(path)
    for match in matches:
        print(f"cfn-lint {match.rule.severity}: {match}")
    assert [str(m) for m in matches if m.rule.severity == "error"] == []
