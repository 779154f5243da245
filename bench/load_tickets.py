"""Load on a running local stack: many residents report at once, one in five with a photo.

``LOAD.clients`` threads, each a phone on its own keep-alive connection, share the reports: a
client reports for its own residents only (one phone per person, as in life), and every create
is followed by a bare request to the same server (``GET /open311/v2/discovery.json``: public,
no AWS call), so both latencies are measured side by side in one run. One report in
``photo_every`` announces a photo and uploads a small real JPEG to its presigned S3 POST; the
S3 -> SQS -> photo handler pipeline processes it, and after the load every photo must show
``ready``; its latency is upload end -> the processor's stamp. The reporters are
residents made for the run (``bench.load_people``), enough that none nears the hourly limit.

Then ``bench.load_checks`` verifies: every answer as expected, every ticket found by id and in
the estate's list pages for property staff, every photo ready, and the community's statistics
equal to a recount from the tickets themselves.

Run against ``make run``: ``.venv/bin/python -m bench.load_tickets [tickets] [clients]``
(``API_PORT``/``AWS_PORT`` as for ``make run``); prints one summary line, writes
``load-summary.json`` in the current directory, and exits 1 when a check fails.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from io import BytesIO
from itertools import pairwise
from pathlib import Path
from typing import Any

import requests

from bench.load_people import Resident, Target, make_residents

BARE_PATH = "/open311/v2/discovery.json"
CATEGORIES = ("public_area", "water_electric", "environment", "facility", "parking", "noise")
PHOTO_POLL_S = 0.25
PHOTO_POLL_MAX_S = 1.0
PHOTO_TIMEOUT_S = 300.0
UPLOAD_OK = (200, 201, 204)
TIMEOUT_S = 60.0
UPLOAD_OK = (200, 201, 204)


@dataclass(frozen=True)
class LoadPlan:
    tickets: int = 2000
    clients: int = 50
    photo_every: int = 5
    per_resident: int = 14

    @property
    def residents(self) -> int:
        """Enough that no client's resident files more than ``per_resident`` reports."""
        per_client = -(-self.tickets // self.clients)
        return self.clients * -(-per_client // self.per_resident)


LOAD = LoadPlan()


@dataclass(frozen=True)
class Sent:
    ticket_id: str
    number: int
    reporter: str
    estate_id: str
    building: str
    grid_id: str | None
    category: str
    photo_id: str | None
    token: str
    done_at: float


@dataclass
class Results:
    sent: list[Sent] = field(default_factory=list)
    create_s: list[float] = field(default_factory=list)
    bare_s: list[float] = field(default_factory=list)
    upload_s: list[float] = field(default_factory=list)
    photo_s: dict[str, float] = field(default_factory=dict)
    photo_seen: set[str] = field(default_factory=set)
    uploaded_at: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text[:300])


def small_jpeg(shade: int) -> bytes:
    """A real 640x480 JPEG of a few kB, a different picture per ``shade``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (40 + shade * 20 % 200, 120, 200 - shade * 15 % 180))
    ImageDraw.Draw(image).rectangle((100 + shade * 7, 80, 400, 300 + shade * 3), fill=(220, 60, 40))
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0..100) of ``values``; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Client:
    """One phone: its residents' reports in turn, each followed by the bare request."""

    def __init__(self, target: Target, residents: list[Resident], results: Results,
                 photos: PhotoWatch, jpegs: list[bytes]) -> None:
        self.target = target
        self.residents = residents
        self.results = results
        self.photos = photos
        self.jpegs = jpegs
        self.http = requests.Session()

    def timed(self, kind: str, expected: tuple[int, ...], method: str, url: str,
              **kwargs: Any) -> tuple[requests.Response | None, float]:
        start = time.perf_counter()
        try:
            response = self.http.request(method, url, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as err:
            self.results.error(f"{kind}: {err!r}")
            return None, time.perf_counter() - start
        took = time.perf_counter() - start
        with self.results.lock:
            self.results.statuses[f"{kind} {response.status_code}"] += 1
        if response.status_code not in expected:
            self.results.error(f"{kind} {response.status_code}: {response.text}")
            return None, took
        return response, took

    def report(self, number: int, resident: Resident, with_photo: bool) -> None:
        category = CATEGORIES[number % len(CATEGORIES)]
        body = {"category": category, "description": f"负载测试第{number}号：{category}",
                "location": {"estate_id": resident.estate_id, "building": resident.building,
                             "text": f"{resident.building}号楼"},
                "photos": 1 if with_photo else 0}
        headers = {"Authorization": f"Bearer {resident.token}"}
        response, took = self.timed("create", (201,), "POST", self.target.url("/tickets"),
                                    json=body, headers=headers)
        if response is None:
            return
        created = response.json()
        ticket = created["ticket"]
        slot = created["uploads"][0] if with_photo else None
        sent = Sent(ticket["ticket_id"], number, resident.username, resident.estate_id,
                    resident.building, ticket["grid_id"], category,
                    slot["photo_id"] if slot else None, resident.token, time.perf_counter())
        with self.results.lock:
            self.results.create_s.append(took)
            self.results.sent.append(sent)
        if slot is not None:
            self.upload(sent, resident, slot)

    def upload(self, sent: Sent, resident: Resident, slot: dict[str, Any]) -> None:
        """The presigned POST as a phone sends it: the slot's fields, then the file."""
        data = self.jpegs[sent.number % len(self.jpegs)]
        form = {**slot["fields"], "Content-Type": "image/jpeg"}
        response, took = self.timed("upload", UPLOAD_OK, "POST", slot["url"], data=form,
                                    files={"file": ("photo.jpg", data, "image/jpeg")})
        if response is None:
            return
        with self.results.lock:
            self.results.upload_s.append(took)
            self.results.uploaded_at[sent.ticket_id] = time.time()
        self.photos.watch(sent, time.perf_counter())

    def bare(self) -> None:
        response, took = self.timed("bare", (200,), "GET", self.target.url(BARE_PATH))
        if response is not None:
            with self.results.lock:
                self.results.bare_s.append(took)

    def run(self, numbers: list[int], photo_every: int) -> None:
        for turn, number in enumerate(numbers):
            self.report(number, self.residents[turn % len(self.residents)],
                        number % photo_every == 0)
            self.bare()
        self.http.close()


@dataclass
class Watched:
    sent: Sent
    uploaded_at: float
    next_check: float
    interval: float = PHOTO_POLL_S


class PhotoWatch:
    """Once the load is over, polls each uploaded photo's ticket (as its reporter) until the
    photo is settled, every ``PHOTO_POLL_S`` at first and then less often (up to
    ``PHOTO_POLL_MAX_S``); a photo rejected, or still pending ``PHOTO_TIMEOUT_S`` after its
    upload, is an error. Polling only after the load keeps it from becoming part of the load
    (the latency comes from the processor's own stamp: ``processed_after_upload``)."""

    def __init__(self, target: Target, results: Results, threads: int = 2) -> None:
        self.target = target
        self.results = results
        self.pending: list[Watched] = []
        self.lock = threading.Lock()
        self.more = threading.Event()
        self.closing = threading.Event()
        self.threads = [threading.Thread(target=self._loop, name=f"photo-watch-{n}", daemon=True)
                        for n in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def watch(self, sent: Sent, uploaded_at: float) -> None:
        with self.lock:
            self.pending.append(Watched(sent, uploaded_at, uploaded_at + PHOTO_POLL_S))
        self.more.set()

    def _take(self) -> Watched | None:
        with self.lock:
            now = time.perf_counter()
            due = [w for w in self.pending if w.next_check <= now]
            if not due:
                return None
            chosen = min(due, key=lambda w: w.next_check)
            self.pending.remove(chosen)
            return chosen

    def _loop(self) -> None:
        http = requests.Session()
        while True:
            watched = self._take()
            if watched is None:
                with self.lock:
                    if self.closing.is_set() and not self.pending:
                        return
                time.sleep(0.02)
                continue
            self._check(http, watched)

    def _check(self, http: requests.Session, watched: Watched) -> None:
        sent = watched.sent
        try:
            response = http.get(self.target.url(f"/tickets/{sent.ticket_id}"), timeout=TIMEOUT_S,
                                headers={"Authorization": f"Bearer {sent.token}"})
        except requests.RequestException as err:
            self.results.error(f"photo poll: {err!r}")
            return
        seen = time.perf_counter()
        if response.status_code != 200:
            self.results.error(f"photo poll {response.status_code}: {response.text}")
            return
        photo = next((p for p in response.json()["photos"] if p["photo_id"] == sent.photo_id),
                     None)
        status = photo["status"] if photo else "missing"
        if status == "ready":
            with self.results.lock:
                self.results.photo_seen.add(sent.ticket_id)
        elif status != "pending":
            self.results.error(f"photo {sent.photo_id} of {sent.ticket_id}: {status}")
        elif seen - watched.uploaded_at > PHOTO_TIMEOUT_S:
            self.results.error(f"photo {sent.photo_id} of {sent.ticket_id} pending after "
                               f"{PHOTO_TIMEOUT_S:.0f} s")
        else:
            watched.interval = min(PHOTO_POLL_MAX_S, watched.interval * 1.5)
            watched.next_check = seen + watched.interval
            with self.lock:
                self.pending.append(watched)

    def finish(self) -> float:
        """Wait for every photo to settle; answers the seconds waited after the load."""
        start = time.perf_counter()
        self.closing.set()
        for thread in self.threads:
            thread.join()
        return time.perf_counter() - start


def assignments(plan: LoadPlan) -> list[list[int]]:
    """Ticket numbers per client, dealt round-robin."""
    return [list(range(c, plan.tickets, plan.clients)) for c in range(plan.clients)]


def residents_of(residents: list[Resident], plan: LoadPlan) -> list[list[Resident]]:
    """Each client's own residents: nobody reports from two phones."""
    return [residents[c::plan.clients] for c in range(plan.clients)]


def run_load(target: Target, residents: list[Resident], plan: LoadPlan = LOAD) -> tuple[
        Results, dict[str, float]]:
    """The load itself; answers the results and the wall times of its phases."""
    results = Results()
    photos = PhotoWatch(target, results)
    jpegs = [small_jpeg(shade) for shade in range(8)]
    clients = [Client(target, own, results, photos, jpegs)
               for own in residents_of(residents, plan)]
    start = results.started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=plan.clients, thread_name_prefix="load") as pool:
        for future in [pool.submit(c.run, numbers, plan.photo_every)
                       for c, numbers in zip(clients, assignments(plan), strict=True)]:
            future.result()
    load_s = time.perf_counter() - start
    photos.start()
    photo_tail_s = photos.finish()
    results.photo_s = processed_after_upload(target, results)
    return results, {"load_s": load_s, "photo_tail_s": photo_tail_s}


def processed_after_upload(target: Target, results: Results) -> dict[str, float]:
    """Seconds from the end of each upload to the photo processor's ``processed_at`` stamp (taken
    as it starts the image work, a few ms before it settles the photo), read from the embedded
    DynamoDB after the run, so that measuring costs the load nothing."""
    import boto3

    from infra.local.stack import RESOURCE_NAMES

    table = boto3.session.Session().resource(
        "dynamodb", region_name="us-east-1", endpoint_url=target.aws_url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).Table(RESOURCE_NAMES["FANGLIN_TABLE"])
    latencies = {}
    for sent in results.sent:
        if sent.ticket_id not in results.uploaded_at or sent.photo_id is None:
            continue
        item = table.get_item(Key={"pk": f"TICKET#{sent.ticket_id}", "sk": "TICKET"},
                              ConsistentRead=True).get("Item") or {}
        stamp = ((item.get("photos") or {}).get(sent.photo_id) or {}).get("processed_at")
        if stamp:
            at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
            latencies[sent.ticket_id] = at - results.uploaded_at[sent.ticket_id]
    return latencies


def figures(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else 0.0}


def rate_by_quarter(results: Results) -> list[float]:
    """Tickets per second created in each quarter of the creates, in order: does the stack slow
    down as its table grows?"""
    done = sorted(s.done_at for s in results.sent)
    quarter = len(done) // 4
    if quarter < 2:
        return []
    edges = [results.started] + [done[q * quarter - 1] for q in range(1, 4)] + [done[-1]]
    return [round(quarter / (b - a), 1) if b > a else 0.0 for a, b in pairwise(edges)]


def ratio(a: float, b: float) -> float:
    return round(a / b, 1) if b else 0.0


def summarise(plan: LoadPlan, results: Results, walls: dict[str, float],
              checks: dict[str, Any]) -> dict[str, Any]:
    create, bare = figures(results.create_s), figures(results.bare_s)
    photo = figures(list(results.photo_s.values()))
    return {
        "plan": asdict(plan) | {"residents": plan.residents},
        "created": len(results.sent),
        "photos_ready": len(results.photo_seen),
        "errors": len(results.errors),
        "error_samples": results.errors[:10],
        "statuses": dict(results.statuses),
        "create": create, "bare": bare, "photo": photo, "upload": figures(results.upload_s),
        "ratio_p50": ratio(create["p50_ms"], bare["p50_ms"]),
        "ratio_p99": ratio(create["p99_ms"], bare["p99_ms"]),
        "photo_ratio_p50": ratio(photo["p50_ms"], bare["p50_ms"]),
        "photo_ratio_p99": ratio(photo["p99_ms"], bare["p99_ms"]),
        "tickets_per_s": round(len(results.sent) / walls["load_s"], 1) if walls["load_s"] else 0,
        "tickets_per_s_by_quarter": rate_by_quarter(results),
        "walls_s": {k: round(v, 1) for k, v in walls.items()},
        "checks": checks,
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
    }


def summary_line(summary: dict[str, Any]) -> str:
    c, b, p = summary["create"], summary["bare"], summary["photo"]
    checks = summary["checks"]
    return (f"load: {summary['created']}/{summary['plan']['tickets']} tickets from "
            f"{summary['plan']['clients']} clients in {summary['walls_s']['load_s']} s "
            f"({summary['tickets_per_s']}/s), errors {summary['errors']}, "
            f"lost {checks.get('lost', '?')}, photos ready {summary['photos_ready']}"
            f"/{checks.get('photos_expected', '?')}, stats {checks.get('stats', '?')}; "
            f"create p50 {c['p50_ms']} ms p99 {c['p99_ms']} ms vs bare p50 {b['p50_ms']} ms "
            f"p99 {b['p99_ms']} ms = {summary['ratio_p50']}x / {summary['ratio_p99']}x; "
            f"photo ready p50 {p['p50_ms']} ms p99 {p['p99_ms']} ms = "
            f"{summary['photo_ratio_p50']}x / {summary['photo_ratio_p99']}x bare")


def run(target: Target, plan: LoadPlan = LOAD,
        progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Residents, the load, the checks: answers the summary (``summary_line`` prints it)."""
    from bench.load_checks import verify

    walls: dict[str, float] = {}
    start = time.perf_counter()
    residents = make_residents(target, plan.residents)
    walls["setup_s"] = time.perf_counter() - start
    progress(f"{len(residents)} residents ready in {walls['setup_s']:.1f} s")
    results, load_walls = run_load(target, residents, plan)
    walls |= load_walls
    progress(f"load done in {walls['load_s']:.1f} s")
    start = time.perf_counter()
    checks = verify(target, results, plan)
    walls["verify_s"] = time.perf_counter() - start
    return summarise(plan, results, walls, checks)


def passed(summary: dict[str, Any]) -> bool:
    checks = summary["checks"]
    return (summary["errors"] == 0 and summary["created"] == summary["plan"]["tickets"]
            and checks["lost"] == 0 and checks["stats"] == "equal"
            and summary["photos_ready"] == checks["photos_expected"])


def main(argv: list[str]) -> int:
    tickets = int(argv[0]) if argv else LOAD.tickets
    clients = int(argv[1]) if len(argv) > 1 else LOAD.clients
    plan = LoadPlan(tickets=tickets, clients=clients)
    target = Target.local(int(os.environ.get("API_PORT") or 8000),
                          int(os.environ.get("AWS_PORT") or 5000))
    summary = run(target, plan, progress=lambda text: print(text, file=sys.stderr))
    Path("load-summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(summary_line(summary))
    for problem in summary["error_samples"] + summary["checks"].get("problems", []):
        print(f"  {problem}", file=sys.stderr)
    return 0 if passed(summary) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
