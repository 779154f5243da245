"""The escalation state machine (Amazon States Language), shared by the CDK stack and the local
stack: wait until the ticket's next SLA checkpoint, advance it, and loop while a clock runs."""
from __future__ import annotations

from typing import Any

WAIT = "Wait for next checkpoint"
ADVANCE = "Advance SLA"
CHOICE = "Clock still running?"
DONE = "Done"
GONE = "Ticket gone"
RETRYABLE_LAMBDA_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                           "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]


def escalation_definition(task_arn: str) -> dict[str, Any]:
    """The state machine; ``task_arn`` is the Lambda function running ``escalation_task``.
    Its input and each task result are ``{ticket_id, check_at, done, cycle}``."""
    return {
        "Comment": "Fanglin SLA: wait for each checkpoint of one ticket and advance it",
        "StartAt": WAIT,
        "States": {
            WAIT: {"Type": "Wait", "TimestampPath": "$.check_at", "Next": ADVANCE},
            ADVANCE: {
                "Type": "Task",
                "Resource": task_arn,
                "Parameters": {"ticket_id.$": "$.ticket_id"},
                "Retry": [
                    {"ErrorEquals": ["TicketBusyError"], "IntervalSeconds": 1,
                     "MaxAttempts": 6, "BackoffRate": 2.0},
                    {"ErrorEquals": RETRYABLE_LAMBDA_ERRORS, "IntervalSeconds": 2,
                     "MaxAttempts": 6, "BackoffRate": 2.0},
                ],
                "Catch": [{"ErrorEquals": ["TicketNotFoundError"], "Next": GONE}],
                "Next": CHOICE,
            },
            CHOICE: {
                "Type": "Choice",
                "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": DONE}],
                "Default": WAIT,
            },
            GONE: {"Type": "Succeed"},
            DONE: {"Type": "Succeed"},
        },
    }
