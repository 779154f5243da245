"""The Fanglin deployment: the Chalice app with its tables, buckets, photo queue, user pool (or
an external OIDC issuer, see ``auth.py``) and the SLA escalation workflow (``escalation.py``).

The construct id of the stack is the Chalice stage (``chalice.cdk.Chalice`` names the stage after
its scope), so the stage's settings in ``.chalice/config.json`` apply. Nothing here names a
partition or a region: ARNs and URLs come from tokens, so the template deploys to ``aws-cn`` too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from chalice.config import Config
from constructs import Construct

from chalicelib.core.db import (
    IDEMPOTENCY_TABLE_DEFINITION,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    TTL_ATTRIBUTE,
    table_definition,
)
from infra.stacks.alarms import alarm_on_any, function_errors
from infra.stacks.auth import cognito_environment, external_issuer, user_pool
from infra.stacks.dashboard import OperationsDashboard, api_identity
from infra.stacks.devices import DeviceIngest
from infra.stacks.escalation import EscalationWorkflow, state_machine_arn, state_machine_name
from infra.stacks.nag import acknowledge_findings
from infra.stacks.packaging import packaging_environment

REPO_ROOT = Path(__file__).resolve().parents[2]
CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"

API_HANDLER = "api_handler"
PHOTO_PROCESSOR = "photo_processor"
ESCALATION_TASK = "escalation_task"
ESCALATION_SWEEP = "escalation_sweep"
DEVICE_SAFETY = "device_safety"
DEVICE_TELEMETRY = "device_telemetry"
DEVICE_WATCH = "device_watch"
METRICS_NAMESPACE = "Fanglin"
TASK_AUTOCONFIRM = "task_autoconfirm"
NOTICE_EXPIRY = "notice_expiry"
POLL_CLOSE = "poll_close"


@dataclass(frozen=True)
class Access:
    """What a function's role may reach besides the main table and X-Ray, which all reach."""

    idempotency: bool = False
    photos: bool = False  # objects of the uploads and media buckets
    start_escalation: bool = False
    read_users: bool = False  # AdminGetUser in the user pool: staff named by admins must exist
    evidence: bool = False  # read device originals in the evidence bucket
    media_copies: bool = False  # put stripped copies into the media bucket
    device_commands: bool = False  # iot:Publish on the actuators' command topics


# Every Chalice function with its grants. Each has its own role (autogen_policy is off).
ACCESS = {
    API_HANDLER: Access(idempotency=True, photos=True, start_escalation=True, read_users=True),
    PHOTO_PROCESSOR: Access(photos=True),
    ESCALATION_TASK: Access(),
    ESCALATION_SWEEP: Access(),
    DEVICE_SAFETY: Access(evidence=True, media_copies=True, start_escalation=True),
    DEVICE_TELEMETRY: Access(device_commands=True, start_escalation=True),
    DEVICE_WATCH: Access(),
    TASK_AUTOCONFIRM: Access(),
    NOTICE_EXPIRY: Access(),
    POLL_CLOSE: Access(),
}
FUNCTIONS = tuple(ACCESS)

UPLOAD_PREFIX = "uploads/"
ACCESS_LOGS_BY_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
PHOTO_BATCH_SIZE = 5

ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
PROJECTION_TYPES = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def cfn_name(chalice_name: str) -> str:
    """Chalice's logical id for a name: ``photo_processor`` → ``PhotoProcessor``."""
    return "".join(part.capitalize() for part in chalice_name.split("_"))


def function_logical_id(chalice_name: str) -> str:
    return "APIHandler" if chalice_name == API_HANDLER else cfn_name(chalice_name)


def role_logical_id(chalice_name: str) -> str:
    return cfn_name(chalice_name) + "Role"


