"""Acknowledge and escalate racing for the same ticket: exactly one outcome is recorded."""
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.identity.caller import Caller
from chalicelib.tickets import escalation, store, transitions
from chalicelib.tickets import schemas as docs
from chalicelib.tickets.errors import TicketBusyError
from tests.integration.conftest import new_ticket

WUYE = Caller("wuye", "物业", None, frozenset({"property"}), "jinxiu")
ROUNDS = 12


@pytest.fixture
def serializable_writes(monkeypatch):
    """DynamoDB applies each write atomically; moto's in-memory backend does not lock, so the
    test gives it the same guarantee."""
    lock = threading.RLock()
    for name in ("transact_write_items", "update_item", "put_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def race(ticket_id: str, due: datetime) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def acknowledge() -> None:
        barrier.wait()
        transitions.transition(WUYE, ticket_id, "acknowledge", docs.OptionalNote(),
                           now=due - timedelta(seconds=1))

    def escalate() -> None:
        barrier.wait()
        for _ in range(5):
            try:
                escalation.advance(ticket_id, due + timedelta(seconds=1))
                return
            except TicketBusyError:
                continue

    def run(target):
        def wrapped():
            try:
                target()
            except BaseException as err:  # noqa: BLE001 - reported by the test
                errors.append(err)
        return threading.Thread(target=wrapped)

    threads = [run(acknowledge), run(escalate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_acknowledge_and_escalate_race(api, serializable_writes):
    outcomes = Counter()
    for _ in range(ROUNDS):
        tid = new_ticket(api)["ticket"]["ticket_id"]
        t = store.get_ticket(tid)
        due = datetime.fromisoformat(t.sla_checkpoints[-1].replace("Z", "+00:00"))
        race(tid, due)
        t = store.get_ticket(tid, consistent=True)
        timeline = [e["action"] for e in api.get(f"/tickets/{tid}", "chen").json["timeline"]]
        assert t.status == "acknowledged"
        if t.responded_in_time:
            assert int(t.sla_level) == 0 and "escalated" not in timeline
            outcomes["acknowledged in time"] += 1
        else:
            assert int(t.sla_level) == 1 and timeline.count("escalated") == 1
            assert t.responded_in_time is False
            outcomes["escalated first"] += 1
        assert timeline.count("acknowledge") == 1
    assert sum(outcomes.values()) == ROUNDS
