"""Alarms that fire on the first bad datapoint: something an operator must look at."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PERIOD = cdk.Duration.minutes(5)


def alarm_on_any(
    scope: Construct, construct_id: str, description: str, metric: cloudwatch.IMetric
) -> cloudwatch.Alarm:
    """Alarm when ``metric`` reaches 1 in one period; no data (nothing happened) is fine."""
    return alarm_above(scope, construct_id, description, metric, 1)


def alarm_above(
    scope: Construct, construct_id: str, description: str, metric: cloudwatch.IMetric,
    threshold: float,
) -> cloudwatch.Alarm:
    """Alarm when ``metric`` reaches ``threshold`` in one period; no data is fine."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def iterator_age(stream: kinesis.IStream) -> cloudwatch.Metric:
    """How far behind the newest record the stream's readers are, the worst in a period (ms)."""
    return stream.metric_get_records_iterator_age_milliseconds(period=PERIOD,
                                                               statistic="Maximum")


def function_errors(function_name: str) -> cloudwatch.Metric:
    """Invocations of a Lambda function that ended in an error, summed per period."""
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions_map={"FunctionName": function_name},
        statistic="Sum",
        period=PERIOD,
    )


def messages_waiting(queue: sqs.IQueue) -> cloudwatch.Metric:
    """The most messages visible in ``queue`` in a period (a dead-letter queue: any is bad)."""
    return queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")


def alarm_on_executions(
    scope: Construct, prefix: str, machine: sfn.StateMachine, what: str
) -> None:
    """``<prefix>Failed`` and ``<prefix>TimedOut`` alarms on a state machine's executions."""
    alarm_on_any(
        scope,
        f"{prefix}Failed",
        f"A {what} execution failed: see its error in the Step Functions console",
        machine.metric_failed(period=PERIOD, statistic="Sum"),
    )
    alarm_on_any(
        scope,
        f"{prefix}TimedOut",
        f"A {what} execution timed out",
        machine.metric_timed_out(period=PERIOD, statistic="Sum"),
    )
