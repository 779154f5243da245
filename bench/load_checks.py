"""What a load run must leave behind, checked over the API: every ticket found by id and in the
list pages of its estate for property staff, every announced photo ready, and the community's
statistics (all time and today) equal to a recount from the tickets themselves."""
from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import requests

from bench.load_people import COMMUNITY, Target

if TYPE_CHECKING:
    from bench.load_tickets import LoadPlan, Results, Sent

PROPERTY_STAFF = "wuye"
COMMUNITY_STAFF = "chen"
OPEN = {"submitted", "acknowledged"}
HANDLED = {"resolved", "closed"}
TIMEZONE = "Asia/Shanghai"
CHECK_THREADS = 16
PAGE = 100
COUNTED = ("created", "open", "escalated_open", "handled", "rejected", "duplicates")


class Api:
    def __init__(self, target: Target, username: str) -> None:
        self.target = target
        self.headers = {"Authorization": f"Bearer {target.login(username)}"}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.target.url(path), params=params, headers=self.headers,
                            timeout=60)

    def pages(self, path: str, problems: list[str], **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated list, following ``next_cursor``."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            response = self.get(path, limit=PAGE, **params, **({"cursor": cursor} if cursor
                                                                 else {}))
            if response.status_code != 200:
                problems.append(f"GET {path} {params}: {response.status_code} {response.text}")
                return items
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


def by_id(target: Target, sent: Sent) -> requests.Response:
    """The ticket as its reporter reads it (a resident's scope costs the API least)."""
    return requests.get(target.url(f"/tickets/{sent.ticket_id}"), timeout=60,
                        headers={"Authorization": f"Bearer {sent.token}"})


def ticket_problems(sent: Sent, ticket: dict[str, Any]) -> list[str]:
    """``ticket`` (a detail or a list item) is what ``sent`` reported, its photo ready."""
    found = (ticket["location"]["estate_id"], ticket["location"].get("building"),
             ticket["category"], (ticket.get("reporter") or {}).get("user_id"))
    if found != (sent.estate_id, sent.building, sent.category, sent.reporter):
        return [f"{sent.ticket_id} stored as {found}"]
    if sent.photo_id is not None:
        photo = next((p for p in ticket["photos"] if p["photo_id"] == sent.photo_id), None)
        if photo is None or photo["status"] != "ready":
            return [f"{sent.ticket_id} photo {sent.photo_id}: {photo and photo['status']}"]
    return []


def detail_problems(sent: Sent, response: requests.Response) -> list[str]:
    if response.status_code != 200:
        return [f"GET /tickets/{sent.ticket_id}: {response.status_code} {response.text[:200]}"]
    return ticket_problems(sent, response.json())


def figures_of(tickets: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter[str]()
    for t in tickets:
        counts["created"] += 1
        counts["open"] += t["status"] in OPEN
        counts["escalated_open"] += t["status"] in OPEN and t["sla"]["escalation_level"] > 0
        counts["handled"] += t["status"] in HANDLED
        counts["rejected"] += t["status"] == "rejected"
        counts["duplicates"] += t["status"] == "duplicate"
    return {name: counts[name] for name in COUNTED}


def recount(tickets: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of the stats answer that follow from the tickets as listed now."""
    human = [t for t in tickets if t["source"] == "resident"]
    result: dict[str, Any] = {**figures_of(human),
                              "device_tickets": figures_of([t for t in tickets
                                                            if t["source"] == "device"])}
    for dimension, key in (("category", lambda t: t["category"]),
                           ("grid", lambda t: t["grid_id"]),
                           ("estate", lambda t: t["location"]["estate_id"])):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in human:
            if key(t) is not None:
                groups[key(t)].append(t)
        result[f"by_{dimension}"] = {value: figures_of(group) for value, group in groups.items()}
    return result


def projected(stats: dict[str, Any]) -> dict[str, Any]:
    """The same figures, read from a stats answer (dimensions with nothing created left out)."""
    def pick(figures: dict[str, Any]) -> dict[str, int]:
        return {name: int(figures[name]) for name in COUNTED}

    result: dict[str, Any] = {**pick(stats), "device_tickets": pick(stats["device_tickets"])}
    for dimension in ("category", "grid", "estate"):
        result[f"by_{dimension}"] = {value: pick(f) for value, f in
                                     stats[f"by_{dimension}"].items() if f["created"]}
    return result


def today_created(tickets: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
    zone = ZoneInfo(TIMEZONE)
    return [t for t in tickets if datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
            .astimezone(zone).date().isoformat() == day]


def stats_problems(chen: Api, problems: list[str]) -> tuple[str, dict[str, Any]]:
    """Compare the all-time and today's stats with a recount of the community's tickets."""
    tickets = chen.pages("/tickets", problems, community_id=COMMUNITY)
    day = datetime.now(timezone.utc).astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
    compared: dict[str, Any] = {"recounted_tickets": len(tickets)}
    verdict = "equal"
    for label, params, expected in (
            ("all time", {}, recount(tickets)),
            (f"day {day}", {"from": day, "to": day}, None)):
        response = chen.get(f"/communities/{COMMUNITY}/stats", **params)
        if response.status_code != 200:
            problems.append(f"stats {label}: {response.status_code} {response.text}")
            verdict = "unreadable"
            continue
        stats = projected(response.json())
        if expected is None:
            day_tickets = today_created(tickets, day)
            stats = {"created": stats["created"],
                     "by_estate": {e: f["created"] for e, f in stats["by_estate"].items()}}
            expected = {"created": len([t for t in day_tickets if t["source"] == "resident"]),
                        "by_estate": dict(Counter(t["location"]["estate_id"] for t in day_tickets
                                                  if t["source"] == "resident"))}
        compared[label] = stats
        if stats != expected:
            verdict = "differ"
            problems.append(f"stats {label}: answered {stats}, recount {expected}")
    return verdict, compared


def verify(target: Target, results: Results, plan: LoadPlan) -> dict[str, Any]:
    problems: list[str] = []
    wuye, chen = Api(target, PROPERTY_STAFF), Api(target, COMMUNITY_STAFF)
    sent = list(results.sent)
    with ThreadPoolExecutor(CHECK_THREADS) as pool:
        details = list(pool.map(lambda s: (s, by_id(target, s)), sent))
    found = {s.ticket_id for s, response in details if response.status_code == 200}
    for s, response in details:
        problems += detail_problems(s, response)
    listed: Counter[str] = Counter()
    mine = {s.ticket_id: s for s in sent}
    for estate_id in sorted({s.estate_id for s in sent}):
        for item in wuye.pages("/tickets", problems, estate_id=estate_id):
            listed[item["ticket_id"]] += 1
            if item["ticket_id"] in mine:
                problems += ticket_problems(mine[item["ticket_id"]], item)
    repeated = sorted(t for t, n in listed.items() if n > 1)
    if repeated:
        problems.append(f"listed more than once: {repeated[:5]}")
    created = {s.ticket_id for s in sent}
    lost = created - (found & set(listed))
    if lost:
        problems.append(f"lost: {sorted(lost)[:5]}")
    verdict, compared = stats_problems(chen, problems)
    return {"lost": len(lost), "found_by_id": len(found), "listed": len(created & set(listed)),
            "photos_expected": len(range(0, plan.tickets, plan.photo_every)),
            "stats": verdict, "stats_compared": compared, "problems": problems[:20]}
