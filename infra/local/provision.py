"""Create Fanglin's AWS resources with boto3, from the same definitions the code and the CDK
stack use. The local stack runs this against the embedded moto server; tests run it under
``moto.mock_aws``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.core.config import Settings
from chalicelib.core.db import (
    IDEMPOTENCY_TABLE_DEFINITION,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    TTL_ATTRIBUTE,
    table_definition,
)
from chalicelib.identity.caller import ROLES
from chalicelib.tickets.photos import UPLOAD_PREFIX

PHOTO_QUEUE = "fanglin-photo-events"
PHOTO_DLQ = "fanglin-photo-events-dlq"
DEVICE_TELEMETRY_STREAM = "fanglin-device-telemetry"
DEVICE_EVENTS_DLQ = "fanglin-device-events-dlq"
USER_POOL = "fanglin-local"
APP_CLIENT = "fanglin-mobile"
COMMUNITY_ATTRIBUTE = "custom:community"
# As the deployed app client (infra/stacks/auth.py): users never write what grants access.
WRITE_ATTRIBUTES = ("name", "phone_number")
READ_ATTRIBUTES = (*WRITE_ATTRIBUTES, COMMUNITY_ATTRIBUTE)


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str
    issuer: str
    jwks_url: str


def create_tables(dynamodb: Any, settings: Settings) -> None:
    dynamodb.create_table(TableName=settings.table_name, **table_definition())
    dynamodb.update_time_to_live(
        TableName=settings.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    dynamodb.create_table(TableName=settings.idempotency_table, **IDEMPOTENCY_TABLE_DEFINITION)
    dynamodb.update_time_to_live(
        TableName=settings.idempotency_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": IDEMPOTENCY_TTL_ATTRIBUTE},
    )


def create_buckets(s3: Any, settings: Settings) -> None:
    for bucket in (settings.upload_bucket, settings.media_bucket):
        if settings.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={
                "LocationConstraint": settings.region})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_cors(Bucket=settings.upload_bucket, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST", "PUT"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
        "MaxAgeSeconds": 3000}]})


def create_evidence_bucket(s3: Any, bucket: str, region: str, retention_days: int) -> None:
    """The device evidence bucket: versioned, Object Lock in governance mode by default."""
    location = {} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True, **location)
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": retention_days}}})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


@dataclass(frozen=True)
class DeviceQueues:
    telemetry_stream: str  # Kinesis, partition key = device, consumed by device_telemetry
    dead_letter_url: str  # the rules' error actions, the consumer's on-failure destination


def create_device_queues(sqs: Any, kinesis: Any, shards: int) -> DeviceQueues:
    """The telemetry stream (provisioned, encrypted with the ``aws/kinesis`` key) and the
    dead-letter queue, as in ``infra/stacks/devices.py``."""
    kinesis.create_stream(StreamName=DEVICE_TELEMETRY_STREAM, ShardCount=shards,
                          StreamModeDetails={"StreamMode": "PROVISIONED"})
    kinesis.start_stream_encryption(StreamName=DEVICE_TELEMETRY_STREAM, EncryptionType="KMS",
                                    KeyId="alias/aws/kinesis")
    dead_letters = sqs.create_queue(QueueName=DEVICE_EVENTS_DLQ)["QueueUrl"]
    return DeviceQueues(telemetry_stream=DEVICE_TELEMETRY_STREAM,
                        dead_letter_url=str(dead_letters))


def create_photo_queue(sqs: Any, s3: Any, settings: Settings) -> str:
    """The S3 → SQS notification path for uploads, with a dead-letter queue. Returns the URL."""
    dlq_url = sqs.create_queue(QueueName=PHOTO_DLQ)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=PHOTO_QUEUE, Attributes={
        "VisibilityTimeout": "60",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
    })["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=settings.upload_bucket,
        NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}},
        }]},
    )
    return str(queue_url)


def create_user_pool(cognito: Any, region: str, jwks_base: str) -> UserPool:
    """A user pool like the deployed one: groups per role, a ``community`` attribute, and an app
    client that allows password login. ``jwks_base`` is where this pool's JWKS is served."""
    pool = cognito.create_user_pool(
        PoolName=USER_POOL,
        Schema=[{"Name": "community", "AttributeDataType": "String", "Mutable": True}],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    pool_id = pool["Id"]
    for role in ROLES:
        cognito.create_group(GroupName=role, UserPoolId=pool_id)
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName=APP_CLIENT, GenerateSecret=False,
        ReadAttributes=list(READ_ATTRIBUTES), WriteAttributes=list(WRITE_ATTRIBUTES),
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                           "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return UserPool(
        pool_id=pool_id,
        client_id=client_id,
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        jwks_url=f"{jwks_base.rstrip('/')}/{pool_id}/.well-known/jwks.json",
    )


def create_user(cognito: Any, pool: UserPool, username: str, password: str, name: str,
                roles: list[str], community: str | None, phone: str | None = None) -> None:
    attributes = [{"Name": "name", "Value": name}]
    if community:
        attributes.append({"Name": "custom:community", "Value": community})
    if phone:
        attributes.append({"Name": "phone_number", "Value": phone})
    cognito.admin_create_user(UserPoolId=pool.pool_id, Username=username,
                              UserAttributes=attributes, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool.pool_id, Username=username,
                                    Password=password, Permanent=True)
    for role in roles:
        cognito.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=username, GroupName=role)


def login(cognito: Any, pool: UserPool, username: str, password: str) -> str:
    """A real USER_PASSWORD_AUTH login; returns the ID token."""
    result = cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def create_escalation_workflow(sfn: Any, name: str, task_arn: str, role_arn: str) -> str:
    """The escalation state machine from the shared definition. Returns its ARN."""
    from infra.statemachine import escalation_definition

    return str(sfn.create_state_machine(
        name=name, definition=json.dumps(escalation_definition(task_arn)), roleArn=role_arn,
    )["stateMachineArn"])


def create_service_role(iam: Any, name: str, services: list[str]) -> str:
    """An IAM role the given services (``lambda.amazonaws.com``…) may assume. Returns its ARN."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]}
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"]["Arn"])


def placeholder_zip() -> bytes:
    """Deployment package for a function whose code the local stack runs in-process."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n"
                                   "    raise RuntimeError('runs in-process')\n")
    return out.getvalue()


def create_function(lambda_client: Any, name: str, handler: str, role_arn: str,
                    runtime: str = "python3.11") -> str:
    """A Lambda function with placeholder code. Returns its ARN."""
    return str(lambda_client.create_function(
        FunctionName=name, Runtime=runtime, Role=role_arn, Handler=handler,
        Code={"ZipFile": placeholder_zip()},
    )["FunctionArn"])
