"""The SLA escalation workflow: one Standard state machine execution per ticket and cycle, running
the shared definition of ``infra/statemachine.py`` against the ``escalation_task`` function.

The functions start executions, so they need the state machine's ARN in their environment, and the
state machine needs the task function's ARN: a cycle if either took the other's attribute. The
state machine therefore gets a name derived from the stack name, and the functions get an ARN
built from that name and the partition, region and account pseudo-parameters.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.stacks.alarms import PERIOD, alarm_on_any
from infra.statemachine import escalation_definition

NAME_SUFFIX = "-escalation"
MAX_NAME_LENGTH = 80  # Step Functions' limit on state machine names
# Step Functions logs to groups under this prefix without growing the account's resource policy.
VENDED_LOGS_PREFIX = "/aws/vendedlogs/states/"


def state_machine_name(stack: cdk.Stack) -> str:
    """``<stack name>-escalation``, as a token: the same name wherever the template deploys."""
    if not cdk.Token.is_unresolved(stack.stack_name):
        length = len(stack.stack_name + NAME_SUFFIX)
        if length > MAX_NAME_LENGTH:
            raise ValueError(f"stack name too long for the state machine name ({length} chars)")
    return cdk.Aws.STACK_NAME + NAME_SUFFIX


def state_machine_arn(stack: cdk.Stack, name: str) -> str:
    """The ARN the state machine called ``name`` will have, without referring to it."""
    return stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=name,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


class EscalationWorkflow(Construct):
    """The state machine, its role (it may invoke the task function only), logs and alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, task_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=VENDED_LOGS_PREFIX + name,
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = self._role(task_arn)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(
                json.dumps(escalation_definition(task_arn))
            ),
            role=self.role,
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        self._alarms()

    def _role(self, task_arn: str) -> iam.Role:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Fanglin escalation workflow: invokes the escalation task function only",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[task_arn, f"{task_arn}:*"]
            )
        )
        return role

    def _alarms(self) -> None:
        machine = self.state_machine
        alarm_on_any(
            self,
            "ExecutionsFailed",
            "An escalation execution failed: the sweep still escalates the ticket, but look why",
            machine.metric_failed(period=PERIOD, statistic="Sum"),
        )
        alarm_on_any(
            self,
            "ExecutionsTimedOut",
            "An escalation execution timed out",
            machine.metric_timed_out(period=PERIOD, statistic="Sum"),
        )
