"""The access matrix (issue 12, item 2): one row per route of the app, the status each identity
gets, on the real objects of ``access_matrix_world``.

A row's ``expect`` lists the statuses of the nine signed-in identities in ``PEOPLE`` order:
resident (lin, owner of huayuan b1-101), neighbour (huang, b1-102), outsider (zhang, longxing),
property (wuye, the company managing huayuan), other property (wuye2, mingju and lx1), grid (grid1,
huayuan b1), community (chen, jinxiu), street (jiedao, xinqiao), admin. ``a|b`` accepts either.
The four bad-token identities (anonymous, forged, expired, wrong audience) get 401 on every
route that is not public; a public route answers them 200 unless the row's ``bad_token`` says.
A valid user without the route's role gets 403 whatever their scope (SPEC 2); only a user with
the role learns 404 for what is outside their scope.

Statuses follow SPEC 2 (401 bad token, 403 missing role, 404 out of scope), the who-columns of
SPEC 3.4, 5, 6, 7 and of docs/*.md, and README "Choices where the spec is silent". Every cell
starts from the same stored world, so a write in one cell never changes what another cell sees.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.integration.access_matrix_world import GUIDE, NOTICE, START, TASK, activity
from tests.integration.voting_helpers import poll_body

PEOPLE = {"resident": "lin", "neighbour": "huang", "outsider": "zhang", "property": "wuye",
          "other_property": "wuye2", "grid": "grid1", "community": "chen", "street": "jiedao",
          "admin": "admin"}
BAD_TOKENS = ("anonymous", "forged", "expired", "wrong_audience")
IDENTITIES = BAD_TOKENS + tuple(PEOPLE)
STAFF = ("property", "other_property", "grid", "community", "street", "admin")

Body = dict[str, Any] | Callable[[dict[str, Any]], Any] | None


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: str
    body: Body = None
    # the ids a path parameter takes, when not the one of its own name
    use: dict[str, str] = field(default_factory=dict)
    query: str = ""
    # a body for some identities instead of ``body``
    body_for: dict[str, Body] = field(default_factory=dict)
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # patch targets set to a moment (e.g. a clock) while the cell runs
    clock: tuple[str, ...] = ()
    # the status of the forged, expired and wrong-audience tokens, when not the default
    bad_token: int | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def statuses(self) -> dict[str, frozenset[int]]:
        cells = self.expect.split()
        assert len(cells) == len(PEOPLE), (self.key, cells)
        return {who: frozenset(int(s) for s in cell.split("|"))
                for who, cell in zip(PEOPLE, cells, strict=True)}


TODAY = datetime.now(timezone.utc).date().isoformat()
ATTENDANCE_CLOCK = ("chalicelib.activities.service.utcnow",)
ATTENDANCE_AT = START + timedelta(hours=1)
NEW_TICKET = {"category": "public_area", "description": "楼道堆放杂物",
              "location": {"estate_id": "huayuan", "building": "b1"}}
OPEN311_REPORT = b"service_code=public_area&description=x&address_id=huayuan%2Fb1"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AFTER_PHOTO = {"purpose": "after"}

T = "/tickets/{ticket_id}"
C = "/communities/{community_id}"

ROWS: tuple[Row, ...] = (
    # --- tickets (SPEC 3.4; README: only residents report; grid workers acknowledge and comment;
    # reopen and close are the reporter's)
    Row("POST", "/tickets", "201 201 400 403 403 403 403 403 403", NEW_TICKET),
    Row("GET", "/tickets", "200 200 200 200 200 200 200 200 200", query="?community_id=jinxiu"),
    Row("GET", T, "200 200 404 200 404 200 200 200 200"),
    Row("POST", T + "/photos", "201 403 404 201 404 201 201 201 201", {},
        body_for={who: AFTER_PHOTO for who in STAFF}),
    Row("POST", T + "/acknowledge", "403 403 403 200 404 200 200 200 200", {"note": "收到"}),
    Row("POST", T + "/resolve", "403 403 403 200 404 403 200 200 200", {"note": "已处理"}),
    Row("POST", T + "/reopen", "200 403 404 403 403 403 403 403 403", {"note": "没修好"},
        use={"ticket_id": "resolved_ticket_id"}),
    Row("POST", T + "/close", "200 403 404 403 403 403 403 403 403", {"rating": 5},
        use={"ticket_id": "resolved_ticket_id"}),
    Row("POST", T + "/reject", "403 403 403 200 404 403 200 200 200", {"reason": "不属于物业"}),
    Row("POST", T + "/duplicate", "403 403 403 200 404 403 200 200 200",
        lambda ids: {"duplicate_of": ids["other_ticket_id"]}),
    Row("POST", T + "/comments", "201 201 404 201 404 201 201 201 201", {"message": "跟进中"}),
    Row("POST", T + "/follow", "200 200 404 403 403 403 403 403 403"),
    Row("GET", "/tickets/nearby", "200 200 200 200 200 200 200 200 200",
        query="?estate_id=huayuan"),
    Row("GET", C + "/sla-policy", "403 403 403 200 200 200 200 200 200"),
    Row("PUT", C + "/sla-policy", "403 403 403 403 403 403 200 403 200",
        lambda ids: ids["sla_policy"]),
    Row("GET", C + "/stats", "403 403 403 403 403 403 200 200 200"),
    Row("GET", "/me/inbox", "200 200 200 200 200 200 200 200 200"),
    # --- Open311 (SPEC 8): the same rules as the ticket routes
    Row("GET", "/open311/v2/discovery.json", "200 200 200 200 200 200 200 200 200"),
    Row("GET", "/open311/v2/services.json", "200 200 200 200 200 200 200 200 200",
        query="?jurisdiction_id=jinxiu", bad_token=401,
        note="public, but a token that is sent is verified (SPEC 2: a bad token gets 401)"),
    Row("POST", "/open311/v2/requests.json", "201 201 400 403 403 403 403 403 403",
        raw=OPEN311_REPORT, headers=FORM),
    Row("GET", "/open311/v2/requests.json", "200 200 404 200 200 200 200 200 200",
        query="?jurisdiction_id=jinxiu"),
    Row("GET", "/open311/v2/requests/{request_file}", "200 200 404 200 404 200 200 200 200"),
    # --- devices and alarms (SPEC 6, docs/devices.md: residents 403; staff in reach)
    Row("POST", C + "/devices", "403 403 403 403 403 403 403 403 201",
        {"device_id": "mh-2", "type": "manhole_sensor", "estate_id": "huayuan",
         "location": {"lat": 24.5104, "lon": 117.6496}}),
    Row("GET", C + "/devices", "403 403 403 200 200 200 200 200 200"),
    Row("GET", "/devices/{device_id}", "403 403 403 200 404 200 200 200 200"),
    Row("GET", C + "/alarms", "403 403 403 200 200 200 200 200 200"),
    Row("GET", "/alarms/{alarm_id}", "403 403 403 200 404 200 200 200 200"),
    Row("POST", "/alarms/{alarm_id}/acknowledge", "403 403 403 200 404 200 200 200 200", {}),
    Row("POST", "/alarms/{alarm_id}/clear", "403 403 403 200 404 403 200 200 200", {}),
    Row("GET", C + "/device-policy", "403 403 403 200 200 200 200 200 200"),
    Row("PUT", C + "/device-policy", "403 403 403 403 403 403 200 403 200",
        lambda ids: ids["device_policy"]),
    Row("GET", C + "/map", "403 403 403 200 200 200 200 200 200"),
    # --- directory (SPEC 7; README: admins register communities, streets, companies, staff)
    Row("GET", "/me", "200 200 200 200 200 200 200 200 200"),
    Row("POST", "/communities", "403 403 403 403 403 403 403 403 201",
        {"community_id": "newc", "name": "新社区"}),
    Row("GET", C, "200 200 404 200 200 200 200 200 200"),
    Row("POST", C + "/staff", "403 403 403 403 403 403 403 403 201", {"staff": ["zhou"]}),
    Row("GET", C + "/categories", "200 200 404 200 200 200 200 200 200"),
    Row("POST", "/streets", "403 403 403 403 403 403 403 403 201",
        {"street_id": "news", "name": "新街道"}),
    Row("POST", "/companies", "403 403 403 403 403 403 403 403 201",
        {"company_id": "newco", "name": "新物业"}),
    Row("POST", C + "/estates", "403 403 403 403 403 403 201 403 201",
        {"estate_id": "newe", "name": "新小区", "company_id": "lvyin"}),
    Row("POST", "/estates/{estate_id}/buildings", "403 403 403 403 403 403 201 403 201",
        {"buildings": [{"building_id": "b9", "name": "9号楼"}]}),
    Row("POST", "/estates/{estate_id}/units", "403 403 403 403 403 403 201 403 201",
        {"units": [{"unit_id": "b1-901", "building": "b1", "area_m2": 50}]}),
    Row("POST", C + "/grids", "403 403 403 403 403 403 201 403 201",
        {"grid_id": "g9", "name": "第九网格"}),
    Row("GET", C + "/grids", "403 403 403 403 403 200 200 200 200"),
    # --- guides (SPEC 5, docs/community-life.md: anyone of the community reads; office writes)
    Row("POST", C + "/guides", "403 403 403 403 403 403 201 403 201", GUIDE),
    Row("GET", C + "/guides", "200 200 404 200 200 200 200 200 200"),
    Row("GET", "/guides/{guide_id}", "200 200 404 200 200 200 200 200 200"),
    Row("PUT", "/guides/{guide_id}", "403 403 403 403 403 403 200 403 200", GUIDE),
    Row("DELETE", "/guides/{guide_id}", "403 403 403 403 403 403 200 403 200"),
    # --- notices: an estate notice reaches the estate's residents and the office, street, admins
    Row("POST", C + "/notices", "403 403 403 403 403 403 201 403 201", NOTICE),
    Row("GET", C + "/notices", "200 200 404 200 200 200 200 200 200"),
    Row("GET", "/notices/{notice_id}", "200 200 404 404 404 404 200 200 200"),
    Row("GET", "/notices/{notice_id}/reads", "403 403 403 403 403 403 200 200 200"),
    # --- activities: lin signed up for {activity_id}; {empty_activity_id} has no volunteer
    Row("POST", C + "/activities", "403 403 403 403 403 403 201 403 201", activity()),
    Row("GET", C + "/activities", "200 200 404 200 200 200 200 200 200"),
    Row("GET", C + "/activities.ics", "200 200 404 200 200 200 200 200 200"),
    Row("GET", "/activities/{activity_id}", "200 200 404 200 200 200 200 200 200"),
    Row("POST", "/activities/{activity_id}/signups", "201 201 404 403 403 403 403 403 403", {},
        use={"activity_id": "empty_activity_id"}),
    Row("GET", "/activities/{activity_id}/signups", "403 403 403 403 403 403 200 403 200"),
    Row("DELETE", "/activities/{activity_id}/signups/me", "200 404 404 403 403 403 403 403 403"),
    Row("POST", "/activities/{activity_id}/attendance", "403 403 403 403 403 403 200 403 200",
        {"user_id": "lin", "hours": 1}, clock=ATTENDANCE_CLOCK,
        note="an hour after the start: attendance is taken from starts_at on"),
    # --- time bank and rewards (docs/points.md); lin holds redemption {code}
    Row("GET", "/me/points", "200 200 200 200 200 200 200 200 200"),
    Row("GET", C + "/rewards", "200 200 404 200 200 200 200 200 200"),
    Row("POST", C + "/rewards", "403 403 404 403 403 403 201 403 201",
        {"title": "环保袋", "points": 5, "stock": 50}),
    Row("GET", "/rewards/{reward_id}", "200 200 404 200 200 200 200 200 200"),
    Row("POST", "/rewards/{reward_id}/stock", "403 403 404 403 403 403 200 403 200",
        {"add": 3}),
    Row("POST", "/rewards/{reward_id}/redemptions", "201 201 404 403 403 403 403 403 403"),
    Row("GET", "/me/redemptions", "200 200 200 200 200 200 200 200 200"),
    Row("GET", "/redemptions/{code}", "200 404 404 404 404 404 200 404 200"),
    Row("POST", "/redemptions/{code}/fulfil", "403 403 404 403 403 403 200 403 200"),
    # --- privacy (SPEC 10)
    Row("GET", "/me/export", "200 200 200 200 200 200 200 200 200"),
    Row("DELETE", "/me", "200 200 200 200 200 200 200 200 200"),
    Row("GET", "/audit", "403 403 403 403 403 403 403 403 200", query=f"?date={TODAY}"),
    # --- task board: lin posted every task; huang took the accepted ones
    Row("GET", C + "/tasks", "200 200 404 200 200 200 200 200 200"),
    Row("POST", C + "/tasks", "201 201 404 403 403 403 403 403 403", TASK),
    Row("GET", "/me/tasks", "200 200 200 200 200 200 200 200 200"),
    Row("GET", "/tasks/{task_id}", "200 200 404 200 200 200 200 200 200"),
    Row("POST", "/tasks/{task_id}/accept", "403 200 404 403 403 403 403 403 403"),
    Row("POST", "/tasks/{task_id}/deliver", "403 200 404 403 403 403 403 403 403",
        {"note": "放门口了"}, use={"task_id": "accepted_task_id"}),
    Row("POST", "/tasks/{task_id}/confirm", "200 403 404 403 403 403 403 403 403",
        use={"task_id": "delivered_task_id"}),
    Row("POST", "/tasks/{task_id}/cancel", "200 403 404 403 403 403 200 403 200", {}),
    Row("POST", "/tasks/{task_id}/dispute", "200 200 404 403 403 403 403 403 403",
        {"reason": "没收到"}, use={"task_id": "accepted_task_id"}),
    Row("POST", "/tasks/{task_id}/settle", "403 403 404 403 403 403 200 403 200",
        {"to": "taker"}, use={"task_id": "disputed_task_id"}),
    Row("POST", "/tasks/{task_id}/rating", "200 200 404 403 403 403 403 403 403",
        {"stars": 5}, use={"task_id": "confirmed_task_id"}),
    # --- voting (docs/voting.md): lin is an owner on the roll; huang a resident, not an owner
    Row("POST", C + "/polls", "403 403 404 403 403 403 201 403 201", poll_body()),
    Row("GET", C + "/polls", "200 403 404 200 200 200 200 200 200"),
    Row("GET", "/polls/{poll_id}", "200 403 404 200 200 200 200 200 200"),
    Row("POST", "/polls/{poll_id}/ballots", "201 403 404 403 403 403 403 403 403",
        {"choice": "no"}),
    Row("POST", "/polls/{poll_id}/paper-ballots", "403 403 404 403 403 403 201 403 201",
        {"unit_id": "b1-102", "choice": "yes"}),
    Row("GET", "/polls/{poll_id}/receipts/{receipt}", "200 404 404 404 404 404 404 404 404",
        note="an online ballot: office and admins read receipts of paper ballots only"),
    Row("GET", "/polls/{poll_id}/results", "200 200 404 200 200 200 200 200 200",
        use={"poll_id": "closed_poll_id"}),
    Row("GET", "/polls/{poll_id}/ballots", "403 403 404 403 403 403 200 200 200",
        use={"poll_id": "closed_poll_id"}),
    # --- the document itself
    Row("GET", "/openapi.json", "200 200 200 200 200 200 200 200 200"),
)

# Cells where the app's answer (the row's ``expect``) differs from what SPEC says: listed for the
# lead to decide, not silently encoded. (method, path, identity) -> (SPEC's status, why).
DISAGREEMENTS: dict[tuple[str, str, str], tuple[int, str]] = {
    ("POST", "/tickets", "outsider"): (
        404, "SPEC 2: outside the caller's scope is 404; the app answers 400 'unknown estate' "
             "on location.estate_id (it leaks nothing, but it is not the 404 of SPEC 2)"),
    ("POST", "/open311/v2/requests.json", "outsider"): (
        404, "the same as POST /tickets: 400 'address_id: unknown estate'"),
}
