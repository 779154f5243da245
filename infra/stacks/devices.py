"""Device ingestion in AWS IoT Core: the topic rules of ``chalicelib.devices.topics``, where their
actions go, the devices' IoT policies, and the evidence bucket.

- Safety events: a Lambda action invokes ``device_safety`` at once (asynchronously; after
  Lambda's two retries a failed event goes to the dead-letter queue).
- PM2.5 readings: the rule's Kinesis action puts each into the telemetry stream with the device
  as partition key (a device's readings stay in order within its shard); ``device_telemetry``
  consumes the stream in batches of up to 500 (``consume``), reporting partial batch failures,
  bisecting a batch that fails entirely, and after bounded retries sending where the failed
  records are to the dead-letter queue. No Lambda runs per reading.
- Heartbeats: a DynamoDBv2 action puts the item the rule's SELECT builds (``devices.store``).
- Anything else on the events topics: a CloudWatch metric action counts it.
- Every rule's error action sends to the dead-letter queue; each rule has its own role.

Devices connect as their thing name and publish on their own events topic only; cameras also get
short-lived credentials (IoT credentials provider) that may only put objects under their own
evidence prefix. No partition or region is named: ARNs come from tokens.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.devices import topics
from infra.stacks.alarms import alarm_above, alarm_on_any, iterator_age, messages_waiting

RETENTION = cdk.Duration.days(14)
THING = "${iot:Connection.Thing.ThingName}"
CAMERA_THING = "${credentials-iot:ThingName}"
ITERATOR_AGE_ALARM_MS = 60_000  # a minute behind: readings no longer act in time


def policy_topic(kind: str, device: str = THING) -> str:
    """``fanglin/*/devices/{device}/{kind}`` (``*`` in an IoT policy: any community)."""
    return f"{topics.TOPIC_ROOT}/*/devices/{device}/{kind}"


