"""EventBridge schedules, locally: call each ``@app.schedule`` handler at its rate with a
scheduled event shaped like the real one. Only ``rate(...)`` expressions run; cron ones are
skipped with a warning."""
from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from infra.local.dispatch import ACCOUNT_ID, Dispatcher
from infra.local.worker import Worker

log = logging.getLogger("fanglin.local.schedule")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    period_s: float


def rate_seconds(expression: str) -> float:
    """Seconds between runs of a ``rate(N unit)`` expression; raises ValueError otherwise."""
    match = RATE.match(expression.strip())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"not a rate expression: {expression!r}")
    return int(match.group(1)) * UNIT_S[match.group(2).rstrip("s")]


def schedules_of(app: Any) -> list[Schedule]:
    """The app's scheduled handlers that can run locally."""
    found = []
    for source in app.event_sources:
        expression = getattr(source, "schedule_expression", None)
        if expression is None:
            continue
        text = expression if isinstance(expression, str) else expression.to_string()
        try:
            found.append(Schedule(source.name, text, rate_seconds(text)))
        except ValueError:
            log.warning("schedule %s (%s) does not run locally", source.name, text)
    return found


def scheduled_event(rule: str, region: str, at: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


class ScheduleRunner(Worker):
    """One thread that runs every schedule, the first time one period after ``start()``."""

    def __init__(self, schedules: list[Schedule], dispatcher: Dispatcher, region: str,
                 rule_prefix: str) -> None:
        self._schedules = schedules
        self._dispatcher = dispatcher
        self._region = region
        self._rule_prefix = rule_prefix
        super().__init__("schedules")

    def start(self) -> None:
        if self._schedules:
            super().start()

    def _run(self) -> None:
        now = time.monotonic()
        due = {s.name: now + s.period_s for s in self._schedules}
        while True:
            wait_s = max(0.0, min(due.values()) - time.monotonic())
            if self._stopping.wait(wait_s):
                return
            for schedule in self._schedules:
                if due[schedule.name] <= time.monotonic() and not self._stopping.is_set():
                    self.run_once(schedule)
                    while due[schedule.name] <= time.monotonic():
                        due[schedule.name] += schedule.period_s

    def run_once(self, schedule: Schedule) -> None:
        event = scheduled_event(f"{self._rule_prefix}{schedule.name}", self._region,
                                datetime.now(timezone.utc))
        try:
            self._dispatcher.invoke(schedule.name, event)
        except Exception:
            log.exception("scheduled %s failed", schedule.name)
