"""Device ingestion in AWS IoT Core: the topic rules of ``chalicelib.devices.topics``, where their
actions go, the devices' IoT policies, and the evidence bucket.

- Safety events: a Lambda action invokes ``device_safety`` at once (asynchronously; after
  Lambda's two retries a failed event goes to the dead-letter queue).
- PM2.5 readings: IoT's SQS action cannot send to a FIFO queue (it has no message group), so the
  rule starts an Express workflow that sends the reading to the FIFO queue with the device as
  message group and ``device:seq`` as deduplication id; ``device_telemetry`` consumes the queue in
  batches (the stack's ``_subscribe``). No Lambda runs per reading.
- Heartbeats: a DynamoDBv2 action puts the item the rule's SELECT builds (``devices.store``).
- Anything else on the events topics: a CloudWatch metric action counts it.
- Every rule's error action sends to the dead-letter queue; each rule has its own role.

Devices connect as their thing name and publish on their own events topic only; cameras also get
short-lived credentials (IoT credentials provider) that may only put objects under their own
evidence prefix. No partition or region is named: ARNs come from tokens.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.devices import topics
from infra.stacks.alarms import alarm_on_any, alarm_on_executions, messages_waiting
from infra.stacks.escalation import VENDED_LOGS_PREFIX

TELEMETRY_BATCH_SIZE = 10  # the most Lambda takes from a FIFO queue at once
MAX_RECEIVES = 5
RETENTION = cdk.Duration.days(14)
THING = "${iot:Connection.Thing.ThingName}"
CAMERA_THING = "${credentials-iot:ThingName}"
ENQUEUE_ONCE = "Enqueue once per seq"
ENQUEUE = "Enqueue"
HAS_SEQ = "Has seq?"
NUMERIC_SEQ = "Numeric seq?"
DEAD_LETTER = "Dead letter"


def telemetry_definition(queue_url: str, dead_letter_url: str) -> dict[str, Any]:
    """The Express workflow between the telemetry rule and the FIFO queue. Its input is the
    rule's SELECT output; a numeric ``seq`` makes ``device:seq`` the deduplication id (as
    ``topics.deduplication_id``), else the queue hashes the body. What cannot be sent goes to
    the dead-letter queue."""
    send = f"arn:{cdk.Aws.PARTITION}:states:::sqs:sendMessage"
    message = {"QueueUrl": queue_url, "MessageBody.$": "States.JsonToString($)",
               "MessageGroupId.$": "$.device_id"}
    retry = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3,
              "BackoffRate": 2.0}]
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.enqueue_error",
              "Next": DEAD_LETTER}]

    def enqueue(parameters: dict[str, Any]) -> dict[str, Any]:
        return {"Type": "Task", "Resource": send, "Parameters": parameters, "Retry": retry,
                "Catch": catch, "End": True}

    return {
        "Comment": "Fanglin: one device reading into its device's FIFO message group",
        "StartAt": HAS_SEQ,
        "States": {
            HAS_SEQ: {"Type": "Choice", "Choices": [
                {"Variable": "$.seq", "IsPresent": True, "Next": NUMERIC_SEQ}],
                "Default": ENQUEUE},
            NUMERIC_SEQ: {"Type": "Choice", "Choices": [
                {"Variable": "$.seq", "IsNumeric": True, "Next": ENQUEUE_ONCE}],
                "Default": ENQUEUE},
            ENQUEUE_ONCE: enqueue(message | {
                "MessageDeduplicationId.$": "States.Format('{}:{}', $.device_id, $.seq)"}),
            ENQUEUE: enqueue(message),
            DEAD_LETTER: {"Type": "Task", "Resource": send, "End": True, "Parameters": {
                "QueueUrl": dead_letter_url, "MessageBody.$": "States.JsonToString($)"}},
        },
    }


def policy_topic(kind: str, device: str = THING) -> str:
    """``fanglin/*/devices/{device}/{kind}`` (``*`` in an IoT policy: any community)."""
    return f"{topics.TOPIC_ROOT}/*/devices/{device}/{kind}"


class DeviceIngest(Construct):
    """Everything between the devices and the functions. Create it before the Chalice app (the
    functions' environment names its bucket and endpoint), then ``route`` to the functions."""

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable,
                 access_logs: s3.IBucket, telemetry_timeout_s: int,
                 metrics_namespace: str) -> None:
        super().__init__(scope, construct_id)
        self._table = table
        self._metrics_namespace = metrics_namespace
        self.dead_letters = self._queue("DeadLetters", retention_period=RETENTION)
        self.telemetry_dead_letters = self._queue("TelemetryDeadLetters", fifo=True,
                                                  retention_period=RETENTION)
        self.telemetry_queue = self._queue(
            "Telemetry", fifo=True, content_based_deduplication=True,
            visibility_timeout=cdk.Duration.seconds(6 * telemetry_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES,
                                                  queue=self.telemetry_dead_letters))
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
        self.enqueue = self._telemetry_workflow()
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

    def grant_commands(self, role: iam.IRole) -> None:
        """``iot:Publish`` on the actuators' command topics, nothing else."""
        iam.Grant.add_to_principal(grantee=role, actions=["iot:Publish"], resource_arns=[
            self._iot_arn("topic", policy_topic("commands", "*"))])

    def grant_evidence_read(self, role: iam.IRole) -> None:
        self.evidence.grants.actions_on_object_keys(role, f"{topics.EVIDENCE_PREFIX}*",
                                                    "s3:GetObject")

    # --- resources ----------------------------------------------------------------------------

    def _queue(self, construct_id: str, fifo: bool = False, **kwargs: Any) -> sqs.Queue:
        return sqs.Queue(
            self, construct_id,
            fifo=fifo or None,
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

    def _telemetry_workflow(self) -> sfn.StateMachine:
        log_group = logs.LogGroup(
            self, "TelemetryWorkflowLogs",
            log_group_name=VENDED_LOGS_PREFIX + cdk.Aws.STACK_NAME + "-device-readings",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        role = iam.Role(self, "TelemetryWorkflowRole",
                        assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                        description="Fanglin device readings: send to the telemetry FIFO queue")
        machine = sfn.StateMachine(
            self, "TelemetryWorkflow",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(telemetry_definition(
                self.telemetry_queue.queue_url, self.dead_letters.queue_url))),
            role=role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ERROR,
                                include_execution_data=False),
            tracing_enabled=True,
        )
        iam.Grant.add_to_principal(grantee=role, actions=["sqs:SendMessage"], resource_arns=[
            self.telemetry_queue.queue_arn, self.dead_letters.queue_arn])
        return machine

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
        role = self._rule_role("TelemetryRuleRole", "Fanglin telemetry rule: start the workflow")
        iam.Grant.add_to_principal(grantee=role, actions=["states:StartExecution"],
                                   resource_arns=[self.enqueue.state_machine_arn])
        self.rules[topics.TELEMETRY_RULE.name] = self._rule(
            "TelemetryRule", topics.TELEMETRY_RULE.sql,
            iot.CfnTopicRule.ActionProperty(step_functions=(
                iot.CfnTopicRule.StepFunctionsActionProperty(
                    state_machine_name=self.enqueue.state_machine_name, role_arn=role.role_arn,
                    execution_name_prefix="reading"))), role)

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
        alarm_on_any(self, "TelemetryDeadLettersNotEmpty",
                     "Device readings that failed five times wait in the dead-letter queue",
                     messages_waiting(self.telemetry_dead_letters))
        alarm_on_executions(self, "TelemetryWorkflowExecutions", self.enqueue,
                            "device-reading workflow")
