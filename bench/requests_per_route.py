"""AWS requests per route: what each answer costs in calls to DynamoDB, S3, Step Functions and
Cognito, counted on the wire.

A ``before-send`` hook is registered on every botocore client as it is created, whichever session
creates it (boto3's and PynamoDB's), so retries count and nothing is missed. The app runs
in-process under ``chalice.test.Client`` against moto's server on a loopback port, provisioned and
seeded with the demo data like the local stack, with real Cognito tokens. Each route is measured
first in a fresh container (per-container state forgotten, as ``apply_environment`` does) and
then again warm, for a second object of the same kind. The token's signing keys are fetched once
before (they are not AWS requests).
Run: .venv/bin/python -m bench.requests_per_route
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

ESTATE = "jinxiu-huayuan"
REPORT = {"category": "public_area", "description": "楼道堆放杂物",
          "location": {"estate_id": ESTATE, "building": "1"}}


class RequestMeter:
    """Counts the HTTP requests of every botocore client created after ``install``."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()

    def install(self) -> None:
        from botocore.session import Session

        original = Session.create_client
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-send", meter._count)
            return client

        Session.create_client = create_client  # type: ignore[method-assign]

    def _count(self, event_name: str, **kwargs: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        self.requests[service, operation] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[tuple[str, str]]]:
        before = Counter(self.requests)
        found: Counter[tuple[str, str]] = Counter()
        yield found
        found.update(self.requests - before)


def describe(found: Counter[tuple[str, str]]) -> str:
    by_service: dict[str, list[str]] = {}
    for (service, operation), n in sorted(found.items()):
        by_service.setdefault(service, []).append(f"{operation} {n}")
    return "; ".join(f"{s}: {', '.join(ops)}" for s, ops in by_service.items()) or "none"


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    meter = RequestMeter()
    meter.install()
    from chalice.test import Client

    from bench.harness import served_aws
    from infra.local.stack import apply_environment

    with served_aws() as aws:
        from app import app

        tokens = {user: aws.token(user) for user in ("lin", "wuye")}
        rows: list[tuple[str, str, Counter[tuple[str, str]]]] = []

        with Client(app) as client:
            def call(method: str, path: str, user: str, body: Any = None,
                     form: str | None = None) -> Any:
                headers = {"Authorization": f"Bearer {tokens[user]}",
                           "Content-Type": "application/x-www-form-urlencoded" if form
                           else "application/json"}
                data = form if form is not None else (json.dumps(body) if body else None)
                response = getattr(client.http, method.lower())(path, headers=headers, body=data)
                if response.status_code >= 300:
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.body}")
                return json.loads(response.body)

            def measure(name: str, route: Callable[[], Any]) -> Any:
                results = []
                for state in ("fresh container", "warm"):
                    if state == "fresh container":
                        apply_environment(aws.environment)
                    with meter.counting() as found:
                        results.append(route())
                    rows.append((name, state, found))
                return results

            call("GET", "/me", "lin")
            call("GET", "/me", "wuye")
            first, _ = measure("POST /tickets, no photos",
                               lambda: call("POST", "/tickets", "lin", REPORT))
            measure("POST /tickets, 2 photos",
                    lambda: call("POST", "/tickets", "lin", {**REPORT, "photos": 2}))
            ticket_id = first["ticket"]["ticket_id"]
            ticket_ids = iter([ticket_id, call("POST", "/tickets", "lin", REPORT)["ticket"][
                "ticket_id"]])
            measure("POST /tickets/{id}/acknowledge",
                    lambda: call("POST", f"/tickets/{next(ticket_ids)}/acknowledge", "wuye",
                                 {"note": "马上派人"}))
            measure("POST /tickets/{id}/comments (reporter)",
                    lambda: call("POST", f"/tickets/{ticket_id}/comments", "lin",
                                 {"message": "还在"}))
            measure("GET /tickets (resident's page)", lambda: call("GET", "/tickets", "lin"))
            measure("GET /tickets (property staff's page)",
                    lambda: call("GET", "/tickets", "wuye"))
            measure("GET /tickets/{id}",
                    lambda: call("GET", f"/tickets/{ticket_id}", "lin"))
            measure("POST /open311/v2/requests.json",
                    lambda: call("POST", "/open311/v2/requests.json", "lin",
                                 form=f"service_code=public_area&description=灯坏了"
                                      f"&address_id={ESTATE}/1"))

    width = max(len(name) for name, _, _ in rows)
    print("AWS requests per route (fresh container, then warm):")
    for name, state, found in rows:
        print(f"  {name:<{width}}  {state:<15} {sum(found.values()):>3}  {describe(found)}")


if __name__ == "__main__":
    main()
