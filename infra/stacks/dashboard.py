"""The operations dashboard: what residents do (tickets created, photos rejected), how the SLA
engine keeps up, what waits in the dead-letter queues, and how the API and functions behave.

Application figures are the EMF metrics of ``chalicelib.core.observability`` (namespace
``POWERTOOLS_METRICS_NAMESPACE``, dimension ``service``); tickets created are counted from the
API function's request log lines, which name method, path and status. No region is named: the
dashboard shows the region it is deployed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from chalice.config import Config
from constructs import Construct

from chalicelib.core.observability import SERVICE
from chalicelib.tickets import sla
from infra.stacks.alarms import PERIOD, iterator_age

WIDTH = 12
HEIGHT = 6
API_FUNCTION = "api_handler"
PHOTO_OUTCOMES = ("Rejected", "Ready", "Skipped")
SWEEP_COUNTS = ("Due", "Advanced", "Busy", "Gone")
TICKETS_CREATED_QUERY = (
    'filter message = "request" and method = "POST" and path = "/tickets" and status = 201',
    "stats count(*) as tickets_created by bin(5m)",
)


@dataclass(frozen=True)
class ApiIdentity:
    """The dimensions API Gateway reports a REST API's metrics under."""

    name: str
    stage: str


def api_identity(config: Config) -> ApiIdentity:
    return ApiIdentity(name=config.app_name, stage=config.api_gateway_stage)


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        namespace: str,
        api: ApiIdentity,
        functions: dict[str, str],
        dead_letter_queues: dict[str, sqs.IQueue],
        state_machines: dict[str, sfn.StateMachine],
        streams: dict[str, kinesis.IStream] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._namespace = namespace
        self._api = api
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=cdk.Aws.STACK_NAME + "-operations",
            default_interval=cdk.Duration.hours(24),
        )
        self.dashboard.add_widgets(
            cloudwatch.LogQueryWidget(
                title="Tickets created",
                log_group_names=[f"/aws/lambda/{functions[API_FUNCTION]}"],
                query_lines=list(TICKETS_CREATED_QUERY),
                view=cloudwatch.LogQueryVisualizationType.BAR,
                width=WIDTH,
                height=HEIGHT,
            ),
            self._graph("Photos by outcome (rejections first)",
                        [self._app(f"Photos{outcome}") for outcome in PHOTO_OUTCOMES]),
        )
        self.dashboard.add_widgets(
            self._graph(
                "State machine executions",
                [
                    machine.metric(name, period=PERIOD, statistic="Sum", label=f"{label} {name}")
                    for label, machine in state_machines.items()
                    for name in ("ExecutionsStarted", "ExecutionsFailed", "ExecutionsTimedOut")
                ],
            ),
            self._graph(
                "SLA sweep: checkpoints due and advanced without a workflow",
                [self._app(f"Sweep{count}") for count in SWEEP_COUNTS]
                + [self._app("WorkflowStartFailures")],
            ),
        )
        self.dashboard.add_widgets(
            self._graph(
                "Escalations by level",
                [self._app(sla.escalation_metric(level))
                 for level in range(1, sla.LAST_LEVEL + 1)],
            ),
            self._graph(
                "SLA compliance: first responses met / missed, final breaches",
                [self._app(sla.response_metric(True)), self._app(sla.response_metric(False)),
                 self._app(sla.FINAL_BREACH_METRIC)],
            ),
        )
        self.dashboard.add_widgets(
            self._graph(
                "Dead-letter queue depths",
                [
                    queue.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic="Maximum", label=label
                    )
                    for label, queue in dead_letter_queues.items()
                ],
            ),
            self._graph(
                "API 4xx / 5xx",
                [
                    self._gateway("4XXError", "Sum"),
                    self._gateway("5XXError", "Sum"),
                    self._app("ClientErrors"),
                    self._app("ServerErrors"),
                ],
            ),
        )
        self.dashboard.add_widgets(
            self._graph(
                "API latency p99 (ms)",
                [self._gateway("Latency", "p99"), self._gateway("IntegrationLatency", "p99")],
            ),
            self._graph(
                "Lambda errors per function",
                [
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name="Errors",
                        dimensions_map={"FunctionName": function_name},
                        statistic="Sum",
                        period=PERIOD,
                        label=chalice_name,
                    )
                    for chalice_name, function_name in functions.items()
                ],
            ),
        )
        if streams:
            self.dashboard.add_widgets(
                self._graph(
                    "Stream consumers: iterator age (ms, max)",
                    [iterator_age(stream).with_(label=label) for label, stream in streams.items()],
                ),
                self._graph(
                    "Stream records in",
                    [stream.metric_incoming_records(period=PERIOD, statistic="Sum", label=label)
                     for label, stream in streams.items()],
                ),
            )

    def _graph(
        self, title: str, metrics: Sequence[cloudwatch.IMetric]
    ) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=list(metrics), width=WIDTH, height=HEIGHT)

    def _app(self, metric_name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=self._namespace,
            metric_name=metric_name,
            dimensions_map={"service": SERVICE},
            statistic="Sum",
            period=PERIOD,
            label=metric_name,
        )

    def _gateway(self, metric_name: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=metric_name,
            dimensions_map={"ApiName": self._api.name, "Stage": self._api.stage},
            statistic=statistic,
            period=PERIOD,
            label=f"{metric_name} {statistic}",
        )
