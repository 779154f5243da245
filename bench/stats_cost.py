"""Stats cost: DynamoDB requests for one all-time stats read at 1,000 and at 50,000 tickets.

Both communities' tickets span the same 90 days. Counters are built with the same functions that
ticket changes use (``stats.on_create``, ``on_first_response``, ``on_resolve`` …); their deltas
are summed per bucket before writing, which leaves the buckets exactly as one write per change
would. Target: the same number of requests for both.
Run: .venv/bin/python -m bench.stats_cost
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

SIZES = (1_000, 50_000)
DAYS = 90
UPDATE_CHUNK = 20
CATEGORIES = ("water_electric", "public_area", "environment", "facility", "noise")


class FakeTicket:
    def __init__(self, community_id: str, n: int) -> None:
        self.community_id = community_id
        self.category = CATEGORIES[n % len(CATEGORIES)]
        self.grid_id = f"g{n % 4}"
        self.estate_id = f"e{n % 3}"
        self.source = "resident"
        self.escalation_level = 1 if n % 2 else 0
        self.breached_final = False


def bumps_for(community_id: str, count: int, start: datetime) -> list[tuple[Any, Any]]:
    from chalicelib.tickets import stats

    rng = random.Random(count)
    out = []
    for n in range(count):
        ticket = FakeTicket(community_id, n)
        created = start + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        answered = created + timedelta(minutes=rng.randrange(1, 600))
        bumps = [*stats.on_create(ticket, created, "Asia/Shanghai"),  # type: ignore[arg-type]
                 *stats.on_first_response(ticket, answered, "Asia/Shanghai",  # type: ignore[arg-type]
                                          (answered - created).total_seconds(), n % 2 == 0)]
        if n % 5:
            bumps += stats.on_resolve(ticket, answered + timedelta(hours=5),  # type: ignore[arg-type]
                                      "Asia/Shanghai", n % 3 == 0)
        out.append((ticket, bumps))
    return out


def write(community_id: str, count: int, start: datetime) -> None:

    from chalicelib.tickets import stats, store

    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for ticket, bumps in bumps_for(community_id, count, start):
        for bucket, values in stats.deltas(ticket, bumps).items():  # type: ignore[arg-type]
            for name, delta in values.items():
                totals[bucket][name] += delta
    for bucket, values in totals.items():
        nonzero = [(k, v) for k, v in values.items() if v]
        for start_at in range(0, len(nonzero), UPDATE_CHUNK):
            chunk = dict(nonzero[start_at:start_at + UPDATE_CHUNK])
            store.add_to_bucket(community_id, bucket, chunk)


def main() -> None:
    from bench.harness import DynamoMeter, embedded_aws
    from chalicelib.directory import service as directory
    from chalicelib.directory.schemas import NewCommunity
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets import stats

    admin = Caller("bench", "bench", None, frozenset({"admin"}), None)
    start = datetime.now(timezone.utc) - timedelta(days=DAYS)
    results = {}
    with embedded_aws():
        for size in SIZES:
            community = f"c{size}"
            directory.create_community(admin, NewCommunity(community_id=community, name=community))
            write(community, size, start)
            with DynamoMeter().watching() as meter:
                body = stats.community_stats(admin, community)
            results[size] = (sum(meter.requests.values()), dict(meter.requests), body)
    for size, (requests, by_operation, body) in results.items():
        print(f"{size:>6} tickets: {requests} requests {by_operation}; handled {body['handled']} = "
              f"{body['resolved_by_property_in_time']} + {body['resolved_under_supervision']}")
    small, large = (results[s][0] for s in SIZES)
    print(f"requests at {SIZES[1]} / requests at {SIZES[0]}: {large / small:.2f} (target 1.00)")


if __name__ == "__main__":
    main()
