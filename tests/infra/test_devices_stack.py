"""The device ingestion of the synthesized template (``infra/stacks/devices.py``): the topic
rules run the SQL of ``chalicelib.devices.topics``, each action goes where SPEC 6 says with its own
least-privilege role and an error action, readings reach a Kinesis stream keyed by device, the
evidence bucket keeps originals under Object Lock, and devices may publish only as themselves."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from chalicelib.devices import topics
from infra.stacks.devices import CAMERA_THING, ITERATOR_AGE_ALARM_MS, THING
from infra.stacks.fanglin_stack import (
    ACCESS,
    DEVICE_SAFETY,
    DEVICE_TELEMETRY,
    DEVICE_WATCH,
    FUNCTIONS,
    function_logical_id,
    role_logical_id,
)
from tests.infra.conftest import Synthesized
from tests.infra.helpers import as_list, render

IOT_ARN = "arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:"
COMMANDS_TOPICS = IOT_ARN + "topic/fanglin/*/devices/*/commands"


def logical_id(synthesized: Synthesized, construct: Any) -> str:
    if isinstance(construct, cdk.CfnElement):
        return str(synthesized.stack.get_logical_id(construct))
    return synthesized.logical_id(construct)


def props(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    return dict(synthesized.resources[logical_id(synthesized, construct)]["Properties"])


def ref(synthesized: Synthesized, construct: Any) -> dict[str, str]:
    return {"Ref": logical_id(synthesized, construct)}


def arn(synthesized: Synthesized, construct: Any) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id(synthesized, construct), "Arn"]}


def statements_of(synthesized: Synthesized, role_id: str) -> list[dict[str, Any]]:
    """Statements of the policies attached to a role (Chalice's roles are named by ARN parts)."""
    return [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if f'"{role_id}"' in json.dumps(policy["Properties"]["Roles"])
        for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    ]


def grants(synthesized: Synthesized, role_id: str) -> dict[str, list[Any]]:
    """action -> resources, over every statement of the role's policies."""
    found: dict[str, list[Any]] = {}
    for statement in statements_of(synthesized, role_id):
        for action in as_list(statement["Action"]):
            found.setdefault(action, []).extend(as_list(statement["Resource"]))
    return found


def rule_of(synthesized: Synthesized, name: str) -> dict[str, Any]:
    return dict(props(synthesized, synthesized.stack.devices.rules[name])["TopicRulePayload"])


def rule_role(synthesized: Synthesized, name: str) -> str:
    payload = rule_of(synthesized, name)
    [action] = payload["Actions"]
    role = payload["ErrorAction"]["Sqs"]["RoleArn"]["Fn::GetAtt"][0]
    for action_props in action.values():
        if "RoleArn" in action_props:
            assert action_props["RoleArn"]["Fn::GetAtt"][0] == role
    return str(role)


def test_four_rules_run_the_shared_sql(synthesized: Synthesized) -> None:
    rules = synthesized.of_type("AWS::IoT::TopicRule")
    expected = {topics.SAFETY_RULE.sql, topics.TELEMETRY_RULE.sql, topics.heartbeat_rule().sql,
                topics.UNROUTED_SQL}
    payloads = [r["Properties"]["TopicRulePayload"] for r in rules.values()]
    assert sorted(p["Sql"] for p in payloads) == sorted(expected)
    for payload in payloads:
        assert payload["AwsIotSqlVersion"] == "2016-03-23"
        assert payload["RuleDisabled"] is False
        assert f"FROM '{topics.TOPIC_FILTER}'" in payload["Sql"]


def test_every_rule_sends_its_failures_to_the_dead_letter_queue(synthesized: Synthesized) -> None:
    dead_letters = synthesized.stack.devices.dead_letters
    for name in synthesized.stack.devices.rules:
        error = rule_of(synthesized, name)["ErrorAction"]
        assert error["Sqs"]["QueueUrl"] == ref(synthesized, dead_letters)
        assert arn(synthesized, dead_letters) in grants(synthesized, rule_role(synthesized, name))[
            "sqs:SendMessage"]


@pytest.mark.parametrize(("name", "extra"), [
    (topics.SAFETY_RULE.name, set()),
    (topics.TELEMETRY_RULE.name, {"kinesis:PutRecord"}),
    (topics.HEARTBEAT_RULE_NAME, {"dynamodb:PutItem"}),
    (topics.UNROUTED_RULE_NAME, {"cloudwatch:PutMetricData"}),
])
def test_each_rule_role_may_do_its_action_only(synthesized: Synthesized, name: str,
                                               extra: set[str]) -> None:
    role_id = rule_role(synthesized, name)
    role = synthesized.resources[role_id]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "iot.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    found = grants(synthesized, role_id)
    assert set(found) == {"sqs:SendMessage"} | extra
    assert found["sqs:SendMessage"] == [arn(synthesized, synthesized.stack.devices.dead_letters)]


def test_safety_events_invoke_the_safety_function_at_once(synthesized: Synthesized) -> None:
    safety = function_logical_id(DEVICE_SAFETY)
    [action] = rule_of(synthesized, topics.SAFETY_RULE.name)["Actions"]
    assert action == {"Lambda": {"FunctionArn": {"Fn::GetAtt": [safety, "Arn"]}}}
    [permission] = [p for p in synthesized.of_type("AWS::Lambda::Permission").values()
                    if p["Properties"]["Principal"] == "iot.amazonaws.com"]
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": safety},
        "Principal": "iot.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": arn(synthesized, synthesized.stack.devices.rules[topics.SAFETY_RULE.name]),
    }


