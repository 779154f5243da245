"""What tests/e2e/test_schemathesis.py asks schemathesis to do, per identity.

An identity fuzzes only operations its role may call: those whose access-matrix cell
(tests/integration/access_matrix_table.py) is a success for it, so that a 403 a role gets by
design is not read as rejected data. Every operation some role may call is fuzzed once, by one
such identity (``shares``). The checks are all of schemathesis's; where one cannot hold for a
reason the document cannot express, ``RELAXED`` (per operation) and ``TOLERATED`` (per operation
and refused field) say so and why.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IDENTITIES = {"resident": "lin", "property": "wuye", "community": "chen"}
PHASES = ("examples", "coverage", "fuzzing", "stateful")
SEED = 20261202
MAX_EXAMPLES = 4
STATEFUL_SCENARIOS = 15
LINK_SLACK = 20
# The methods the app's router answers 405 (with Allow) when a path does not declare them;
# TRACE and QUERY never reach the app (see LOCAL_SERVER), OPTIONS is exempt from the check.
UNEXPECTED_METHODS = ("DELETE", "PATCH", "PUT", "POST")
# Demo objects of infra/local/demo.py the identities have in scope: path parameters pinned to
# them, and body fields that name a stored object drawn from them most of the time (the rest of
# the time schemathesis draws from the schema, and the API answers 400: see TOLERATED).
PARAMETERS = {"path.community_id": "jinxiu", "path.estate_id": "jinxiu-huayuan"}
DRAWN_MOSTLY = 0.9


def dictionaries() -> dict[str, list[Any]]:
    from chalicelib.directory.service import DEFAULT_CATEGORIES
    from infra.local.demo import ESTATES, GRIDS

    jinxiu = [e for e in ESTATES if e["community_id"] == "jinxiu"]
    return {
        "estates": [e["estate"]["estate_id"] for e in jinxiu],
        "buildings": sorted({b["building_id"] for e in jinxiu for b in e["buildings"]}),
        "units": [u["unit_id"] for e in jinxiu for u in e["units"]],
        "grids": [g["grid_id"] for g in GRIDS if g["community_id"] == "jinxiu"],
        "categories": [code for code, _, _ in DEFAULT_CATEGORIES],
        "choices": ["同意", "不同意", "弃权"],
        "companies": ["lvyin"],
        "lats": [e["estate"]["location"]["lat"] for e in jinxiu],
        "lons": [e["estate"]["location"]["lon"] for e in jinxiu],
    }


BINDINGS = {
    "body.location.estate_id": "estates", "body.location.building": "buildings",
    "body.location.unit_id": "units", "body.category": "categories",
    "body.address_id": "estates",
    "body.service_code": "categories", "body.choice": "choices", "body.grid_id": "grids",
    "body.buildings[*].grid_id": "grids", "body.units[*].building": "buildings",
    "body.company_id": "companies", "body.lat": "lats", "body.long": "lons",
}

EXCLUDED = {
    ("DELETE", "/me"): "erases the identity the rest of the run signs in as (tests/integration/"
                       "test_privacy.py covers it)",
}


@dataclass(frozen=True)
class Relaxed:
    method: str
    path: str
    check: str
    reason: str
    # the statuses the check accepts beyond its defaults; none: the check is off
    also: tuple[str, ...] = ()


# positive_data_acceptance accepts by default 2xx, 3xx, 401, 403, 404, 409, 429 and 5xx (5xx are
# then caught by not_a_server_error).
KEY_REUSED = ("a retry with an Idempotency-Key the run already sent with another body is 422 "
              "by design")
RELAXED: tuple[Relaxed, ...] = (
    Relaxed("POST", "/tickets", "positive_data_acceptance", KEY_REUSED, ("422",)),
    Relaxed("POST", "/communities/{community_id}/tasks", "positive_data_acceptance",
            KEY_REUSED, ("422",)),
    Relaxed("POST", "/rewards/{reward_id}/redemptions", "positive_data_acceptance",
            KEY_REUSED, ("422",)),
    Relaxed("POST", "/tickets/{ticket_id}/photos", "positive_data_acceptance",
            "an image body must decode as the image its Content-Type names; JSON Schema "
            "cannot say that of bytes", ("400", "415", "422")),
)


@dataclass(frozen=True)
class Tolerated:
    """A 400 to schema-valid data is forgiven when every field it names matches ``fields`` and
    was refused the way ``kind`` says: ``domain`` by the domain, against stored objects (a detail
    without a pydantic type), ``rule`` by a validator relating values (pydantic's value_error)."""

    method: str
    path: str
    fields: tuple[str, ...]
    kind: str
    reason: str


STORED_ID = "must name an object stored in the community; JSON Schema cannot know which"
ORDERED = "is ordered against another value or the clock; JSON Schema compares no two values"
UNIQUE_KEY = "an id repeats within the list (uniqueItems compares whole items, not one key)"
CURSOR = ("an opaque cursor only the API issues (base64url of the last key; the pattern says its "
          "shape, not which keys exist)")
TOLERATED: tuple[Tolerated, ...] = (
    Tolerated("POST", "/tickets", ("location.*", "category"), "domain", STORED_ID),
    Tolerated("POST", "/open311/v2/requests.json",
              ("address_id", "service_code", "jurisdiction_id", "lat", "long"), "domain",
              STORED_ID + " (coordinates: an estate within 500 m)"),
    Tolerated("POST", "/communities/{community_id}/grids", ("buildings.*", "workers.*"),
              "domain", STORED_ID),
    Tolerated("POST", "/estates/{estate_id}/buildings", ("buildings.*.grid_id",), "domain",
              STORED_ID),
    Tolerated("POST", "/estates/{estate_id}/units", ("units.*.building", "units.*.owners.*",
                                                    "units.*.residents.*"), "domain", STORED_ID),
    Tolerated("POST", "/communities/{community_id}/polls", ("estate_id",), "domain", STORED_ID),
    Tolerated("POST", "/communities/{community_id}/notices", ("estate_id", "building"),
              "domain", STORED_ID),
    Tolerated("POST", "/polls/{poll_id}/ballots", ("choice",), "domain",
              "must be one of the poll's own options"),
    Tolerated("POST", "/polls/{poll_id}/paper-ballots", ("choice", "owner_id", "unit_id"),
              "domain", "must be one of the poll's own options and voters"),
    Tolerated("POST", "/activities/{activity_id}/signups", ("meets_min_age",), "domain",
              "required by an activity with a minimum age only"),
    Tolerated("POST", "/communities/{community_id}/activities", ("ends_at", "starts_at"), "rule",
              ORDERED),
    Tolerated("POST", "/communities/{community_id}/notices", ("expires_at",), "domain", ORDERED),
    Tolerated("POST", "/communities/{community_id}/estates", ("company_id",), "domain",
              STORED_ID),
    Tolerated("POST", "/communities/{community_id}/estates", ("boundary.coordinates",), "rule",
              "a ring is closed (its last position is its first) and the polygon within 200 "
              "positions: " + ORDERED),
    Tolerated("POST", "/estates/{estate_id}/units", ("header", "row*", "units*"), "domain",
              "a text/csv body must be CSV with the unit columns; its schema can only say "
              "string"),
    Tolerated("POST", "/tickets/{ticket_id}/duplicate", ("duplicate_of",), "domain", STORED_ID),
    Tolerated("POST", "/estates/{estate_id}/buildings", ("buildings",), "rule", UNIQUE_KEY),
    Tolerated("POST", "/estates/{estate_id}/units", ("units", "units.*.residents"), "rule",
              UNIQUE_KEY + "; a resident is not also an owner of the unit"),
    Tolerated("POST", "/communities/{community_id}/grids", ("buildings",), "rule", UNIQUE_KEY),
    Tolerated("GET", "/communities/{community_id}/map", ("bbox",), "rule",
              "south is not above north: " + ORDERED),
    Tolerated("PUT", "/communities/{community_id}/sla-policy",
              ("levels", "overrides.*.levels", "calendar", "calendar.*", "warnings", "(body)"),
              "rule", ORDERED + " (levels 0, 1, 2 in order; working periods sorted; targets "
                               "the calendar can meet; warnings ascending; an IANA time zone)"),
    Tolerated("PUT", "/communities/{community_id}/device-policy", ("pm25",), "rule",
              ORDERED + " (clear_ugm3 below activate_ugm3)"),
    Tolerated("POST", "/communities/{community_id}/polls", ("closes_at", "opens_at"), "rule",
              ORDERED),
    Tolerated("POST", "/communities/{community_id}/polls", ("closes_at", "opens_at"), "domain",
              ORDERED),
    Tolerated("GET", "/open311/v2/requests.json", ("end_date", "start_date"), "rule",
              ORDERED + " (end after start; in UTC within years 1 to 9999)"),
    Tolerated("POST", "/communities/{community_id}/guides", ("office_hours", "office_hours.*",
                                                            "steps"), "rule",
              ORDERED + " (close after open, no two periods on one weekday; materials and "
                        "steps within 16 KiB together)"),
    Tolerated("PUT", "/guides/{guide_id}", ("office_hours", "office_hours.*", "steps"), "rule",
              ORDERED),
)
LOCAL_SERVER = ("the local stack's HTTP server (Python's http.server under chalice.local) answers "
                "501 to a method it has no handler for before the app sees it; on AWS, API "
                "Gateway answers an undeclared method itself")


def plan_file(document: dict[str, Any], calls: Path) -> dict[str, Any]:
    """What the hooks read: where to count calls, and the tolerated fields per operation."""
    rules: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for path, item in document["paths"].items():
        for method, op in item.items():
            if any(p["in"] == "query" and p["name"] == "cursor"
                   for p in op.get("parameters", ())):
                rules[f"{method.upper()} {path}"].append(("cursor", "domain", CURSOR))
    for rule in TOLERATED:
        rules[f"{rule.method} {rule.path}"] += [(f, rule.kind, rule.reason) for f in rule.fields]
    return {"calls": str(calls), "tolerated": rules, "local_server": LOCAL_SERVER}


def access_matrix_successes(role: str) -> list[tuple[str, str]]:
    from tests.integration.access_matrix_table import ROWS

    found = []
    for row in ROWS:
        statuses = row.statuses()[role]
        if all(200 <= s < 300 for s in statuses) and row.key not in EXCLUDED:
            found.append(row.key)
    return found


def weight(document: dict[str, Any], key: tuple[str, str]) -> int:
    """About how many cases the coverage phase makes of an operation: one per parameter and per
    top-level body field, and a few more."""
    method, path = key
    op = document["paths"].get(path, {}).get(method.lower(), {})
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    name = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    fields = document["components"]["schemas"].get(name, {}).get("properties", {})
    return 3 + len(op.get("parameters", ())) + 2 * len(fields)


def link_sources(document: dict[str, Any]) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """``{operation: the operations whose answers link to it}``."""
    by_id = {op["operationId"]: (method.upper(), path) for path, item in document["paths"].items()
             for method, op in item.items()}
    found: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for path, item in document["paths"].items():
        for method, op in item.items():
            for answer in op.get("responses", {}).values():
                for link in answer.get("links", {}).values():
                    found[by_id[link["operationId"]]].add((method.upper(), path))
    return found


def shares(document: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each operation once, to one identity whose role may call it: an operation only one role
    may call goes to that role; one a create links to goes with that create when its role may
    call it and has at most ``LINK_SLACK`` more work than the least busy eligible one (so the
    stateful phase can follow the link); the others go to whichever eligible identity has the
    least work so far, so that the three runs side by side take about as long."""
    eligible: dict[tuple[str, str], list[str]] = defaultdict(list)
    for role in IDENTITIES:
        for key in access_matrix_successes(role):
            eligible[key].append(role)
    sources = link_sources(document)
    dealt: dict[str, list[tuple[str, str]]] = {role: [] for role in IDENTITIES}
    holder: dict[tuple[str, str], str] = {}
    work = Counter({role: 0 for role in IDENTITIES})
    order = sorted(eligible.items(), key=lambda kv: (len(kv[1]), -weight(document, kv[0]), kv[0]))
    for key, roles in order:
        least = min(work[r] for r in roles)
        linked = [holder[s] for s in sorted(sources.get(key, ()))
                  if holder.get(s) in roles and work[holder[s]] <= least + LINK_SLACK]
        role = linked[0] if linked else min(
            roles, key=lambda r: (work[r], list(IDENTITIES).index(r)))
        dealt[role].append(key)
        holder[key] = role
        work[role] += weight(document, key)
    return dealt


def operation_ids(document: dict[str, Any], keys: Iterable[tuple[str, str]]) -> list[str]:
    wanted = set(keys)
    return [op["operationId"] for path, item in document["paths"].items()
            for method, op in item.items() if (method.upper(), path) in wanted]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def list_paths(document: dict[str, Any]) -> list[str]:
    """The lists the fuzzer can read ids from: GET routes answering ``items``, with no path
    parameter but the pinned community."""
    found = []
    for path, item in document["paths"].items():
        get = item.get("get")
        params = {p["name"] for p in (get or {}).get("parameters", ()) if p["in"] == "path"}
        if get and params <= {"community_id"} and "{" not in path.replace("{community_id}", ""):
            schema = get["responses"].get("200", {}).get("content", {}).get(
                "application/json", {}).get("schema", {})
            name = schema.get("$ref", "").rsplit("/", 1)[-1]
            if "items" in document["components"]["schemas"].get(name, {}).get("properties", {}):
                found.append(path.replace("{community_id}", PARAMETERS["path.community_id"]))
    return found


def ids_in(answers: Iterable[Any], names: set[str]) -> dict[str, list[str]]:
    """``{path parameter: ids}`` of the items of list answers, for the ``..._id`` parameters in
    ``names`` (a ``code`` is a category's as well as a redemption's)."""
    found: dict[str, set[str]] = defaultdict(set)
    for answer in answers:
        for item in (answer or {}).get("items", ()) if isinstance(answer, dict) else ():
            for key, value in item.items():
                if key in names and key.endswith("_id") and isinstance(value, str):
                    found[key].add(value)
    return {name: sorted(values)[:20] for name, values in found.items()}


def path_parameter_names(document: dict[str, Any]) -> set[str]:
    return {p["name"] for item in document["paths"].values() for op in item.values()
            for p in op.get("parameters", ()) if p["in"] == "path"}


def config(document: dict[str, Any], ids: list[str], token: str, report_dir: Path,
           known: dict[str, list[str]] | None = None) -> str:
    """The schemathesis.toml of one identity's run over the operations ``ids``; ``known`` are
    ids of stored objects the identity's lists answered, drawn for path parameters of that
    name most of the time."""
    known = {k: v for k, v in (known or {}).items() if v and f"path.{k}" not in PARAMETERS}
    words = {**dictionaries(), **{f"known_{k}": v for k, v in known.items()}}
    lines = [
        f"seed = {SEED}",
        f"headers = {{ Authorization = {_toml('Bearer ' + token)} }}",
        # no crash cache (.schemathesis/ in the working directory) and no example database
        "[cache]",
        "enabled = false",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        'database = "none"',
        "[phases]",
        *(f"{phase}.enabled = true" for phase in PHASES),
        f"coverage.unexpected-methods = {_toml(UNEXPECTED_METHODS)}",
        "coverage.generate-duplicate-query-parameters = false",
        # the document declares no examples: the examples phase makes one from each schema
        "examples.fill-missing = true",
        f"stateful.generation.max-examples = {STATEFUL_SCENARIOS}",
        "[dictionaries]",
        *(f"{name} = {{ values = {_toml(values)} }}" for name, values in words.items()),
        "[parameters]",
        *(f"{_toml(k)} = {_toml(v)}" for k, v in PARAMETERS.items()),
        *(f"{_toml(k)} = {{ dictionary = {_toml(v)}, probability = {DRAWN_MOSTLY} }}"
          for k, v in BINDINGS.items()),
        *(f"{_toml('path.' + k)} = {{ dictionary = {_toml('known_' + k)}, "
          f"probability = {DRAWN_MOSTLY} }}" for k in known),
        "[reports]",
        f"directory = {_toml(str(report_dir))}",
        "json.enabled = true",
    ]
    by_key = {(m.upper(), p): op["operationId"] for p, item in document["paths"].items()
              for m, op in item.items()}
    for relaxed in RELAXED:
        op = by_key[(relaxed.method, relaxed.path)]
        if op not in ids:
            continue
        lines += ["[[operations]]", f"include-operation-id = {_toml(op)}"]
        if relaxed.also:
            lines.append(f"checks.{relaxed.check}.expected-statuses = "
                         f"{_toml(DEFAULT_ACCEPTED + relaxed.also)}")
        else:
            lines.append(f"checks.{relaxed.check}.enabled = false")
    return "\n".join(lines) + "\n"


DEFAULT_ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")


def cases_per_operation(calls_file: Path) -> dict[str, Counter[str]]:
    """``{operation: Counter(phase: requests)}`` from the lines the hooks wrote."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    if calls_file.exists():
        for line in calls_file.read_text().splitlines():
            call = json.loads(line)
            found[call["operation"]][call["phase"]] += 1
    return dict(found)


PLAN_ENV = "FANGLIN_FUZZ_PLAN"


def summary(runs: dict[str, dict[str, Any]]) -> str:
    """Requests per operation and phase for each identity, as the README evidence reports."""
    lines = []
    for role, run in runs.items():
        calls = run["calls"]
        total = sum(sum(n for p, n in c.items() if p != "forgiven") for c in calls.values())
        forgiven = sum(c["forgiven"] for c in calls.values())
        lines.append(f"{role} ({IDENTITIES[role]}): {len(calls)} operations, {total} requests,"
                     f" {forgiven} failures forgiven")
        for op in sorted(calls):
            phases = " ".join(f"{p}={calls[op][p]}" for p in (*PHASES, "forgiven")
                              if calls[op][p])
            cases = sum(n for p, n in calls[op].items() if p != "forgiven")
            lines.append(f"  {op}: {cases} ({phases})")
    return "\n".join(lines)
