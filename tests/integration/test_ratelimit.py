"""The ticket rate limit against DynamoDB: a sliding 60-minute window, hits taken back by
``release``, and concurrent consumes that never pass together when one slot is left."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.core.errors import RateLimitedError
from chalicelib.tickets import ratelimit
from chalicelib.tickets.models import RateWindow
from tests.integration.conftest import Api

ELEVEN = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
NEW_TICKET = {"category": "public_area", "description": "楼道堆放杂物",
              "location": {"estate_id": "huayuan", "building": "b1"}}


def consume(at: datetime, user: str = "lin") -> str:
    return ratelimit.consume("tickets", user, 20, at)


def refused_for(at: datetime, user: str = "lin") -> int:
    with pytest.raises(RateLimitedError) as refused:
        consume(at, user)
    return refused.value.retry_after_s


def test_twenty_in_a_minute_pass_and_the_twenty_first_waits(aws: dict[str, Any]) -> None:
    tokens = [consume(ELEVEN + timedelta(seconds=3 * n)) for n in range(20)]
    assert len(set(tokens)) == 20
    assert refused_for(ELEVEN + timedelta(minutes=1)) == 3600 - 60
    consume(ELEVEN, user="huang")


def test_the_window_slides_over_the_clock_hour(aws: dict[str, Any]) -> None:
    for n in range(20):
        consume(ELEVEN - timedelta(seconds=60 - n))          # 10:59:00 .. 10:59:19
    assert refused_for(ELEVEN + timedelta(minutes=1)) == 3600 - 120   # 11:01
    assert refused_for(ELEVEN + timedelta(minutes=58, seconds=59)) == 1
    consume(ELEVEN + timedelta(minutes=59, seconds=0.5))     # the 10:59:00 hit has left
    assert refused_for(ELEVEN + timedelta(minutes=59, seconds=0.6)) == 1


def test_the_item_keeps_only_the_window_and_expires_after_it(aws: dict[str, Any]) -> None:
    consume(ELEVEN - timedelta(hours=2))
    consume(ELEVEN)
    [item] = list(RateWindow.scan())
    assert [float(h.at) for h in item.hits] == [ELEVEN.timestamp()]
    assert item.expires_at == ELEVEN + timedelta(hours=1)


def test_a_released_hit_no_longer_counts(aws: dict[str, Any]) -> None:
    tokens = [consume(ELEVEN) for _ in range(20)]
    refused_for(ELEVEN)
    assert ratelimit.release("tickets", "lin", tokens[7]) is True
    assert ratelimit.release("tickets", "lin", tokens[7]) is False
    consume(ELEVEN)
    refused_for(ELEVEN)
    assert ratelimit.release("tickets", "lin", "never-given") is False
    assert ratelimit.release("tickets", "nobody", tokens[0]) is False


@pytest.fixture
def serializable_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each conditional write atomically; moto's in-memory backend takes no
    lock, so the test gives it the same guarantee."""
    lock = threading.RLock()
    for name in ("put_item", "update_item", "get_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.mark.parametrize("racers", [2, 8])
def test_racing_for_the_last_slot_exactly_one_wins(aws: dict[str, Any], serializable_writes: None,
                                                   racers: int) -> None:
    for _ in range(19):
        consume(ELEVEN)
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def race() -> None:
        barrier.wait()
        try:
            consume(ELEVEN + timedelta(seconds=1))
            outcomes.append("passed")
        except RateLimitedError:
            outcomes.append("refused")
        except BaseException as err:  # noqa: BLE001 - reported by the test
            failures.append(err)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(outcomes) == ["passed"] + ["refused"] * (racers - 1)
    [item] = list(RateWindow.scan())
    assert len(item.hits) == 20


def test_the_api_answers_429_with_retry_after_past_twenty(api: Api) -> None:
    for n in range(20):
        created = api.post("/tickets", "lin", NEW_TICKET)
        assert created.status_code == 201, (n, created.body)
    refused = api.post("/tickets", "lin", NEW_TICKET)
    assert refused.status_code == 429, refused.body
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json["retry_after_s"] == int(refused.headers["Retry-After"])
    assert api.post("/tickets", "huang", NEW_TICKET).status_code == 201


def test_a_create_that_fails_gives_its_hit_back(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import config
    from chalicelib.tickets import store

    monkeypatch.setenv("TICKETS_PER_HOUR", "1")
    config.reset()
    written = store.create

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the transaction failed")

    monkeypatch.setattr(store, "create", failing)
    assert api.post("/tickets", "lin", NEW_TICKET).status_code == 500
    monkeypatch.setattr(store, "create", written)
    assert api.post("/tickets", "lin", NEW_TICKET).status_code == 201
    assert api.post("/tickets", "lin", NEW_TICKET).status_code == 429
