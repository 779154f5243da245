"""The time bank as a hypothesis state machine against the embedded table: mints (with
repeated keys), redemptions (with repeated Idempotency-Keys), tasks posted with escrow and
taken through every transition, auto-confirmation under a moving clock, and rules that run a
few operations in threads at once. After every step the ledger must hold: the accounts sum to
zero, no resident, escrow or retired account is negative, every balance is the sum of its
entries, and the balances are the ones a sequential model predicts from what succeeded.

moto in-process takes no lock: two transactions on other threads could interleave (a failed
TransactWriteItems restores a copy of the tables taken when it started). The test installs
``infra.local.serial_dynamodb.SerialDynamoDB``, as the local stack does, so every DynamoDB
request runs alone, which is DynamoDB's own guarantee for one item and one transaction."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from chalicelib.core.errors import ConflictError, FanglinError, ForbiddenError
from chalicelib.identity.caller import Caller
from chalicelib.points import ledger, rewards
from chalicelib.points.ledger import InsufficientPointsError
from chalicelib.points.rewards import OutOfStockError
from chalicelib.points.schemas import NewReward
from chalicelib.tasks import rules
from chalicelib.tasks import schemas as task_docs
from chalicelib.tasks import service as board
from infra.local.serial_dynamodb import SerialDynamoDB
from tests.integration.conftest import ADMIN, EmbeddedAws
from tests.integration.test_points import assert_snapshot_holds, snapshot

C = "jinxiu"
T0 = datetime(2025, 5, 1, 1, 0, tzinfo=timezone.utc)
RESIDENTS = {
    "lin": Caller("lin", "林小梅", None, frozenset({"resident", "owner"}), C),
    "huang": Caller("huang", "黄大伟", None, frozenset({"resident"}), C),
    "zhao": Caller("zhao", "赵一", None, frozenset({"resident", "owner"}), C),
}
STAFF = Caller("chen", "陈主任", None, frozenset({"community"}), C)
PEOPLE = {**RESIDENTS, "chen": STAFF}
users = st.sampled_from(sorted(RESIDENTS))
EMBEDDED: list[EmbeddedAws] = []
NONE = "-"


def build_small_community() -> None:
    """Jinxiu with its office (chen) and one building where lin, huang and zhao live: a small
    table keeps moto's transactions (which copy every table) fast."""
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory

    directory.create_community(ADMIN, d.NewCommunity(community_id=C, name="锦绣社区",
                                                     staff=["chen"]))
    directory.create_company(ADMIN, d.NewCompany(company_id="lvyin", name="绿茵物业"))
    directory.create_estate(ADMIN, C, d.NewEstate(estate_id="huayuan", name="锦绣花园",
                                                  company_id="lvyin"))
    directory.add_buildings(ADMIN, "huayuan", d.BuildingBatch(buildings=[
        d.NewBuilding(building_id="b1", name="1号楼")]))
    directory.import_units(ADMIN, "huayuan", d.UnitBatch(units=[
        d.NewUnit(unit_id="b1-101", building="b1", area_m2=88.5, owners=["lin"]),
        d.NewUnit(unit_id="b1-102", building="b1", area_m2=92, owners=["zhao"],
                  residents=["huang"])]))


@dataclass
class TaskModel:
    poster: str
    points: int
    status: str = rules.OPEN
    taker: str | None = None
    consents: set[str] = field(default_factory=set)
    delivered_at: datetime | None = None
    settled_to: str | None = None

    def relation(self, who: str) -> str:
        if who == self.poster:
            return "poster"
        if who == self.taker:
            return "taker"
        return "staff" if who == "chen" else "resident"


def outcome(call: Callable[[], Any]) -> tuple[Any, type[Exception] | None]:
    try:
        return call(), None
    except FanglinError as err:
        return None, type(err)