def chalice_function_config(stage: str, chalice_name: str) -> Config:
    """The function's settings as Chalice resolves them from ``.chalice/config.json``."""
    on_disk = json.loads(CHALICE_CONFIG.read_text())
    if stage not in on_disk.get("stages", {}):
        raise ValueError(f"no stage {stage!r} in {CHALICE_CONFIG}: name the stack after a stage")
    return Config(chalice_stage=stage, function_name=chalice_name, config_from_disk=on_disk)


def key_attributes(definition: dict[str, Any], key_schema: list[dict[str, str]]) -> dict[str, Any]:
    """``partition_key``/``sort_key`` arguments for a boto3 ``KeySchema``."""
    types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    roles = {"HASH": "partition_key", "RANGE": "sort_key"}
    return {
        roles[k["KeyType"]]: dynamodb.Attribute(
            name=k["AttributeName"], type=ATTRIBUTE_TYPES[types[k["AttributeName"]]]
        )
        for k in key_schema
    }


def projection(index: dict[str, Any]) -> dict[str, Any]:
    spec = index["Projection"]
    args: dict[str, Any] = {"projection_type": PROJECTION_TYPES[spec["ProjectionType"]]}
    if spec.get("NonKeyAttributes"):
        args["non_key_attributes"] = spec["NonKeyAttributes"]
    return args


class FanglinStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Buckets grant the S3 logging service in the log bucket's policy, not with an ACL.
        self.node.set_context(ACCESS_LOGS_BY_POLICY, True)
        self.table = self._table("Table", table_definition(), TTL_ATTRIBUTE)
        self.idempotency_table = self._table(
            "IdempotencyTable", IDEMPOTENCY_TABLE_DEFINITION, IDEMPOTENCY_TTL_ATTRIBUTE
        )
        self.access_logs = self._access_logs_bucket()
        self.uploads = self._uploads_bucket()
        self.media = self._private_bucket("Media")
        self.photo_events = self._photo_events_queue(construct_id)
        self.uploads.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.photo_events),
            s3.NotificationKeyFilter(prefix=UPLOAD_PREFIX),
        )
        self.external_issuer = external_issuer(self.node)
        self.user_pool: cognito.UserPool | None = None
        self.user_pool_client: cognito.UserPoolClient | None = None
        if self.external_issuer is None:
            self.user_pool, self.user_pool_client = user_pool(self)
        self.devices = DeviceIngest(
            self,
            "Devices",
            table=self.table,
            access_logs=self.access_logs,
            metrics_namespace=METRICS_NAMESPACE,
        )
        # Known before the state machine exists: the functions' environment refers to no resource.
        self.escalation_name = state_machine_name(self)
        self.escalation_arn = state_machine_arn(self, self.escalation_name)
        self.api = self._chalice_app()
        self.escalation = EscalationWorkflow(
            self,
            "Escalation",
            name=self.escalation_name,
            task_arn=self.function_arn(ESCALATION_TASK),
        )
        for name, access in ACCESS.items():
            self._grant(self.role(name), access)
        self._subscribe(PHOTO_PROCESSOR, self.photo_events, PHOTO_BATCH_SIZE)
        self.devices.route(
            safety_function_arn=self.function_arn(DEVICE_SAFETY),
            safety_function_name=self.function_resource(DEVICE_SAFETY).ref,
            safety_role=self.role(DEVICE_SAFETY),
        )
        self.devices.consume(function_name=self.function_resource(DEVICE_TELEMETRY).ref,
                             role=self.role(DEVICE_TELEMETRY))
        alarm_on_any(
            self,
            "EscalationSweepErrors",
            "The per-minute SLA sweep failed: overdue tickets may not escalate",
            function_errors(self.function_resource(ESCALATION_SWEEP).ref),
        )
        alarm_on_any(
            self,
            "TaskAutoconfirmErrors",
            "Task auto-confirmation failed: delivered tasks may keep their escrow",
            function_errors(self.function_resource(TASK_AUTOCONFIRM).ref),
        )
        alarm_on_any(
            self,
            "NoticeExpiryErrors",
            "Notice expiry failed: expired notices stay in the residents' index (lists still "
            "hide them)",
            function_errors(self.function_resource(NOTICE_EXPIRY).ref),
        )
        alarm_on_any(
            self,
            "PollCloseErrors",
            "The poll schedule failed: rolls may not freeze and closed polls stay uncounted",
            function_errors(self.function_resource(POLL_CLOSE).ref),
        )
        alarm_on_any(
            self,
            "DeviceWatchErrors",
            "The device watch failed: silent devices may show online and raise no maintenance "
            "alarm",
            function_errors(self.function_resource(DEVICE_WATCH).ref),
        )
        self.dashboard = OperationsDashboard(
            self,
            "Operations",
            namespace=METRICS_NAMESPACE,
            api=api_identity(chalice_function_config(construct_id, API_HANDLER)),
            functions={name: self.function_resource(name).ref for name in FUNCTIONS},
            dead_letter_queues=self.dead_letter_queues(),
            state_machines={"Escalation": self.escalation.state_machine},
            streams={"Device readings": self.devices.telemetry},
        )
        acknowledge_findings(self, escalation_task=self.function_resource(ESCALATION_TASK))
        self._outputs()
        cdk.Tags.of(self).add("project", "fanglin")

    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        """Every dead-letter queue of the stack, by what waits in it."""
        return {
            "Photo events": self.photo_events_dlq,
            "Device messages and readings": self.devices.dead_letters,
        }

    def role(self, chalice_name: str) -> iam.IRole:
        return self.api.get_role(role_logical_id(chalice_name))

    def function_resource(self, chalice_name: str) -> cdk.CfnResource:
        return self.api.get_resource(function_logical_id(chalice_name))

    def function_arn(self, chalice_name: str) -> str:
        return cdk.Token.as_string(self.function_resource(chalice_name).get_att("Arn"))

    def _table(self, construct_id: str, definition: dict[str, Any], ttl: str) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            construct_id,
            **key_attributes(definition, definition["KeySchema"]),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in definition.get("GlobalSecondaryIndexes", []):
            table.add_global_secondary_index(
                index_name=index["IndexName"],
                **key_attributes(definition, index["KeySchema"]),
                **projection(index),
            )
        return table

    def _access_logs_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-access-logs", expiration=cdk.Duration.days(90))
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _private_bucket(self, construct_id: str, **kwargs: Any) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{construct_id.lower()}/",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=False,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            **kwargs,
        )

    def _uploads_bucket(self) -> s3.Bucket:
        return self._private_bucket(
            "Uploads",
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.PUT],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-uploads",
                    prefix=UPLOAD_PREFIX,
                    expiration=cdk.Duration.days(1),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
        )

    def _photo_events_queue(self, stage: str) -> sqs.Queue:
        dlq = sqs.Queue(
            self,
            "PhotoEventsDLQ",
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.photo_events_dlq = dlq
        self._alarm_when_not_empty(dlq)
        timeout = chalice_function_config(stage, PHOTO_PROCESSOR).lambda_timeout
        return sqs.Queue(
            self,
            "PhotoEvents",
            visibility_timeout=cdk.Duration.seconds(6 * timeout),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=dlq),
        )

    def _alarm_when_not_empty(self, dlq: sqs.Queue) -> None:
        alarm_on_any(
            self,
            "PhotoEventsDLQNotEmpty",
            "Photo uploads failed five times and wait in the dead-letter queue",
            dlq.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic="Maximum"
            ),
        )

    def _auth_environment(self) -> dict[str, str]:
        if self.external_issuer is not None:
            return self.external_issuer.environment()
        if self.user_pool is None or self.user_pool_client is None:
            raise RuntimeError("the user pool is created before the environment is read")
        return {
            **cognito_environment(self, self.user_pool, self.user_pool_client),
            "USER_POOL_ID": self.user_pool.user_pool_id,
        }

    def _environment(self) -> dict[str, str]:
        return {
            "FANGLIN_TABLE": self.table.table_name,
            "IDEMPOTENCY_TABLE": self.idempotency_table.table_name,
            "UPLOAD_BUCKET": self.uploads.bucket_name,
            "MEDIA_BUCKET": self.media.bucket_name,
            "EVIDENCE_BUCKET": self.devices.evidence.bucket_name,
            "IOT_DATA_ENDPOINT": self.devices.iot_data_endpoint,
            "ESCALATION_STATE_MACHINE_ARN": self.escalation_arn,
            **self._auth_environment(),
            "TICKETS_PER_HOUR": "20",
            "URL_TTL_S": "600",
            "POWERTOOLS_SERVICE_NAME": "fanglin",
            "POWERTOOLS_METRICS_NAMESPACE": "Fanglin",
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        }

    def _chalice_app(self) -> Chalice:
        with packaging_environment():
            api = Chalice(
                self,
                "Api",
                source_dir=str(REPO_ROOT),
                stage_config={"environment_variables": self._environment()},
            )
        # Chalice's "xray" traces the functions only; trace requests from API Gateway on.
        api.get_resource("RestAPI").add_property_override("TracingEnabled", True)
        return api

    def _grant(self, role: iam.IRole, access: Access) -> None:
        self.table.grant_read_write_data(role)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            resource_arns=["*"],
        )
        if access.idempotency:
            self.idempotency_table.grant_read_write_data(role)
        if access.photos:
            self.uploads.grants.actions_on_object_keys(
                role, "*", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"
            )
            self.media.grants.actions_on_object_keys(role, "*", "s3:GetObject", "s3:PutObject")
        if access.start_escalation:
            iam.Grant.add_to_principal(
                grantee=role, actions=["states:StartExecution"], resource_arns=[self.escalation_arn]
            )
        if access.read_users and self.user_pool is not None:
            iam.Grant.add_to_principal(
                grantee=role,
                actions=["cognito-idp:AdminGetUser"],
                resource_arns=[self.user_pool.user_pool_arn],
            )
        if access.evidence:
            self.devices.grant_evidence_read(role)
        if access.media_copies:
            self.media.grants.actions_on_object_keys(role, "*", "s3:PutObject")
        if access.device_commands:
            self.devices.grant_commands(role)

    def _subscribe(self, chalice_name: str, queue: sqs.Queue, batch_size: int) -> None:
        """Feed ``queue`` to a pure Lambda function that reports partial batch failures."""
        mapping = lambda_.CfnEventSourceMapping(
            self,
            f"{cfn_name(chalice_name)}Events",
            function_name=self.function_resource(chalice_name).ref,
            event_source_arn=queue.queue_arn,
            batch_size=batch_size,
            function_response_types=["ReportBatchItemFailures"],
        )
        # Lambda checks the role can read the queue when it creates the mapping.
        queue.grant_consume_messages(self.role(chalice_name)).apply_before(mapping)

    def _outputs(self) -> None:
        outputs = {
            "ApiUrl": self.api.sam_template.get_output("EndpointURL").value,
            "UploadBucket": self.uploads.bucket_name,
            "MediaBucket": self.media.bucket_name,
            "TableName": self.table.table_name,
            "EscalationStateMachineArn": self.escalation.state_machine.state_machine_arn,
            "EvidenceBucket": self.devices.evidence.bucket_name,
            "DevicePolicyName": self.devices.device_policy.ref,
            "CameraPolicyName": self.devices.camera_policy.ref,
        }
        if self.user_pool is not None and self.user_pool_client is not None:
            outputs["UserPoolId"] = self.user_pool.user_pool_id
            outputs["UserPoolClientId"] = self.user_pool_client.user_pool_client_id
        if self.external_issuer is not None:
            outputs["AuthIssuer"] = self.external_issuer.issuer
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)
