"""Operations on AWS: cdk-nag's AwsSolutions pack finds nothing unacknowledged, every dead-letter
queue and every state machine raises an alarm, and the dashboard charts what the code emits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.observability import SERVICE
from chalicelib.tickets.lifecycle import REJECTED
from infra.stacks.dashboard import PHOTO_OUTCOMES
from infra.stacks.fanglin_stack import FUNCTIONS, METRICS_NAMESPACE, function_logical_id
from tests.infra.conftest import Synthesized
from tests.infra.helpers import strings

VARIANTS = ["synthesized", "synthesized_external_auth"]


def nag_findings(synthesized: Synthesized) -> list[str]:
    from cdk_nag import AwsSolutionsChecks

    # Runs the pack on the construct tree already synthesized (~0.5 s), acknowledgements included.
    report = AwsSolutionsChecks().validate_scope(synthesized.stack)
    return [
        f"{violation.rule_name} at {resource.construct_path}: {violation.description}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]


@pytest.mark.parametrize("variant", VARIANTS)
def test_aws_solutions_pack_reports_no_unacknowledged_finding(
    request: pytest.FixtureRequest, variant: str
) -> None:
    assert nag_findings(request.getfixturevalue(variant)) == []


def test_acknowledgements_give_a_one_line_reason(synthesized: Synthesized) -> None:
    acknowledged = {
        rule: reason
        for construct in synthesized.stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
    }
    assert len(acknowledged) >= 10
    for rule, reason in acknowledged.items():
        assert "::AwsSolutions-" in rule
        assert 20 <= len(reason) <= 100 and "\n" not in reason


def queue_id(reference: Any) -> str | None:
    """The logical id of a queue named by ``Ref`` (its URL) or ``Fn::GetAtt [id, Arn]``."""
    if isinstance(reference, dict) and "Ref" in reference:
        return str(reference["Ref"])
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        return str(reference["Fn::GetAtt"][0])
    return None


def dead_letter_queue_ids(synthesized: Synthesized) -> set[str]:
    """Queues some resource sends what failed to: redrive targets, Lambda failure destinations,
    topic rules' error actions, stream mappings' on-failure destinations; and any queue named
    like one."""
    queues = synthesized.of_type("AWS::SQS::Queue")
    found = {
        name for name in queues if "deadletter" in name.lower() or "dlq" in name.lower()
    }
    for queue in queues.values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            found.add(str(queue_id(redrive["deadLetterTargetArn"])))
    for config in synthesized.of_type("AWS::Lambda::EventInvokeConfig").values():
        failure = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        found.add(str(queue_id(failure)))
    for mapping in synthesized.of_type("AWS::Lambda::EventSourceMapping").values():
        destination = mapping["Properties"].get("DestinationConfig", {}).get("OnFailure", {})
        if destination:
            found.add(str(queue_id(destination["Destination"])))
    for rule in synthesized.of_type("AWS::IoT::TopicRule").values():
        error = rule["Properties"]["TopicRulePayload"]["ErrorAction"]
        found.add(str(queue_id(error["Sqs"]["QueueUrl"])))
    return found & queues.keys()


def alarms(synthesized: Synthesized) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synthesized.of_type("AWS::CloudWatch::Alarm").values()]


def fires_on_first(alarm: dict[str, Any]) -> bool:
    return bool(
        alarm["Threshold"] == 1
        and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        and alarm["EvaluationPeriods"] == 1
        and alarm["TreatMissingData"] == "notBreaching"
        and alarm.get("AlarmDescription")
    )


def test_every_dead_letter_queue_raises_an_alarm(synthesized: Synthesized) -> None:
    dead_letters = dead_letter_queue_ids(synthesized)
    assert len(dead_letters) == 2
    for queue in dead_letters:
        name = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
        [alarm] = [a for a in alarms(synthesized) if a.get("Dimensions") == [name]]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Statistic"] == "Maximum"
        assert fires_on_first(alarm)
    charted = {synthesized.logical_id(q) for q in synthesized.stack.dead_letter_queues().values()}
    assert charted == dead_letters


@pytest.mark.parametrize("metric_name", ["ExecutionsFailed", "ExecutionsTimedOut"])
def test_every_state_machine_raises_an_alarm_on_failed_executions(
    synthesized: Synthesized, metric_name: str
) -> None:
    machines = synthesized.of_type("AWS::StepFunctions::StateMachine")
    assert len(machines) == 1
    for machine in machines:
        arn = {"Name": "StateMachineArn", "Value": {"Ref": machine}}
        [alarm] = [a for a in alarms(synthesized)
                   if a["MetricName"] == metric_name and a["Dimensions"] == [arn]]
        assert alarm["Namespace"] == "AWS/States"
        assert alarm["Statistic"] == "Sum"
        assert fires_on_first(alarm)


def dashboard_widgets(synthesized: Synthesized) -> list[dict[str, Any]]:
    [dashboard] = synthesized.of_type("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    # The body is a Fn::Join of JSON text and tokens: put each token back as a placeholder.
    text = "".join(
        part if isinstance(part, str) else "__" + json.dumps(part).replace('"', "'") + "__"
        for part in body["Fn::Join"][1]
    )
    return list(json.loads(text)["widgets"])


def charted_metrics(widgets: list[dict[str, Any]]) -> list[list[Any]]:
    return [m for w in widgets for m in w["properties"].get("metrics", [])]


def test_dashboard_charts_the_metrics_the_code_emits(synthesized: Synthesized) -> None:
    widgets = dashboard_widgets(synthesized)
    metrics = charted_metrics(widgets)
    application = {m[1] for m in metrics if m[0] == METRICS_NAMESPACE}
    assert all(m[2:4] == ["service", SERVICE] for m in metrics if m[0] == METRICS_NAMESPACE)
    assert f"Photos{REJECTED.capitalize()}" in {f"Photos{o}" for o in PHOTO_OUTCOMES}
    assert {"PhotosRejected", "ClientErrors", "ServerErrors", "SweepAdvanced",
            "WorkflowStartFailures", "EscalatedToLevel1", "EscalatedToLevel2", "SlaResponseMet",
            "SlaResponseMissed", "SlaFinalBreach"} <= application
    gateway = {(m[1], m[-1].get("stat")) for m in metrics if m[0] == "AWS/ApiGateway"}
    assert {("4XXError", "Sum"), ("5XXError", "Sum"), ("Latency", "p99")} <= gateway
    errors = [json.dumps(m) for m in metrics if m[:2] == ["AWS/Lambda", "Errors"]]
    assert len(errors) == len(FUNCTIONS)
    for name in FUNCTIONS:
        assert any(f"'Ref': '{function_logical_id(name)}'" in e for e in errors)
    depths = [m for m in metrics if m[1] == "ApproximateNumberOfMessagesVisible"]
    assert len(depths) == len(dead_letter_queue_ids(synthesized))
    [created] = [w for w in widgets if w["properties"].get("title") == "Tickets created"]
    assert 'path = "/tickets"' in created["properties"]["query"]


def test_dashboard_names_no_region(synthesized: Synthesized) -> None:
    widgets = dashboard_widgets(synthesized)
    regions = {w["properties"].get("region") for w in widgets}
    assert regions == {"__{'Ref': 'AWS::Region'}__"}
    assert not [s for s in strings(widgets) if "amazonaws.com" in s or "arn:aws" in s]


def test_buckets_log_access_each_under_its_own_prefix(synthesized: Synthesized) -> None:
    access_logs = synthesized.logical_id(synthesized.stack.access_logs)
    logged = {
        name: bucket["Properties"]["LoggingConfiguration"]["LogFilePrefix"]
        for name, bucket in synthesized.of_type("AWS::S3::Bucket").items()
        if name != access_logs
    }
    [policy] = [p["Properties"]["PolicyDocument"]["Statement"]
                for p in synthesized.of_type("AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": access_logs}]
    writes = {
        s["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0]: s["Resource"]["Fn::Join"][1][1]
        for s in policy
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    }
    assert writes == {name: f"/{prefix}*" for name, prefix in logged.items()}
    assert len(set(logged.values())) == len(logged) == 3


def test_every_scheduled_function_raises_an_alarm_on_errors(synthesized: Synthesized) -> None:
    from app import app
    from infra.local.schedule import schedules_of

    watched = {json.dumps(a["Dimensions"]) for a in alarms(synthesized)
               if a.get("MetricName") == "Errors" and a.get("Namespace") == "AWS/Lambda"
               and fires_on_first(a)}
    scheduled = [s.name for s in schedules_of(app)]
    assert scheduled
    for name in scheduled:
        dimension = [{"Name": "FunctionName", "Value": {"Ref": function_logical_id(name)}}]
        assert json.dumps(dimension) in watched, name