def test_safety_events_the_function_fails_are_kept(synthesized: Synthesized) -> None:
    dead_letters = arn(synthesized, synthesized.stack.devices.dead_letters)
    [config] = synthesized.of_type("AWS::Lambda::EventInvokeConfig").values()
    assert config["Properties"]["FunctionName"] == {"Ref": function_logical_id(DEVICE_SAFETY)}
    assert config["Properties"]["MaximumRetryAttempts"] == 2
    assert config["Properties"]["DestinationConfig"] == {"OnFailure": {"Destination": dead_letters}}
    # Lambda sends to an on-failure destination with the function's own role.
    assert dead_letters in grants(synthesized, role_logical_id(DEVICE_SAFETY))["sqs:SendMessage"]


def test_readings_go_into_the_stream_keyed_by_device(synthesized: Synthesized) -> None:
    devices = synthesized.stack.devices
    [action] = rule_of(synthesized, topics.TELEMETRY_RULE.name)["Actions"]
    role = rule_role(synthesized, topics.TELEMETRY_RULE.name)
    assert action == {"Kinesis": {"StreamName": ref(synthesized, devices.telemetry),
                                  "PartitionKey": "${topic(4)}",
                                  "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}}
    # topic(4) of fanglin/{community}/devices/{device}/events is the device
    assert topics.TOPIC_FILTER.split("/")[3] == "+" and topics.SELECT_EVENT.count(
        "topic(4) AS device_id") == 1
    assert grants(synthesized, role)["kinesis:PutRecord"] == [arn(synthesized, devices.telemetry)]


def test_the_stream_is_one_encrypted_provisioned_shard(synthesized: Synthesized) -> None:
    stream = props(synthesized, synthesized.stack.devices.telemetry)
    assert stream["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert stream["ShardCount"] == topics.TELEMETRY_SHARDS == 1
    assert stream["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    assert stream["RetentionPeriodHours"] == 24
    assert not synthesized.of_type("AWS::StepFunctions::StateMachine").keys() - {
        logical_id(synthesized, synthesized.stack.escalation.state_machine)}
    assert not [q for q in synthesized.of_type("AWS::SQS::Queue").values()
                if q["Properties"].get("FifoQueue")]


def test_device_telemetry_consumes_the_stream_in_large_batches(synthesized: Synthesized) -> None:
    devices = synthesized.stack.devices
    telemetry = function_logical_id(DEVICE_TELEMETRY)
    [mapping] = [m for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
                 if m["Properties"]["FunctionName"] == {"Ref": telemetry}]
    assert {k: v for k, v in mapping["Properties"].items() if k != "Tags"} == {
        "FunctionName": {"Ref": telemetry},
        "EventSourceArn": arn(synthesized, devices.telemetry),
        "StartingPosition": "LATEST",
        "BatchSize": 500,
        "MaximumBatchingWindowInSeconds": 0,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 3,
        "MaximumRecordAgeInSeconds": 3600,
        "DestinationConfig": {"OnFailure": {
            "Destination": arn(synthesized, devices.dead_letters)}},
    }
    role = role_logical_id(DEVICE_TELEMETRY)
    found = grants(synthesized, role)
    assert {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
            "kinesis:ListShards"} <= set(found)
    assert arn(synthesized, devices.dead_letters) in found["sqs:SendMessage"]
    assert not {a for a in found if a.startswith("kinesis:Put")}
    depends = mapping["DependsOn"]
    policies = json.dumps([synthesized.resources[d]["Properties"] for d in depends])
    assert "kinesis:GetRecords" in policies and "sqs:SendMessage" in policies
    assert f'"{role}"' in policies


def test_a_lagging_consumer_raises_an_alarm(synthesized: Synthesized) -> None:
    stream = ref(synthesized, synthesized.stack.devices.telemetry)
    [alarm] = [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("Dimensions") == [{"Name": "StreamName", "Value": stream}]]
    assert alarm["MetricName"] == "GetRecords.IteratorAgeMilliseconds"
    assert (alarm["Namespace"], alarm["Statistic"]) == ("AWS/Kinesis", "Maximum")
    assert alarm["Threshold"] == ITERATOR_AGE_ALARM_MS
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


def test_heartbeats_are_put_into_the_table_without_a_lambda(synthesized: Synthesized) -> None:
    [action] = rule_of(synthesized, topics.HEARTBEAT_RULE_NAME)["Actions"]
    assert set(action) == {"DynamoDBv2"}
    table = synthesized.stack.table
    assert action["DynamoDBv2"]["PutItem"] == {"TableName": ref(synthesized, table)}
    assert grants(synthesized, rule_role(synthesized, topics.HEARTBEAT_RULE_NAME))[
        "dynamodb:PutItem"] == [arn(synthesized, table)]


def test_unrouted_messages_are_counted(synthesized: Synthesized) -> None:
    [action] = rule_of(synthesized, topics.UNROUTED_RULE_NAME)["Actions"]
    metric = action["CloudwatchMetric"]
    assert (metric["MetricNamespace"], metric["MetricName"], metric["MetricValue"],
            metric["MetricUnit"]) == ("Fanglin", topics.REFUSED_METRIC, "1", "Count")
    [statement] = [s for s in statements_of(
        synthesized, rule_role(synthesized, topics.UNROUTED_RULE_NAME))
        if s["Action"] == "cloudwatch:PutMetricData"]
    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Fanglin"}}


def test_evidence_bucket_keeps_originals_under_object_lock(synthesized: Synthesized) -> None:
    bucket = synthesized.stack.devices.evidence
    resource = synthesized.resources[logical_id(synthesized, bucket)]
    assert resource["DeletionPolicy"] == "Retain"
    p = resource["Properties"]
    assert p["ObjectLockEnabled"] is True
    assert p["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled", "Rule": {
        "DefaultRetention": {"Mode": "GOVERNANCE", "Days": topics.EVIDENCE_RETENTION_DAYS}}}
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert set(p["PublicAccessBlockConfiguration"].values()) == {True}
    ssl_only = [s for policy in synthesized.of_type("AWS::S3::BucketPolicy").values()
                if policy["Properties"]["Bucket"] == ref(synthesized, bucket)
                for s in policy["Properties"]["PolicyDocument"]["Statement"]
                if s["Effect"] == "Deny"
                and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}]
    assert len(ssl_only) == 1


def test_only_device_safety_reads_evidence_and_only_cameras_write_it(
    synthesized: Synthesized,
) -> None:
    devices = synthesized.stack.devices
    bucket_arn = json.dumps(arn(synthesized, devices.evidence))
    for name in FUNCTIONS:
        found = grants(synthesized, role_logical_id(name))
        on_evidence = {a for a, resources in found.items()
                       if any(bucket_arn in json.dumps(r) for r in resources)}
        assert on_evidence == ({"s3:GetObject"} if name == DEVICE_SAFETY else set()), name
    [read] = [r for r in grants(synthesized, role_logical_id(DEVICE_SAFETY))["s3:GetObject"]
              if bucket_arn in json.dumps(r)]
    assert render(read).endswith("/" + topics.EVIDENCE_PREFIX + "*")
    camera = props(synthesized, devices.camera_role)
    [trust] = camera["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "credentials.iot.amazonaws.com"}
    camera_grants = grants(synthesized, logical_id(synthesized, devices.camera_role))
    assert list(camera_grants) == ["s3:PutObject"]
    [write] = camera_grants["s3:PutObject"]
    assert render(write) == ("${" + logical_id(synthesized, devices.evidence) + ".Arn}/"
                             + topics.EVIDENCE_PREFIX + CAMERA_THING + "/*")
    alias = props(synthesized, devices.camera_alias)
    assert alias["RoleArn"] == arn(synthesized, devices.camera_role)


def policy_statements(synthesized: Synthesized, policy: Any) -> dict[str, dict[str, Any]]:
    document = props(synthesized, policy)["PolicyDocument"]
    return {s["Action"]: s for s in document["Statement"]}


def test_devices_connect_as_their_thing_and_publish_only_their_events(
    synthesized: Synthesized,
) -> None:
    statements = policy_statements(synthesized, synthesized.stack.devices.device_policy)
    assert set(statements) == {"iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    resources = {action: render(s["Resource"]) for action, s in statements.items()}
    assert resources == {
        "iot:Connect": IOT_ARN + "client/" + THING,
        "iot:Publish": IOT_ARN + f"topic/fanglin/*/devices/{THING}/events",
        "iot:Subscribe": IOT_ARN + f"topicfilter/fanglin/*/devices/{THING}/commands",
        "iot:Receive": IOT_ARN + f"topic/fanglin/*/devices/{THING}/commands",
    }
    assert THING == "${iot:Connection.Thing.ThingName}"
    assert statements["iot:Connect"]["Condition"] == {
        "Bool": {"iot:Connection.Thing.IsAttached": "true"}}


def test_cameras_may_also_exchange_their_certificate_for_upload_credentials(
    synthesized: Synthesized,
) -> None:
    devices = synthesized.stack.devices
    device = policy_statements(synthesized, devices.device_policy)
    camera = policy_statements(synthesized, devices.camera_policy)
    assert set(camera) - set(device) == {"iot:AssumeRoleWithCertificate"}
    assert camera["iot:AssumeRoleWithCertificate"]["Resource"] == {
        "Fn::GetAtt": [logical_id(synthesized, devices.camera_alias), "RoleAliasArn"]}


def test_only_the_functions_that_command_actuators_may_publish(synthesized: Synthesized) -> None:
    publishers = {}
    for name in FUNCTIONS:
        found = grants(synthesized, role_logical_id(name))
        if "iot:Publish" in found:
            publishers[name] = [render(r) for r in found["iot:Publish"]]
    assert publishers == {name: [COMMANDS_TOPICS] for name, access in ACCESS.items()
                          if access.device_commands}
    assert DEVICE_TELEMETRY in publishers


def test_functions_know_the_evidence_bucket_and_the_iot_data_endpoint(
    synthesized: Synthesized,
) -> None:
    devices = synthesized.stack.devices
    [endpoint] = synthesized.of_type("Custom::AWS").values()
    call = json.loads(endpoint["Properties"]["Create"])
    assert (call["service"], call["action"], call["parameters"]) == (
        "Iot", "describeEndpoint", {"endpointType": "iot:Data-ATS"})
    endpoint_id = next(iter(synthesized.of_type("Custom::AWS")))
    for function in synthesized.of_type("AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["EVIDENCE_BUCKET"] == ref(synthesized, devices.evidence)
        assert render(variables["IOT_DATA_ENDPOINT"]) == f"https://${{{endpoint_id}.endpointAddress}}"


def test_device_functions_have_their_own_entries(synthesized: Synthesized) -> None:
    assert {DEVICE_SAFETY, DEVICE_TELEMETRY, DEVICE_WATCH} <= set(ACCESS)
    functions = synthesized.of_type("AWS::Serverless::Function")
    watch = functions[function_logical_id(DEVICE_WATCH)]["Properties"]
    [event] = watch["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}
    assert not ACCESS[DEVICE_WATCH].evidence and not ACCESS[DEVICE_WATCH].device_commands
    assert not ACCESS[DEVICE_TELEMETRY].evidence


def test_device_dead_letters_raise_an_alarm(synthesized: Synthesized) -> None:
    name = {"Fn::GetAtt": [logical_id(synthesized, synthesized.stack.devices.dead_letters),
                           "QueueName"]}
    [alarm] = [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": name}]]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
