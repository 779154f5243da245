"""Owners' polls over the API (issue 11): opening, scope, ballots and their versions, receipts,
paper ballots, the live tracker, the scheduled close with controlled time, results and the
audit export."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.voting import ballots as ballot_domain
from tests.integration.conftest import Api, EmbeddedAws
from tests.integration.voting_helpers import (
    ROLL_AREA,
    ROLL_HEADS,
    close_now,
    invoke_schedule,
    open_poll,
    poll_body,
    run_schedule,
    vote,
    voting_world,
)


@pytest.fixture
def voters(api: Api, embedded_aws: EmbeddedAws) -> Api:
    return voting_world(api, embedded_aws)


def poll_of(api: Api, poll_id: str, user: str = "chen") -> dict[str, Any]:
    response = api.get(f"/polls/{poll_id}", user)
    assert response.status_code == 200, response.body
    return response.json  # type: ignore[no-any-return]


def building(turnout: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in turnout["by_building"] if b["building"] == name)


def test_staff_open_a_poll_whose_roll_is_frozen_at_once(voters: Api) -> None:
    poll = open_poll(voters, question="是否同意成立业主委员会？", ballot="open")
    assert poll["status"] == "open" and poll["options"] == ["yes", "no"]
    assert poll["roll"]["heads"] == ROLL_HEADS and poll["roll"]["area"]["exact"] == f"{ROLL_AREA}/1"
    turnout = poll["turnout"]
    assert turnout["heads"] == {"voted": 0, "total": 5, "not_voted": 5,
                                "ratio": {"fraction": "0/1", "percent": 0.0}}
    assert turnout["quorum"] == {"met": False, "required": "2/3", "shortfall": {
        "heads": 4, "area": {"m2": 394.0, "exact": "394/1"}}}
    # zhou's three units: one head, counted in both buildings he holds area in
    assert building(turnout, "b1")["heads"]["total"] == 3  # lin, wang, zhou
    assert building(turnout, "b2")["heads"]["total"] == 3  # developer, zhou, li+sun
    assert [g["grid_id"] for g in turnout["by_grid"]] == ["g1", "g2"]
    listed = voters.get("/communities/jinxiu/polls", "lin").json
    assert [p["poll_id"] for p in listed["items"]] == [poll["poll_id"]]


def test_who_may_open_a_poll(voters: Api) -> None:
    body = poll_body()
    assert voters.post("/communities/jinxiu/polls", "admin", body).status_code == 201
    assert voters.post("/communities/jinxiu/polls", "wuye", body).status_code == 403
    assert voters.post("/communities/jinxiu/polls", "lin", body).status_code == 403
    assert voters.post("/communities/jinxiu/polls", "longxing_staff", body).status_code == 404
    assert voters.post("/communities/nowhere/polls", "admin", body).status_code == 404


@pytest.mark.parametrize("overrides, field", [
    ({"closes_at": -timedelta(hours=1)}, "closes_at"),
    ({"opens_at": timedelta(days=2),
      "closes_at": timedelta(days=1)}, "closes_at"),
    ({"opens_at": -timedelta(days=1)}, "opens_at"),
    ({"estate_id": "bare"}, "estate_id"),
    ({"estate_id": "lx1"}, "estate_id"),
    ({"estate_id": "ghost"}, "estate_id"),
    ({"matter": "urgent"}, "matter"),
    ({"options": ["yes"]}, "options"),
    ({"options": ["yes", "yes"]}, "options"),
    ({"ballot": "public"}, "ballot"),
    ({"closes_at": "2026-13-01T00:00:00Z"}, "closes_at"),
    ({"closes_at": "2026-12-01T00:00:00"}, "closes_at"),
    ({"closes_at": "0001-01-01T00:00:00+14:00"}, "closes_at"),
    ({"closes_at": "9999-12-31T23:59:59Z"}, "closes_at"),
    ({"opens_at": -timedelta(minutes=4),
      "closes_at": -timedelta(minutes=1)}, "closes_at"),
    ({"closes_at": "2099-12-31T00:00:00Z"}, "closes_at"),
    ({"opens_at": "2099-01-01T00:00:00Z", "closes_at": "2099-02-01T00:00:00Z"}, "opens_at"),
    ({"options": ["\u00e9", "e\u0301"]}, "options"),
    ({"options": [f"option {i}" for i in range(11)]}, "options"),
])
def test_bad_polls_are_refused_and_nothing_is_stored(voters: Api, overrides: dict[str, Any],
                                                     field: str) -> None:
    now = utcnow()  # relative moments are taken when the test runs, not when it is collected
    moments = {k: iso(now + v) if isinstance(v, timedelta) else v for k, v in overrides.items()}
    response = voters.post("/communities/jinxiu/polls", "chen", poll_body(**moments))
    assert response.status_code == 400, response.body
    assert field in {d["field"].split(".")[0] for d in response.json["details"]}
    assert voters.get("/communities/jinxiu/polls", "chen").json["items"] == []


def test_units_with_zero_or_negative_area_are_refused_by_the_import(voters: Api) -> None:
    from chalicelib.directory import store as directory_store

    for area in (0, -5, 0.0):
        response = voters.post("/estates/huayuan/units", "chen", {"units": [
            {"unit_id": "b1-999", "building": "b1", "area_m2": area, "owners": ["li"]}]})
        assert response.status_code == 400
        assert response.json["details"][0]["field"] == "units.0.area_m2"
    csv = b"unit_id,building,area_m2,owners\nb1-999,b1,-1,li\n"
    response = voters.post("/estates/huayuan/units", "chen", raw=csv,
                           headers={"Content-Type": "text/csv"})
    assert response.status_code == 400 and response.json["details"][0]["field"].startswith("row")
    assert directory_store.unit("huayuan", "b1-999") is None


def test_owners_vote_and_change_their_vote_every_version_kept(voters: Api) -> None:
    poll_id = open_poll(voters)["poll_id"]
    first = vote(voters, poll_id, "lin", "yes")
    assert first.status_code == 201
    assert first.json | {"receipt": "-", "cast_at": "-"} == {
        "poll_id": poll_id, "receipt": "-", "version": 1, "choice": "yes", "cast_at": "-",
        "channel": "online", "current": True}
    second = vote(voters, poll_id, "lin", "no").json
    assert (second["version"], second["current"]) == (2, True)
    assert second["receipt"] != first.json["receipt"]
    seen = poll_of(voters, poll_id, "lin")
    assert seen["on_roll"] is True and seen["you"]["choice"] == "no"
    assert seen["you"]["version"] == 2 and seen["you"]["units"] == ["b1-101"]
    assert seen["turnout"]["heads"]["voted"] == 1  # one head however many versions
    assert seen["turnout"]["area"]["voted"] == {"m2": 88.5, "exact": "177/2"}
    old = voters.get(f"/polls/{poll_id}/receipts/{first.json['receipt']}", "lin").json
    assert (old["version"], old["choice"], old["current"], old["counted"]) == (1, "yes", False,
                                                                                 None)
    new = voters.get(f"/polls/{poll_id}/receipts/{second['receipt'].lower()}", "lin").json
    assert new["current"] is True and new["poll_status"] == "open"


def test_co_owners_share_one_ballot(voters: Api) -> None:
    from tests.integration.conftest import USERS

    poll_id = open_poll(voters)["poll_id"]
    assert "owner" in USERS["li"][0]
    assert vote(voters, poll_id, "li", "yes").json["version"] == 1
    you = poll_of(voters, poll_id, "li")["you"]
    assert you["units"] == ["b2-301"] and you["voted"]


def test_who_may_vote(voters: Api) -> None:
    poll_id = open_poll(voters)["poll_id"]
    assert vote(voters, poll_id, "zhang", "yes").status_code == 404  # another community
    assert vote(voters, poll_id, "zhao", "yes").status_code == 403  # owner of another estate
    assert vote(voters, poll_id, "huang", "yes").status_code == 403  # resident, not an owner
    assert vote(voters, poll_id, "chen", "yes").status_code == 403  # staff
    assert vote(voters, "pl_nothing", "lin", "yes").status_code == 404
    assert poll_of(voters, poll_id, "zhao")["on_roll"] is False
    assert voters.get(f"/polls/{poll_id}", "huang").status_code == 403
    assert voters.get(f"/polls/{poll_id}", "zhang").status_code == 404
    assert "on_roll" not in poll_of(voters, poll_id, "wuye")
    assert poll_of(voters, poll_id)["turnout"]["heads"]["voted"] == 0


def test_a_token_claiming_the_community_grants_no_vote_nor_sight_of_the_poll(voters: Api) -> None:
    poll_id = open_poll(voters)["poll_id"]
    forged = {"Authorization": "Bearer " + voters.issuer.token(
        "zhang", ("resident", "owner"), "jinxiu", "张三")}
    assert voters.post(f"/polls/{poll_id}/ballots", "zhang", {"choice": "yes"},
                       headers=forged).status_code == 404
    assert voters.get(f"/polls/{poll_id}", "zhang", headers=forged).status_code == 404
    assert voters.get("/communities/jinxiu/polls", "zhang", headers=forged).status_code == 404
    assert poll_of(voters, poll_id)["turnout"]["heads"]["voted"] == 0


def test_an_owner_listed_in_the_registry_without_the_owner_role_votes_on_paper(
        voters: Api) -> None:
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory
    from tests.integration.conftest import ADMIN

    directory.import_units(ADMIN, "huayuan", d.UnitBatch.model_validate({"units": [
        {"unit_id": "b1-301", "building": "b1", "area_m2": 70, "owners": ["huang"]}]}))
    poll_id = open_poll(voters)["poll_id"]
    assert vote(voters, poll_id, "huang", "yes").status_code == 403
    paper = voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                        {"unit_id": "b1-301", "choice": "yes", "owner_id": "huang"})
    assert paper.status_code == 201 and paper.json["channel"] == "paper"


def test_bad_ballots_are_refused_and_change_nothing(voters: Api) -> None:
    poll_id = open_poll(voters, options=["赞成", "反对", "弃权"])["poll_id"]
    vote(voters, poll_id, "lin", "赞成")
    for body in ({"choice": "yes"}, {"choice": ""}, {"choice": 1}, {}, {"choice": "赞成",
                                                                        "x": 1}):
        response = voters.post(f"/polls/{poll_id}/ballots", "lin", body)
        assert response.status_code == 400, body
    assert voters.post(f"/polls/{poll_id}/ballots", "lin", {"choice": "yes"}).json["details"][0][
        "field"] == "choice"
    you = poll_of(voters, poll_id, "lin")["you"]
    assert (you["version"], you["choice"]) == (1, "赞成")


def test_ballots_before_opening_and_after_closing_are_refused(
        voters: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    later = open_poll(voters, opens_at=iso(utcnow() + timedelta(hours=1)))
    assert later["status"] == "scheduled" and later["roll"] is None and later["turnout"] is None
    early = vote(voters, later["poll_id"], "lin", "yes")
    assert early.status_code == 409 and "opens at" in early.json["Message"]
    poll = open_poll(voters)
    vote(voters, poll["poll_id"], "lin", "yes")
    after = parse_iso(poll["closes_at"]) + timedelta(seconds=1)
    monkeypatch.setattr(ballot_domain, "utcnow", lambda: after)
    late = vote(voters, poll["poll_id"], "lin", "no")
    assert late.status_code == 409 and "closed" in late.json["Message"]
    paper = voters.post(f"/polls/{poll['poll_id']}/paper-ballots", "chen",
                        {"unit_id": "b1-102", "choice": "no"})
    assert paper.status_code == 409
    monkeypatch.undo()
    assert poll_of(voters, poll["poll_id"], "lin")["you"]["version"] == 1


def test_a_poll_opening_later_freezes_its_roll_on_schedule(voters: Api) -> None:
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory
    from tests.integration.conftest import ADMIN

    opens = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    poll = open_poll(voters, opens_at=iso(opens), closes_at=iso(opens + timedelta(days=1)))
    directory.import_units(ADMIN, "huayuan", d.UnitBatch.model_validate({"units": [
        {"unit_id": "b1-401", "building": "b1", "area_m2": 9, "owners": ["newcomer"]}]}))
    assert run_schedule(voters, opens - timedelta(minutes=1)) == {"opened": 0, "closed": 0}
    assert run_schedule(voters, opens + timedelta(seconds=30)) == {"opened": 1, "closed": 0}
    assert run_schedule(voters, opens + timedelta(minutes=1)) == {"opened": 0, "closed": 0}
    from chalicelib.voting import store

    frozen = store.get_poll(poll["poll_id"], consistent=True)
    assert frozen is not None and frozen.roll_summary["heads"] == ROLL_HEADS + 1
    assert frozen.roll_frozen_at == iso(opens + timedelta(seconds=30))


def test_paper_ballots_are_entered_by_the_office_for_a_voter(voters: Api) -> None:
    poll_id = open_poll(voters)["poll_id"]
    developer = voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                            {"unit_id": "b2-101", "choice": "yes"})
    assert developer.status_code == 201
    assert (developer.json["channel"], developer.json["version"]) == ("paper", 1)
    wang = voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                       {"unit_id": "b1-102", "choice": "no", "owner_id": "wang"})
    assert wang.status_code == 201
    # zhou's paper ballot by any of his units, later replaced online
    voters.post(f"/polls/{poll_id}/paper-ballots", "chen", {"unit_id": "b2-202", "choice": "no"})
    assert vote(voters, poll_id, "zhou", "yes").json["version"] == 2
    refused = [
        ("chen", {"unit_id": "b1-102", "choice": "no", "owner_id": "lin"}, 400, "owner_id"),
        ("chen", {"unit_id": "x1-101", "choice": "no"}, 400, "unit_id"),
        ("chen", {"unit_id": "b1-102", "choice": "maybe"}, 400, "choice"),
    ]
    for user, body, status, field in refused:
        response = voters.post(f"/polls/{poll_id}/paper-ballots", user, body)
        assert response.status_code == status and response.json["details"][0]["field"] == field
    for user, status in (("lin", 403), ("wuye", 403), ("grid1", 403), ("zhang", 404)):
        response = voters.post(f"/polls/{poll_id}/paper-ballots", user,
                               {"unit_id": "b1-102", "choice": "yes"})
        assert response.status_code == status, user
    turnout = poll_of(voters, poll_id)["turnout"]
    assert turnout["heads"]["voted"] == 3
    assert turnout["area"]["voted"]["exact"] == "845/2"  # 120 + 92 + 210.5
    # the receipt of a paper ballot is checked by staff, or by the owner named on it
    receipt = wang.json["receipt"]
    assert voters.get(f"/polls/{poll_id}/receipts/{receipt}", "chen").status_code == 200
    assert voters.get(f"/polls/{poll_id}/receipts/{receipt}", "lin").status_code == 404
    assert voters.get(f"/polls/{poll_id}/receipts/NOPE", "chen").status_code == 404


def test_the_tracker_shows_the_shortfall_by_building_and_grid(voters: Api) -> None:
    poll_id = open_poll(voters)["poll_id"]
    vote(voters, poll_id, "lin", "yes")
    vote(voters, poll_id, "zhou", "yes")
    turnout = poll_of(voters, poll_id, "grid1")["turnout"]
    assert turnout["heads"]["ratio"] == {"fraction": "2/5", "percent": 40.0}
    assert turnout["area"]["voted"]["exact"] == "299/1"  # 88.5 + 210.5
    assert turnout["quorum"]["shortfall"] == {"heads": 2, "area": {"m2": 95.0, "exact": "95/1"}}
    b1 = building(turnout, "b1")  # lin 88.5 and zhou 50 voted; wang 92 did not
    assert b1["heads"] == {"voted": 2, "total": 3, "not_voted": 1,
                           "ratio": {"fraction": "2/3", "percent": 66.66}}
    assert b1["area"]["not_voted"]["exact"] == "92/1"
    assert b1["shortfall"] == {"heads": 0, "area": {"m2": 15.17, "exact": "91/6"}}
    b2 = building(turnout, "b2")  # zhou 160.5 of 360.5
    assert b2["shortfall"] == {"heads": 1, "area": {"m2": 79.84, "exact": "479/6"}}
    g2 = next(g for g in turnout["by_grid"] if g["grid_id"] == "g2")
    assert g2["heads"]["voted"] == 1 and g2["area"]["voted"]["exact"] == "321/2"


def test_an_event_dated_in_the_future_does_not_close_a_poll_early(voters: Api) -> None:
    poll = open_poll(voters)
    later = parse_iso(poll["closes_at"]) + timedelta(minutes=1)
    assert invoke_schedule(voters, later) == {"opened": 0, "closed": 0}
    assert voters.get(f"/polls/{poll['poll_id']}/results", "lin").status_code == 409
    assert vote(voters, poll["poll_id"], "lin", "yes").status_code == 201


def test_results_are_published_by_the_schedule_at_close(voters: Api) -> None:
    poll = open_poll(voters)
    poll_id = poll["poll_id"]
    for user, choice in (("lin", "yes"), ("zhou", "yes"), ("li", "no"), ("lin", "no"),
                         ("lin", "yes")):
        assert vote(voters, poll_id, user, choice).status_code == 201
    voters.post(f"/polls/{poll_id}/paper-ballots", "chen", {"unit_id": "b2-101",
                                                             "choice": "yes"})
    early = voters.get(f"/polls/{poll_id}/results", "huang")
    assert early.status_code == 409
    assert voters.get(f"/polls/{poll_id}/ballots", "chen").status_code == 409
    assert run_schedule(voters, parse_iso(poll["closes_at"]) - timedelta(minutes=1))[
        "closed"] == 0
    assert close_now(voters, poll) == {"opened": 0, "closed": 1}
    assert close_now(voters, poll) == {"opened": 0, "closed": 0}
    result = voters.get(f"/polls/{poll_id}/results", "huang")  # any resident of the community
    assert result.status_code == 200
    body = result.json
    # 4 of 5 heads, 88.5 + 210.5 + 80 + 120 = 499 of 591 m²: quorum; yes: 3 heads, 419 m²
    assert body["participation"]["heads"] == 4
    assert body["participation"]["area_ratio"]["fraction"] == "499/591"
    assert body["quorum"]["met"] is True and body["passed"] is True
    yes = next(r for r in body["results"] if r["option"] == "yes")
    assert (yes["heads"], yes["area"]["exact"]) == (3, "419/1")
    assert yes["heads_ratio"]["fraction"] == "3/4" and yes["area_ratio"]["fraction"] == "419/499"
    assert "more than 1/2" in body["rule"] and "第二百七十八条" in body["rule_zh"]
    assert body["participants"] == [
        {"units": ["b1-101"], "developer": False}, {"units": ["b1-201", "b2-201", "b2-202"],
                                                    "developer": False},
        {"units": ["b2-101"], "developer": True}, {"units": ["b2-301"], "developer": False}]
    assert voters.get(f"/polls/{poll_id}/results", "zhang").status_code == 404
    assert vote(voters, poll_id, "zhou", "no").status_code == 409
    assert poll_of(voters, poll_id)["status"] == "closed"


def test_an_open_ballot_publishes_each_participants_choice(voters: Api) -> None:
    poll = open_poll(voters, ballot="open", matter="major")
    vote(voters, poll["poll_id"], "lin", "yes")
    close_now(voters, poll)
    body = voters.get(f"/polls/{poll['poll_id']}/results", "lin").json
    assert body["participants"] == [{"units": ["b1-101"], "developer": False, "choice": "yes"}]
    assert body["quorum"]["met"] is False and body["passed"] is False
    assert body["threshold"] == {"fraction": "3/4", "inclusive": True, "rule": (
        "at least 3/4 of the participating area and of the participating owners")}


def test_the_audit_export_lists_every_version_once_counted(voters: Api) -> None:
    poll = open_poll(voters, ballot="open")
    poll_id = poll["poll_id"]
    for choice in ("yes", "no", "yes"):
        vote(voters, poll_id, "lin", choice)
    voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                {"unit_id": "b1-102", "choice": "no", "owner_id": "wang"})
    close_now(voters, poll)
    assert voters.get(f"/polls/{poll_id}/ballots", "lin").status_code == 403
    assert voters.get(f"/polls/{poll_id}/ballots", "wuye").status_code == 403
    first = voters.get(f"/polls/{poll_id}/ballots?limit=2", "chen").json
    rest = voters.get(f"/polls/{poll_id}/ballots?cursor={first['next_cursor']}", "jiedao").json
    assert rest["next_cursor"] is None
    items = first["items"] + rest["items"]
    assert [(b["voter_id"], b["version"], b["choice"], b["counted"]) for b in items] == [
        ("u:b1-101", 1, "yes", False), ("u:b1-101", 2, "no", False),
        ("u:b1-101", 3, "yes", True), ("u:b1-102", 1, "no", True)]
    assert items[0]["cast_by"] == "lin" and items[0]["entered_by"] is None
    assert (items[3]["entered_by"], items[3]["on_behalf_of"], items[3]["channel"]) == (
        "chen", "wang", "paper")
    audit = voters.get(f"/audit?date={utcnow().date().isoformat()}", "admin").json["items"]
    assert {(e["subject_id"], e["what"]) for e in audit} >= {("lin", "poll_ballots"),
                                                            ("wang", "poll_ballots")}


def test_a_secret_ballot_shows_no_staff_member_how_an_owner_voted(voters: Api) -> None:
    poll = open_poll(voters)
    poll_id = poll["poll_id"]
    online = vote(voters, poll_id, "lin", "no").json["receipt"]
    paper = voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                        {"unit_id": "b1-102", "choice": "yes", "owner_id": "wang"}).json
    for staff in ("chen", "admin", "jiedao", "wuye"):
        assert voters.get(f"/polls/{poll_id}/receipts/{online}", staff).status_code == 404
    assert voters.get(f"/polls/{poll_id}/receipts/{online}", "lin").json["choice"] == "no"
    assert voters.get(f"/polls/{poll_id}/receipts/{paper['receipt']}", "chen").json[
        "choice"] == "yes"  # the office entered it from the paper
    close_now(voters, poll)
    for auditor in ("chen", "jiedao", "admin"):
        items = voters.get(f"/polls/{poll_id}/ballots", auditor).json["items"]
        assert [(b["cast_by"] or b["entered_by"], b["choice"], b["counted"]) for b in items] == [
            ("lin", None, True), ("chen", None, True)]
    assert voters.get(f"/polls/{poll_id}/receipts/{online}", "chen").status_code == 404
    body = voters.get(f"/polls/{poll_id}/results", "chen").json
    assert all("choice" not in p for p in body["participants"])


def test_a_registry_area_that_cannot_be_counted_exactly_refuses_the_poll(voters: Api) -> None:
    from chalicelib.core.errors import UnprocessableError
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory
    from chalicelib.identity.caller import Caller
    from chalicelib.voting.schemas import NewBallot
    from tests.integration.conftest import ADMIN, USERS

    def register(area: float) -> None:
        directory.import_units(ADMIN, "huayuan", d.UnitBatch.model_validate({"units": [
            {"unit_id": "b1-501", "building": "b1", "area_m2": area, "owners": ["li"]}]}))

    opens = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    later = open_poll(voters, opens_at=iso(opens), closes_at=iso(opens + timedelta(days=1)))
    register(1e-50)
    refused = voters.post("/communities/jinxiu/polls", "chen", poll_body())
    assert refused.status_code == 400, refused.body
    assert refused.json["details"][0]["field"] == "estate_id"
    assert "b1-501" in refused.json["details"][0]["message"]
    assert [p["poll_id"] for p in voters.get("/communities/jinxiu/polls", "chen").json[
        "items"]] == [later["poll_id"]]
    # the poll opening later cannot freeze its roll: it waits, and does not stop the schedule
    assert run_schedule(voters, opens + timedelta(seconds=30)) == {"opened": 0, "closed": 0}
    lin = Caller("lin", "林小梅", None, frozenset(USERS["lin"][0]), "jinxiu")
    with pytest.raises(UnprocessableError):
        ballot_domain.cast(lin, later["poll_id"], NewBallot(choice="yes"),
                           now=opens + timedelta(minutes=2))
    closing = open_poll(voters, estate_id="mingju")  # its registry is sound: it still closes
    assert run_schedule(voters, parse_iso(closing["closes_at"]) + timedelta(minutes=1))[
        "closed"] == 1
    register(88.25)
    assert run_schedule(voters, opens + timedelta(minutes=1)) == {"opened": 1, "closed": 0}
    frozen = voters.get(f"/polls/{later['poll_id']}", "chen").json
    assert frozen["roll"]["area"]["exact"] == "2717/4"  # 591 + 88.25


def test_choices_match_their_option_whatever_the_unicode_form(voters: Api) -> None:
    poll_id = open_poll(voters, options=["caf\u00e9", "th\u00e9"])["poll_id"]
    cast = vote(voters, poll_id, "lin", "cafe\u0301")
    assert cast.status_code == 201 and cast.json["choice"] == "caf\u00e9"


def test_answers_match_their_declared_models(voters: Api) -> None:
    import json

    from chalicelib.web import openapi
    from tests.integration.test_openapi import conforms

    doc = json.loads(json.dumps(openapi.document()))
    poll = voters.post("/communities/jinxiu/polls", "chen", poll_body())
    poll_id = conforms(doc, "open_poll", poll)["poll_id"]
    conforms(doc, "list_polls", voters.get("/communities/jinxiu/polls?limit=1", "lin"))
    conforms(doc, "get_poll", voters.get(f"/polls/{poll_id}", "lin"))
    conforms(doc, "get_poll", voters.get(f"/polls/{poll_id}", "wuye"))
    cast = conforms(doc, "cast_ballot", vote(voters, poll_id, "lin", "yes"))
    conforms(doc, "enter_paper_ballot", voters.post(
        f"/polls/{poll_id}/paper-ballots", "chen", {"unit_id": "b2-101", "choice": "no"}))
    conforms(doc, "check_receipt", voters.get(f"/polls/{poll_id}/receipts/{cast['receipt']}",
                                              "lin"))
    errors = [
        ("get_results", voters.get(f"/polls/{poll_id}/results", "lin"), 409),
        ("export_ballots", voters.get(f"/polls/{poll_id}/ballots", "chen"), 409),
        ("cast_ballot", vote(voters, poll_id, "lin", "maybe"), 400),
        ("cast_ballot", vote(voters, poll_id, "huang", "yes"), 403),
        ("get_poll", voters.get("/polls/pl_none", "lin"), 404),
        ("open_poll", voters.post("/communities/jinxiu/polls", "chen", {}), 400),
    ]
    for op_id, response, status in errors:
        assert response.status_code == status, (op_id, response.body)
        conforms(doc, op_id, response)
    later = open_poll(voters, opens_at=iso(utcnow() + timedelta(hours=1)))
    conforms(doc, "get_poll", voters.get(f"/polls/{later['poll_id']}", "chen"))
    conforms(doc, "cast_ballot", vote(voters, later["poll_id"], "lin", "yes"))
    close_now(voters, poll.json)
    conforms(doc, "get_results", voters.get(f"/polls/{poll_id}/results", "huang"))
    conforms(doc, "export_ballots", voters.get(f"/polls/{poll_id}/ballots", "chen"))
    conforms(doc, "check_receipt", voters.get(f"/polls/{poll_id}/receipts/{cast['receipt']}",
                                              "lin"))


def test_rolls_frozen_at_once_leave_one_roll_and_a_ballot_freezes_it_first(
        voters: Api) -> None:
    from chalicelib.identity.caller import Caller
    from chalicelib.voting import polls, store
    from chalicelib.voting.schemas import NewBallot
    from tests.integration.conftest import USERS

    opens = utcnow() + timedelta(hours=1)
    poll_id = open_poll(voters, opens_at=iso(opens))["poll_id"]
    first, second = store.get_poll(poll_id), store.get_poll(poll_id)
    assert first is not None and second is not None and first.roll_token is None
    won = polls.freeze(first, opens)
    lost = polls.freeze(second, opens)  # read before the first committed: loses the race
    assert lost.roll_token == won.roll_token
    assert {v.sk.split("#")[1] for v in store.voters(won)} == {won.roll_token}
    assert len(list(store.voters(won))) == ROLL_HEADS

    later = open_poll(voters, opens_at=iso(opens))["poll_id"]
    lin = Caller("lin", "林小梅", None, frozenset(USERS["lin"][0]), "jinxiu")
    cast = ballot_domain.cast(lin, later, NewBallot(choice="yes"), now=opens)
    assert cast.ballot.version == 1 and cast.poll.roll_frozen_at == iso(opens)


def test_a_ballot_racing_the_close_is_refused_by_its_transaction(voters: Api) -> None:
    from chalicelib.voting import store

    poll = open_poll(voters)
    vote(voters, poll["poll_id"], "lin", "yes")
    stale = store.get_poll(poll["poll_id"], consistent=True)
    assert stale is not None
    store.mark_closed(poll["poll_id"], iso(utcnow()))
    with pytest.raises(ballot_domain.ConflictError):
        ballot_domain._record(stale, "u:b1-101", "no", utcnow(), "online", cast_by="lin")
    close_now(voters, poll)
    result = voters.get(f"/polls/{poll['poll_id']}/results", "lin").json
    assert next(r for r in result["results"] if r["option"] == "yes")["heads"] == 1


def test_a_ballot_changed_too_often_is_refused_and_changes_nothing(
        voters: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ballot_domain, "MAX_VERSIONS", 2)
    poll_id = open_poll(voters)["poll_id"]
    assert [vote(voters, poll_id, "lin", c).status_code for c in ("yes", "no")] == [201, 201]
    refused = vote(voters, poll_id, "lin", "yes")
    assert refused.status_code == 409 and "at most 2 times" in refused.json["Message"]
    you = poll_of(voters, poll_id, "lin")["you"]
    assert (you["version"], you["choice"]) == (2, "no")