def at_once(calls: list[Callable[[], Any]]) -> list[tuple[Any, type[Exception] | None]]:
    """Every call on its own thread, released together."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], Any]) -> tuple[Any, type[Exception] | None]:
        barrier.wait()
        return outcome(call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def expected_error(err: type[Exception] | None) -> type[Exception] | None:
    if err is None:
        return None
    return ForbiddenError if issubclass(err, ForbiddenError) else ConflictError


class Ledger(RuleBasedStateMachine):
    rewards_made = Bundle("rewards")
    tasks_made = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        EMBEDDED[0].start_from("points-machine", build_small_community)
        self.now = T0
        self.balances = dict.fromkeys(RESIDENTS, 0)
        self.escrow = self.retired = self.issued = 0
        self.mint_keys: dict[str, tuple[str, int]] = {}
        self.stock: dict[str, list[int]] = {}
        self.redeem_keys: dict[tuple[str, str], tuple[str, str]] = {}
        self.tasks: dict[str, TaskModel] = {}
        self.serial = 0

    def fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    # --- the model's effects --------------------------------------------------------------

    def credit(self, user: str, amount: int) -> None:
        self.balances[user] += amount
        self.issued += amount

    def payout(self, model: TaskModel, to: str) -> None:
        self.escrow -= model.points
        receiver = model.taker if to == "taker" else model.poster
        assert receiver is not None
        self.balances[receiver] += model.points

    # --- sequential rules -----------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(0, 40), min_size=3, max_size=3))
    def start_with_points(self, amounts: list[int]) -> None:
        for user, amount in zip(sorted(RESIDENTS), amounts, strict=True):
            if amount:
                ledger.mint(C, user, amount, f"start:{user}", "志愿服务", self.now)
                self.credit(user, amount)

    @rule(user=users, amount=st.integers(1, 30), key=st.sampled_from(["k0", "k1", "k2"]))
    def mint(self, user: str, amount: int, key: str) -> None:
        if key in self.mint_keys and self.mint_keys[key] != (user, amount):
            with pytest.raises(ConflictError):
                ledger.mint(C, user, amount, key, "志愿服务", self.now)
            return
        movement = ledger.mint(C, user, amount, key, "志愿服务", self.now)
        if key in self.mint_keys:
            assert not movement.created
            assert movement.amount == self.mint_keys[key][1]
        else:
            assert movement.created and movement.amount == amount
            self.mint_keys[key] = (user, amount)
            self.credit(user, amount)

    @rule(target=rewards_made, points=st.integers(1, 40), stock=st.integers(0, 2))
    def stock_reward(self, points: int, stock: int) -> str:
        item = rewards.create_reward(STAFF, C, NewReward(title="大米", points=points,
                                                         stock=stock), self.now)
        self.stock[item.reward_id] = [points, stock]
        return str(item.reward_id)

    @rule(reward=rewards_made, user=users, key=st.sampled_from([None, "r0", "r1"]))
    def redeem(self, reward: str, user: str, key: str | None) -> None:
        points, stock = self.stock[reward]
        result, err = outcome(lambda: rewards.redeem(RESIDENTS[user], reward, key, self.now))
        earlier = self.redeem_keys.get((user, key)) if key else None
        if earlier is not None:
            if earlier[1] == reward:
                assert err is None and not result.created
                assert result.redemption.code == earlier[0]
            else:
                assert err is not None and err.__name__ == "UnprocessableError"
            return
        if self.balances[user] < points:
            assert err is InsufficientPointsError
        elif stock < 1:
            assert err is OutOfStockError
        else:
            assert err is None and result.created
            self.balances[user] -= points
            self.retired += points
            self.stock[reward][1] -= 1
            if key:
                self.redeem_keys[(user, key)] = (result.redemption.code, reward)

    def post(self, user: str, points: int) -> str | None:
        doc = task_docs.NewTask(title="帮忙取快递", kind="request", reward_points=points)
        seen, err = outcome(lambda: board.post_task(RESIDENTS[user], C, doc, now=self.now))
        if self.balances[user] < points:
            assert err is InsufficientPointsError
            return None
        assert err is None
        self.balances[user] -= points
        self.escrow += points
        self.tasks[seen.task.task_id] = TaskModel(user, points)
        return str(seen.task.task_id)

    @rule(target=tasks_made, user=users, points=st.integers(1, 25))
    def post_task(self, user: str, points: int) -> str:
        """Refused posts enter the bundle too (as NONE), so that what later rules draw does
        not depend on which thread won an earlier race."""
        return self.post(user, points) or NONE

    @rule(task=tasks_made, action=st.sampled_from(["accept", "deliver", "confirm", "cancel",
                                                   "dispute"]),
          who=st.sampled_from(sorted(PEOPLE)))
    def transition(self, task: str, action: str, who: str) -> None:
        if task == NONE:
            return
        model = self.tasks[task]
        relation = model.relation(who)
        decision, refused = outcome(lambda: rules.decide(action, model.status, relation,
                                                         frozenset(model.consents)))
        doc: Any = {"deliver": task_docs.Delivery(), "cancel": task_docs.Cancellation(),
                    "dispute": task_docs.Dispute(reason="没做完")}.get(action)
        _, err = outcome(lambda: board.act(PEOPLE[who], task, action, doc, self.now))
        assert expected_error(err) == expected_error(refused), (action, relation, err)
        if err is None:
            self.apply(model, action, relation, decision, who)

    @rule(task=tasks_made, to=st.sampled_from(["taker", "poster"]))
    def settle(self, task: str, to: str) -> None:
        if task == NONE:
            return
        model = self.tasks[task]
        decision, refused = outcome(lambda: rules.decide(
            "settle", model.status, "staff", frozenset(), to, model.settled_to))
        _, err = outcome(lambda: board.act(STAFF, task, "settle",
                                           task_docs.Settlement(to=to), self.now))  # type: ignore[arg-type]
        assert expected_error(err) == expected_error(refused)
        if err is None:
            self.apply(model, "settle", "staff", decision, "chen")

    def apply(self, model: TaskModel, action: str, relation: str, decision: rules.Decision,
              who: str) -> None:
        if decision.outcome == "already":
            return
        if decision.outcome == "consent":
            model.consents.add(relation)
            return
        if action == "accept":
            model.taker = who
        if action == "deliver":
            model.delivered_at = self.now
        if action == "settle":
            model.settled_to = decision.payout
        if action == "cancel" and relation in rules.PARTIES:
            model.consents.add(relation)
        assert decision.to_status is not None
        model.status = decision.to_status
        if decision.payout is not None:
            self.payout(model, decision.payout)

    @rule(hours=st.integers(1, 80))
    def time_passes_and_deliveries_confirm(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        due = [m for m in self.tasks.values() if m.status == rules.DELIVERED
               and m.delivered_at is not None
               and m.delivered_at + rules.AUTO_CONFIRM_AFTER <= self.now]
        counts = board.autoconfirm_due(self.now)
        assert counts == {"confirmed": len(due), "skipped": 0}
        for model in due:
            model.status = rules.CONFIRMED
            self.payout(model, "taker")

    # --- concurrent rules -----------------------------------------------------------------

    @rule(amounts=st.lists(st.integers(1, 20), min_size=2, max_size=4), user=users)
    def simultaneous_mints_with_one_key(self, amounts: list[int], user: str) -> None:
        key = self.fresh("race-mint-")
        results = at_once([lambda a=a: ledger.mint(C, user, a, key, "志愿服务", self.now)
                           for a in amounts])
        movements = [m for m, err in results if err is None]
        assert sum(m.created for m in movements) == 1
        first = next(m for m in movements if m.created)
        assert {m.movement_id for m in movements} == {first.movement_id}
        for amount, (_, err) in zip(amounts, results, strict=True):
            assert err is (None if amount == first.amount else ConflictError)
        self.credit(user, first.amount)

    @rule(points=st.integers(1, 20), stock=st.integers(1, 2),
          racers=st.lists(users, min_size=2, max_size=4))
    def simultaneous_redemptions(self, points: int, stock: int, racers: list[str]) -> None:
        reward = self.stock_reward(points, stock)
        results = at_once([lambda u=u: rewards.redeem(RESIDENTS[u], reward, None, self.now)
                           for u in racers])
        winners = [u for u, (_, err) in zip(racers, results, strict=True) if err is None]
        assert all(issubclass(err, ConflictError) for _, err in results if err is not None)
        assert len(winners) <= stock
        affordable = any(self.balances[u] >= points for u in racers)
        assert bool(winners) == affordable
        for user in winners:
            self.balances[user] -= points
            self.retired += points
            self.stock[reward][1] -= 1
        assert rewards.get_reward(STAFF, reward).stock == self.stock[reward][1]

    @rule(poster=users, points=st.integers(1, 10),
          racers=st.lists(st.sampled_from(sorted(PEOPLE)), min_size=2, max_size=4))
    def simultaneous_accepts(self, poster: str, points: int, racers: list[str]) -> None:
        if self.balances[poster] < points:
            self.mint(poster, points, self.fresh("top-up-"))
        task = self.post(poster, points)
        assert task is not None
        results = at_once([lambda u=u: board.act(PEOPLE[u], task, "accept", None, self.now)
                           for u in racers])
        winners = {u for u, (_, err) in zip(racers, results, strict=True) if err is None}
        eligible = {u for u in racers if u in RESIDENTS and u != poster}
        assert len(winners) == (1 if eligible else 0), (winners, results)
        assert winners <= eligible
        for user, (_, err) in zip(racers, results, strict=True):
            if user not in eligible:
                assert err is ForbiddenError
            elif user not in winners:
                assert err is not None and issubclass(err, ConflictError)
        if winners:
            model = self.tasks[task]
            model.taker, model.status = winners.pop(), rules.ACCEPTED

    @rule(data=st.data())
    def simultaneous_payouts(self, data: st.DataObject) -> None:
        """Confirm by the poster, a staff cancel and auto-confirmation race for one escrow."""
        poster, taker = data.draw(st.permutations(sorted(RESIDENTS)))[:2]
        self.mint(poster, 5, self.fresh("top-up-"))
        task = self.post(poster, 5)
        assert task is not None
        board.act(PEOPLE[taker], task, "accept", None, self.now)
        delivered = self.now - rules.AUTO_CONFIRM_AFTER - timedelta(minutes=1)
        board.act(PEOPLE[taker], task, "deliver", task_docs.Delivery(), delivered)
        calls = data.draw(st.lists(st.sampled_from(["confirm", "cancel", "auto"]), min_size=2,
                                   max_size=4))
        makers: dict[str, Callable[[], Any]] = {
            "confirm": lambda: board.act(PEOPLE[poster], task, "confirm", None, self.now),
            "cancel": lambda: board.act(STAFF, task, "cancel", task_docs.Cancellation(),
                                        self.now),
            "auto": lambda: board.autoconfirm_due(self.now),
        }
        at_once([makers[c] for c in calls])
        final = board.get_task(STAFF, task).task
        assert final.status in rules.TERMINAL
        model = self.tasks[task]
        model.taker = taker
        model.status = final.status
        self.payout(model, "taker" if final.status == rules.CONFIRMED else "poster")

    # --- what must always hold ------------------------------------------------------------

    @invariant()
    def ledger_holds_and_matches_the_model(self) -> None:
        found = assert_snapshot_holds(snapshot(C))
        balances = found.balances
        for user, expected in self.balances.items():
            assert balances.get(found.holders.get(user, ""), 0) == expected, user
        assert balances.get("escrow.jinxiu", 0) == self.escrow
        assert balances.get("retired.jinxiu", 0) == self.retired
        assert balances.get("issuer.jinxiu", 0) == -self.issued


@pytest.fixture
def serial_dynamodb() -> Iterator[None]:
    SerialDynamoDB.install()
    yield
    SerialDynamoDB.uninstall()


def test_the_ledger_holds_under_any_sequence_and_races(
        embedded_aws: EmbeddedAws, serial_dynamodb: None) -> None:
    EMBEDDED[:] = [embedded_aws]
    run_state_machine_as_test(Ledger, settings=settings(
        max_examples=5, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
