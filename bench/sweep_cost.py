"""Sweep cost: items read by one sweep divided by the tickets that are overdue.

50,000 open tickets, of which 50 are past their next SLA checkpoint. The sweep reads the sparse
due index; a scan of the table (shown beside it) would read every ticket. Target: at most 1.2.
Run: .venv/bin/python -m bench.sweep_cost [open] [overdue]
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

OPEN = 50_000
OVERDUE = 50


def seed(open_count: int, overdue: int, now: datetime) -> None:
    from chalicelib.core.ids import new_id
    from chalicelib.core.timeutil import iso
    from chalicelib.tickets import store
    from chalicelib.tickets.models import Ticket

    with Ticket.batch_write() as batch:
        for n in range(open_count):
            ticket_id = new_id("tk_")
            next_check = now - timedelta(minutes=5) if n < overdue else now + timedelta(hours=3)
            created = iso(now - timedelta(hours=1))
            batch.save(store.new_ticket(
                ticket_id=ticket_id, community_id="bench",
                estate_id="e1", category="public_area", description="bench",
                location={"estate_id": "e1"}, status="submitted", created_at=created,
                updated_at=created, sla_phase="respond", sla_stage=0,
                sla_checkpoints=[iso(next_check)], next_check_at=iso(next_check),
                due_at=iso(next_check),
            ))


def main(open_count: int = OPEN, overdue: int = OVERDUE) -> None:
    import boto3

    from bench.harness import DynamoMeter, embedded_aws
    from chalicelib.tickets import escalation

    now = datetime.now(timezone.utc)
    with embedded_aws() as settings:
        seed(open_count, overdue, now)
        with DynamoMeter().watching() as sweep_meter:
            due = escalation.due_tickets(now)
        with DynamoMeter().watching() as scan_meter:
            paginator = boto3.client("dynamodb").get_paginator("scan")
            for _ in paginator.paginate(TableName=settings.table_name, Select="COUNT"):
                pass
    ratio = sweep_meter.items_read / overdue
    print(f"open tickets: {open_count}, overdue: {overdue}, found by the sweep: {len(due)}")
    print(f"sweep: {sweep_meter.items_read} items read in {sum(sweep_meter.requests.values())} "
          f"queries; a scan would read {scan_meter.items_read}")
    print(f"items read per overdue ticket: {ratio:.2f} (target <= 1.2); "
          f"scan/sweep: {scan_meter.items_read / max(1, sweep_meter.items_read):.0f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
