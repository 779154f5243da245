"""The synthesized CloudFormation template of FanglinStack."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.config import REQUIRED
from chalicelib.core.db import (
    IDEMPOTENCY_TABLE_DEFINITION,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    TTL_ATTRIBUTE,
    table_definition,
)
from infra.stacks.fanglin_stack import (
    ACCESS,
    API_HANDLER,
    ESCALATION_SWEEP,
    ESCALATION_TASK,
    FUNCTIONS,
    PHOTO_PROCESSOR,
    chalice_function_config,
    function_logical_id,
    role_logical_id,
)
from infra.statemachine import ADVANCE, CHOICE, DONE, GONE, WAIT, escalation_definition
from tests.infra.conftest import STAGE, Synthesized
from tests.infra.helpers import as_list, dependency_order, lint_errors, render, strings

ENVIRONMENT = (
    *REQUIRED,
    "AUTH_TOKEN_USE",
    "TICKETS_PER_HOUR",
    "URL_TTL_S",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
)
GROUPS = {"resident", "owner", "property", "grid", "community", "street", "admin"}
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9.-]+\.amazonaws\.com")  # credentials.iot.amazonaws.com
GUARDED_SERVICES = ("dynamodb:", "s3:", "sqs:", "states:", "lambda:")
STATE_MACHINE_NAME = "${AWS::StackName}-escalation"
STATE_MACHINE_ARN = (
    "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"
    + STATE_MACHINE_NAME
)
TASK_ARN = "${" + function_logical_id(ESCALATION_TASK) + ".Arn}"
# What Step Functions needs besides invoking the task: log delivery and X-Ray, on "*" by design.
STATE_MACHINE_SERVICE_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


def allow_statements(synthesized: Synthesized) -> Iterator[dict[str, Any]]:
    """Every Allow statement of every identity policy, inline or standalone."""
    for resource in synthesized.resources.values():
        props = resource.get("Properties", {})
        # A user pool's ``Policies`` is its password policy, not IAM.
        inline = props.get("Policies", []) if resource["Type"].startswith("AWS::IAM::") else []
        documents = [p["PolicyDocument"] for p in inline]
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


def statements_of_role(synthesized: Synthesized, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for document in policies_of_role(synthesized, role_id)
        for statement in as_list(document["Statement"])
    ]


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in as_list(s["Action"])}


def function_role(synthesized: Synthesized, chalice_name: str) -> str:
    function = chalice_functions(synthesized)[function_logical_id(chalice_name)]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    assert role_id == role_logical_id(chalice_name)
    return str(role_id)


def state_machine(synthesized: Synthesized) -> dict[str, Any]:
    machine = synthesized.stack.escalation.state_machine
    resource = synthesized.resources[synthesized.logical_id(machine)]
    assert resource["Type"] == "AWS::StepFunctions::StateMachine"
    return dict(resource["Properties"])


def alarms_on(synthesized: Synthesized, metric_name: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == metric_name
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
    assert len(buckets) == 4
    access_logs = synthesized.logical_id(synthesized.stack.access_logs)
    evidence = synthesized.logical_id(synthesized.stack.devices.evidence)
    for bucket_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        # Object Lock needs versions: the evidence bucket (tests/infra/test_devices_stack.py).
        assert ("VersioningConfiguration" in props) is (bucket_id == evidence)
        if bucket_id != access_logs:
            logging = props["LoggingConfiguration"]
            assert logging["DestinationBucketName"] == {"Ref": access_logs}
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
    queue = synthesized.resources[synthesized.logical_id(synthesized.stack.photo_events)]
    dlq_id = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    [props] = [p for p in alarms_on(synthesized, "ApproximateNumberOfMessagesVisible")
               if p["Dimensions"][0]["Value"]["Fn::GetAtt"][0] == dlq_id]
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_photo_processor_consumes_the_queue_reporting_partial_failures(
    synthesized: Synthesized,
) -> None:
    processor = function_logical_id(PHOTO_PROCESSOR)
    [mapping] = [m for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
                 if m["Properties"]["FunctionName"] == {"Ref": processor}]
    props = mapping["Properties"]
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


def test_functions_list_names_every_chalice_function(synthesized: Synthesized) -> None:
    # A Chalice function missing from FUNCTIONS would get no grants.
    expected = {function_logical_id(name) for name in FUNCTIONS}
    assert chalice_functions(synthesized).keys() == expected
    assert {"APIHandler", "PhotoProcessor", "EscalationTask", "EscalationSweep",
            "PollClose"} <= expected


def test_every_function_gets_the_whole_environment(synthesized: Synthesized) -> None:
    functions = chalice_functions(synthesized)
    for function in functions.values():
        props = function["Properties"]
        variables = props["Environment"]["Variables"]
        assert set(ENVIRONMENT) <= variables.keys()
        assert render(variables["ESCALATION_STATE_MACHINE_ARN"]) == STATE_MACHINE_ARN
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


@pytest.mark.parametrize("chalice_name", FUNCTIONS)
def test_every_function_role_reaches_the_table_and_its_indexes(
    synthesized: Synthesized, chalice_name: str
) -> None:
    table_arn = {"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.table), "Arn"]}
    index_arn = {"Fn::Join": ["", [table_arn, "/index/*"]]}
    statements = statements_of_role(synthesized, function_role(synthesized, chalice_name))
    dynamodb = [s for s in statements if "dynamodb:PutItem" in as_list(s["Action"])]
    resources = [r for s in dynamodb for r in as_list(s["Resource"])]
    assert table_arn in resources and index_arn in resources
    assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= actions_of(statements)


@pytest.mark.parametrize("chalice_name", FUNCTIONS)
def test_function_roles_reach_only_what_the_function_uses(
    synthesized: Synthesized, chalice_name: str
) -> None:
    access = ACCESS[chalice_name]
    statements = statements_of_role(synthesized, function_role(synthesized, chalice_name))
    actions = actions_of(statements)
    uploads = json.dumps({"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.uploads),
                                         "Arn"]})
    on_uploads = actions_of([s for s in statements if uploads in json.dumps(s["Resource"])])
    assert ({"s3:GetObject", "s3:PutObject"} <= on_uploads) is access.photos
    s3_expected = access.photos or access.evidence or access.media_copies
    assert any(a.startswith("s3:") for a in actions) is s3_expected
    assert ("iot:Publish" in actions) is access.device_commands
    assert ("states:StartExecution" in actions) is access.start_escalation
    idempotency_arn = {
        "Fn::GetAtt": [synthesized.logical_id(synthesized.stack.idempotency_table), "Arn"]
    }
    resources = [r for s in statements for r in as_list(s["Resource"])]
    assert (idempotency_arn in resources) is access.idempotency


def test_escalation_functions_reach_the_table_but_no_bucket() -> None:
    assert not ACCESS[ESCALATION_TASK].photos and not ACCESS[ESCALATION_SWEEP].photos
    assert not ACCESS[ESCALATION_TASK].start_escalation and ACCESS[API_HANDLER].start_escalation


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
        "EscalationStateMachineArn",
    }
    assert expected <= synthesized.outputs.keys()
    assert "execute-api" in json.dumps(synthesized.outputs["ApiUrl"]["Value"])
    machine_id = synthesized.logical_id(synthesized.stack.escalation.state_machine)
    assert synthesized.outputs["EscalationStateMachineArn"]["Value"] == {"Ref": machine_id}


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
    assert lint_errors(synthesized.document, tmp_path) == []


# --- the escalation workflow ----------------------------------------------------------------


def test_state_machine_runs_the_shared_definition_against_the_escalation_task(
    synthesized: Synthesized,
) -> None:
    props = state_machine(synthesized)
    assert props["StateMachineType"] == "STANDARD"
    definition = json.loads(render(props["DefinitionString"]))
    assert definition == escalation_definition(TASK_ARN)
    assert {WAIT, ADVANCE, CHOICE, DONE, GONE} == definition["States"].keys()
    assert definition["States"][ADVANCE]["Resource"] == TASK_ARN
    assert definition["States"][WAIT]["TimestampPath"] == "$.check_at"


def test_state_machine_is_named_so_functions_know_its_arn_in_advance(
    synthesized: Synthesized,
) -> None:
    # The functions' ESCALATION_STATE_MACHINE_ARN (checked with the environment) is built from
    # this name: both must agree, and the name must not come from the state machine itself.
    assert render(state_machine(synthesized)["StateMachineName"]) == STATE_MACHINE_NAME


def test_state_machine_logs_all_events_without_execution_data_and_is_traced(
    synthesized: Synthesized,
) -> None:
    props = state_machine(synthesized)
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    log_group_id = synthesized.logical_id(synthesized.stack.escalation.log_group)
    [destination] = logging["Destinations"]
    assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"] == {
        "Fn::GetAtt": [log_group_id, "Arn"]
    }
    log_group = synthesized.resources[log_group_id]["Properties"]
    assert render(log_group["LogGroupName"]) == "/aws/vendedlogs/states/" + STATE_MACHINE_NAME
    assert log_group["RetentionInDays"] > 0
    assert props["TracingConfiguration"] == {"Enabled": True}


def test_state_machine_role_invokes_only_the_escalation_task(synthesized: Synthesized) -> None:
    role_id = state_machine(synthesized)["RoleArn"]["Fn::GetAtt"][0]
    role = synthesized.resources[role_id]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    statements = statements_of_role(synthesized, role_id)
    invoke = [s for s in statements if any(a.startswith("lambda:") for a in as_list(s["Action"]))]
    [statement] = invoke
    assert as_list(statement["Action"]) == ["lambda:InvokeFunction"]
    assert sorted(render(r) for r in statement["Resource"]) == [TASK_ARN, TASK_ARN + ":*"]
    assert actions_of(statements) - {"lambda:InvokeFunction"} <= STATE_MACHINE_SERVICE_ACTIONS


def test_only_the_api_starts_executions_of_that_state_machine(
    synthesized: Synthesized,
) -> None:
    starters = {}
    for policy in synthesized.of_type("AWS::IAM::Policy").values():
        for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
            # The device telemetry rule starts its own workflow (test_devices_stack.py).
            resources = [render(r) for r in as_list(statement["Resource"])]
            if any(a.startswith("states:") for a in as_list(statement["Action"])) and not any(
                    "TelemetryWorkflow" in r for r in resources):
                assert as_list(statement["Action"]) == ["states:StartExecution"]
                assert resources == [STATE_MACHINE_ARN]
                starters[json.dumps(policy["Properties"]["Roles"])] = statement
    expected = {role_logical_id(name) for name, access in ACCESS.items() if access.start_escalation}
    assert role_logical_id(API_HANDLER) in expected
    assert {role for role in expected for key in starters if f'"{role}"' in key} == expected
    assert len(starters) == len(expected)


def test_sweep_runs_every_minute(synthesized: Synthesized) -> None:
    sweep = chalice_functions(synthesized)[function_logical_id(ESCALATION_SWEEP)]["Properties"]
    assert sweep["Handler"] == "chalicelib.tickets.handlers.escalation_sweep"
    [event] = sweep["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}
    # A sweep finishes before the next one starts.
    assert sweep["Timeout"] < 60
    task = chalice_functions(synthesized)[function_logical_id(ESCALATION_TASK)]["Properties"]
    assert task["Handler"] == "chalicelib.tickets.handlers.escalation_task"
    assert "Events" not in task


@pytest.mark.parametrize("metric_name", ["ExecutionsFailed", "ExecutionsTimedOut"])
def test_failed_or_timed_out_executions_raise_an_alarm(
    synthesized: Synthesized, metric_name: str
) -> None:
    machine_id = synthesized.logical_id(synthesized.stack.escalation.state_machine)
    dimensions = [{"Name": "StateMachineArn", "Value": {"Ref": machine_id}}]
    [props] = [p for p in alarms_on(synthesized, metric_name) if p["Dimensions"] == dimensions]
    assert props["Namespace"] == "AWS/States"
    assert props["Statistic"] == "Sum"
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_sweep_errors_raise_an_alarm(synthesized: Synthesized) -> None:
    sweep = {"Ref": function_logical_id(ESCALATION_SWEEP)}
    [props] = [p for p in alarms_on(synthesized, "Errors")
               if p["Dimensions"] == [{"Name": "FunctionName", "Value": sweep}]]
    assert props["Namespace"] == "AWS/Lambda"
    assert props["Statistic"] == "Sum"
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_alarms_carry_no_literal_names(synthesized: Synthesized) -> None:
    for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values():
        assert "AlarmName" not in alarm["Properties"]


def test_no_circular_dependencies(synthesized: Synthesized) -> None:
    order = dependency_order(synthesized.resources)
    machine_id = synthesized.logical_id(synthesized.stack.escalation.state_machine)
    task_id = function_logical_id(ESCALATION_TASK)
    assert order.index(task_id) < order.index(machine_id)