class DeviceIngest(Construct):
    """Everything between the devices and the functions. Create it before the Chalice app (the
    functions' environment names its bucket and endpoint), then ``route`` to the functions."""

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable,
                 access_logs: s3.IBucket, metrics_namespace: str) -> None:
        super().__init__(scope, construct_id)
        self._table = table
        self._metrics_namespace = metrics_namespace
        self.dead_letters = self._queue("DeadLetters", retention_period=RETENTION)
        self.telemetry = kinesis.Stream(
            self, "Telemetry",
            stream_mode=kinesis.StreamMode.PROVISIONED,
            shard_count=topics.TELEMETRY_SHARDS,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=cdk.Duration.hours(24),
        )
        self.evidence = s3.Bucket(
            self, "Evidence",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.governance(
                cdk.Duration.days(topics.EVIDENCE_RETENTION_DAYS)),
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="evidence/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.iot_data_endpoint = self._iot_data_endpoint()
        self.device_policy = iot.CfnPolicy(self, "DevicePolicy",
                                           policy_document=self._device_policy())
        self.camera_role, self.camera_alias = self._camera_credentials()
        self.camera_policy = iot.CfnPolicy(
            self, "CameraPolicy", policy_document=self._device_policy(self.camera_alias))
        self.rules: dict[str, iot.CfnTopicRule] = {}
        self._alarms()

    # --- what the functions reach ------------------------------------------------------------

    def route(self, *, safety_function_arn: str, safety_function_name: str,
              safety_role: iam.IRole) -> None:
        """The topic rules, with the safety function as the Lambda action's target."""
        self.rules[topics.SAFETY_RULE.name] = self._rule(
            "SafetyRule", topics.SAFETY_RULE.sql,
            iot.CfnTopicRule.ActionProperty(lambda_=iot.CfnTopicRule.LambdaActionProperty(
                function_arn=safety_function_arn)))
        self._telemetry_rule()
        self._heartbeat_rule()
        self._unrouted_rule()
        lambda_.CfnPermission(
            self, "SafetyRuleInvokes",
            action="lambda:InvokeFunction",
            function_name=safety_function_name,
            principal="iot.amazonaws.com",
            source_arn=self.rules[topics.SAFETY_RULE.name].attr_arn,
            source_account=cdk.Aws.ACCOUNT_ID,
        )
        # IoT invokes asynchronously: an event the function fails three times is kept here.
        lambda_.CfnEventInvokeConfig(
            self, "SafetyFailures",
            function_name=safety_function_name,
            qualifier="$LATEST",
            maximum_retry_attempts=2,
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=self.dead_letters.queue_arn)),
        )
        self.dead_letters.grant_send_messages(safety_role)

    def consume(self, *, function_name: str, role: iam.IRole) -> lambda_.CfnEventSourceMapping:
        """``device_telemetry``'s mapping from the stream: large batches, partial failures
        reported, a batch that fails entirely bisected, bounded retries, then the failed range
        (shard and sequence numbers; the records stay in the stream) to the dead-letter queue."""
        mapping = lambda_.CfnEventSourceMapping(
            self, "TelemetryConsumer",
            function_name=function_name,
            event_source_arn=self.telemetry.stream_arn,
            starting_position="LATEST",
            batch_size=topics.TELEMETRY_BATCH_SIZE,
            maximum_batching_window_in_seconds=topics.TELEMETRY_BATCHING_WINDOW_S,
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=topics.TELEMETRY_RETRY_ATTEMPTS,
            maximum_record_age_in_seconds=topics.TELEMETRY_MAX_RECORD_AGE_S,
            destination_config=lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                    destination=self.dead_letters.queue_arn)),
        )
        # Lambda checks the role can read the stream when it creates the mapping.
        self.telemetry.grant_read(role).apply_before(mapping)
        self.dead_letters.grant_send_messages(role).apply_before(mapping)
        return mapping

    def grant_commands(self, role: iam.IRole) -> None:
        """``iot:Publish`` on the actuators' command topics, nothing else."""
        iam.Grant.add_to_principal(grantee=role, actions=["iot:Publish"], resource_arns=[
            self._iot_arn("topic", policy_topic("commands", "*"))])

    def grant_evidence_read(self, role: iam.IRole) -> None:
        self.evidence.grants.actions_on_object_keys(role, f"{topics.EVIDENCE_PREFIX}*",
                                                    "s3:GetObject")

    # --- resources ----------------------------------------------------------------------------

    def _queue(self, construct_id: str, **kwargs: Any) -> sqs.Queue:
        return sqs.Queue(
            self, construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            **kwargs,
        )

    def _iot_data_endpoint(self) -> str:
        """``https://`` and the account's ATS data endpoint, asked of IoT at deploy time."""
        call = cr.AwsSdkCall(
            service="Iot", action="describeEndpoint",
            parameters={"endpointType": "iot:Data-ATS"},
            physical_resource_id=cr.PhysicalResourceId.of("iot-data-ats-endpoint"))
        endpoint = cr.AwsCustomResource(
            self, "IotDataEndpoint", on_create=call, on_update=call,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE))
        return "https://" + endpoint.get_response_field("endpointAddress")

    def _device_policy(self, camera_alias: iot.CfnRoleAlias | None = None) -> dict[str, Any]:
        statements: list[dict[str, Any]] = [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": self._iot_arn("client", THING),
             "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
            {"Effect": "Allow", "Action": "iot:Publish",
             "Resource": self._iot_arn("topic", policy_topic("events"))},
            {"Effect": "Allow", "Action": "iot:Subscribe",
             "Resource": self._iot_arn("topicfilter", policy_topic("commands"))},
            {"Effect": "Allow", "Action": "iot:Receive",
             "Resource": self._iot_arn("topic", policy_topic("commands"))},
        ]
        if camera_alias is not None:
            statements.append({"Effect": "Allow", "Action": "iot:AssumeRoleWithCertificate",
                               "Resource": camera_alias.attr_role_alias_arn})
        return {"Version": "2012-10-17", "Statement": statements}

    def _camera_credentials(self) -> tuple[iam.Role, iot.CfnRoleAlias]:
        """What a camera's certificate exchanges for credentials: put originals under its own
        prefix, never read, overwrite (versions, Object Lock) or delete."""
        role = iam.Role(self, "CameraEvidenceRole",
                        assumed_by=iam.ServicePrincipal("credentials.iot.amazonaws.com"),
                        description="Fanglin cameras: upload evidence under their own prefix")
        iam.Grant.add_to_principal(grantee=role, actions=["s3:PutObject"], resource_arns=[
            self.evidence.arn_for_objects(f"{topics.EVIDENCE_PREFIX}{CAMERA_THING}/*")])
        alias = iot.CfnRoleAlias(self, "CameraEvidenceAlias", role_arn=role.role_arn,
                                 credential_duration_seconds=900)
        return role, alias

    def _iot_arn(self, resource: str, name: str) -> str:
        return cdk.Stack.of(self).format_arn(service="iot", resource=resource,
                                             resource_name=name,
                                             arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME)

    # --- rules --------------------------------------------------------------------------------

    def _rule_role(self, construct_id: str, description: str) -> iam.Role:
        role = iam.Role(self, construct_id, description=description,
                        assumed_by=iam.ServicePrincipal("iot.amazonaws.com", conditions={
                            "StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}}))
        iam.Grant.add_to_principal(grantee=role, actions=["sqs:SendMessage"],
                                   resource_arns=[self.dead_letters.queue_arn])
        return role

    def _rule(self, construct_id: str, sql: str, action: iot.CfnTopicRule.ActionProperty,
              role: iam.Role | None = None) -> iot.CfnTopicRule:
        role = role or self._rule_role(f"{construct_id}Role",
                                       "Fanglin topic rule: its error action only")
        rule = iot.CfnTopicRule(self, construct_id, topic_rule_payload=(
            iot.CfnTopicRule.TopicRulePayloadProperty(
                sql=sql, aws_iot_sql_version=topics.SQL_VERSION, rule_disabled=False,
                actions=[action],
                error_action=iot.CfnTopicRule.ActionProperty(
                    sqs=iot.CfnTopicRule.SqsActionProperty(
                        queue_url=self.dead_letters.queue_url, role_arn=role.role_arn)))))
        # IoT checks the role's permissions when it creates the rule.
        for child in role.node.children:
            if isinstance(child, iam.Policy):
                rule.node.add_dependency(child)
        return rule

    def _telemetry_rule(self) -> None:
        role = self._rule_role("TelemetryRuleRole", "Fanglin telemetry rule: put into the stream")
        self.telemetry.grant(role, "kinesis:PutRecord")
        self.rules[topics.TELEMETRY_RULE.name] = self._rule(
            "TelemetryRule", topics.TELEMETRY_RULE.sql,
            iot.CfnTopicRule.ActionProperty(kinesis=iot.CfnTopicRule.KinesisActionProperty(
                stream_name=self.telemetry.stream_name, role_arn=role.role_arn,
                partition_key=topics.TELEMETRY_PARTITION_KEY)), role)

    def _heartbeat_rule(self) -> None:
        role = self._rule_role("HeartbeatRuleRole", "Fanglin heartbeat rule: put the item")
        iam.Grant.add_to_principal(grantee=role, actions=["dynamodb:PutItem"],
                                   resource_arns=[self._table.table_arn])
        self.rules[topics.HEARTBEAT_RULE_NAME] = self._rule(
            "HeartbeatRule", topics.heartbeat_rule().sql,
            iot.CfnTopicRule.ActionProperty(dynamo_d_bv2=iot.CfnTopicRule.DynamoDBv2ActionProperty(
                role_arn=role.role_arn,
                put_item=iot.CfnTopicRule.PutItemInputProperty(table_name=self._table.table_name),
            )), role)

    def _unrouted_rule(self) -> None:
        role = self._rule_role("UnroutedRuleRole", "Fanglin unrouted messages: count them")
        iam.Grant.add_to_principal(
            grantee=role, actions=["cloudwatch:PutMetricData"], resource_arns=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": self._metrics_namespace}})
        self.rules[topics.UNROUTED_RULE_NAME] = self._rule(
            "UnroutedRule", topics.UNROUTED_SQL,
            iot.CfnTopicRule.ActionProperty(cloudwatch_metric=(
                iot.CfnTopicRule.CloudwatchMetricActionProperty(
                    metric_namespace=self._metrics_namespace, metric_name=topics.REFUSED_METRIC,
                    metric_value="1", metric_unit="Count", role_arn=role.role_arn))), role)

    def _alarms(self) -> None:
        alarm_on_any(self, "DeadLettersNotEmpty",
                     "Device messages a topic rule or the safety function could not handle",
                     messages_waiting(self.dead_letters))
        alarm_above(self, "TelemetryIteratorAge",
                    "device_telemetry is a minute or more behind the device readings",
                    iterator_age(self.telemetry), ITERATOR_AGE_ALARM_MS)
