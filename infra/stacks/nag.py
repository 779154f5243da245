"""cdk-nag's AwsSolutions findings this stack keeps on purpose, each on the narrowest construct
with a one-line reason (``tests/infra/test_operations.py`` requires zero unacknowledged findings).

Fixed rather than acknowledged: bucket access logs (S1, into the access-log bucket), the user
pool's password policy (COG1), ALL-level logs of the escalation workflow (SF1), the device
readings stream's encryption with the ``aws/kinesis`` key (KDS1, KDS3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import IConstruct

if TYPE_CHECKING:
    from infra.stacks.fanglin_stack import FanglinStack

PACK = "AwsSolutions"
BASIC_EXECUTION_ROLE = (
    "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)
CDK_SINGLETON_FUNCTIONS = (
    "BucketNotificationsHandler050a0587b7544547bf325f094a3db834",  # s3 notifications
    "AWS679f53fac002430cb0da5b7982bd2287",  # AwsCustomResource
)


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{PACK}-{finding}", reason=reason))


def arn_wildcard(stack: cdk.Stack, resource: IConstruct | cdk.CfnElement, tail: str) -> str:
    """The IAM5 finding id of ``<resource's ARN><tail>``, e.g. ``/index/*``."""
    element = resource if isinstance(resource, cdk.CfnElement) else resource.node.default_child
    if not isinstance(element, cdk.CfnElement):
        raise TypeError(f"no CloudFormation resource behind {resource}")
    # Resolved: resources included from Chalice's template keep their own logical ids.
    return f"IAM5[Resource::<{stack.resolve(element.logical_id)}.Arn>{tail}]"


def acknowledge_findings(stack: FanglinStack, *, escalation_task: cdk.CfnResource) -> None:
    devices = stack.devices
    acknowledge(stack.api, "IAM5[Resource::*]",
                "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions")
    acknowledge(stack.api, "IAM5[Resource::arn:*:logs:*:*:*]",
                "Chalice's CloudWatch Logs policy for its own function log groups")
    acknowledge(stack.api, arn_wildcard(stack, stack.table, "/index/*"),
                "Queries on the single table's overloaded indexes gsi1..gsi6, all of them used")
    acknowledge(stack.api, arn_wildcard(stack, stack.uploads, "/*"),
                "Photo objects are keyed by opaque ids chosen at upload time")
    acknowledge(stack.api, arn_wildcard(stack, stack.media, "/*"),
                "Stripped photo copies are keyed by opaque ids chosen at processing time")
    acknowledge(stack.api, arn_wildcard(stack, devices.evidence, "/devices/*"),
                "device_safety reads originals under the evidence prefix of any device")
    acknowledge(stack.api, "IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:"
                "<AWS::AccountId>:topic/fanglin/*/devices/*/commands]",
                "device_telemetry commands any community's actuators, on command topics only")
    acknowledge(stack.escalation.role, arn_wildcard(stack, escalation_task, ":*"),
                "Invoke any version or alias of the escalation task function, nothing else")
    acknowledge(stack.escalation.role, "IAM5[Resource::*]",
                "Step Functions log delivery and X-Ray actions have no resource-level permissions")
    acknowledge(devices.camera_role, arn_wildcard(
        stack, devices.evidence, "/devices/<credentials-iot:ThingName>/*"),
                "Each camera writes objects under its own thing-name prefix only")
    acknowledge(devices.node.find_child("UnroutedRuleRole"), "IAM5[Resource::*]",
                "PutMetricData has no resource-level permissions; a condition names the namespace")
    acknowledge(devices.node.find_child("IotDataEndpoint"), "IAM5[Resource::*]",
                "iot:DescribeEndpoint has no resource-level permissions")
    acknowledge(devices.dead_letters, "SQS3",
                "It is a dead-letter queue: rules' error actions, device_safety, device_telemetry")
    for singleton in CDK_SINGLETON_FUNCTIONS:
        acknowledge(stack.node.find_child(singleton), BASIC_EXECUTION_ROLE,
                    "CDK's own provider function: AWSLambdaBasicExecutionRole (logs only)")
    if stack.user_pool is not None:
        acknowledge(stack.user_pool, "COG2",
                    "MFA is not in SPEC: residents sign in with a password; admins create users")
        acknowledge(stack.user_pool, "COG8",
                    "Threat protection needs the Plus tier: a cost decision not in SPEC")
