"""Open311 GeoReport v2 (JSON) over tickets: a service is a ticket category of a community, a
service request is a ticket, a jurisdiction is a community.

The mapping is pure (a ticket view → an Open311 request; form or JSON fields → ``NewTicket``;
a domain error → Open311 errors); the operations below it go through ``tickets.create_ticket``,
``list_tickets`` and ``get_ticket``, so every rule of the ticket domain (scope, validation, rate
limit, SLA, workflow, idempotency) applies unchanged, and read names from the directory and the
SLA policy.

A request is located by ``address_id`` (``estate_id`` or ``estate_id/building``), else by
``lat`` + ``long`` (the estate whose boundary holds the point, else the nearest estate of the
community within ``NEAR_M``), else by a bare ``address_string`` (the caller's home estate, and
building when they have one home there).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from chalicelib.core.errors import (
    FanglinError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UnsupportedMediaTypeError,
)
from chalicelib.core.timeutil import parse_iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller
from chalicelib.tickets import lifecycle, photos, reading, reporting, sla
from chalicelib.tickets.views import Seen, location_of

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.directory.models import Community, Estate
    from chalicelib.directory.service import Home
    from chalicelib.tickets import open311_schemas as docs
    from chalicelib.tickets.schemas import NewTicket
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

ROOT = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00Z"
CONTACT = "芳邻 Fanglin, run by your community office (社区居委会)"
KEY_SERVICE = ("No API keys: discovery and services need nothing; for requests send an OpenID "
               "Connect ID token as 'Authorization: Bearer <token>' (see /openapi.json); "
               "api_key is ignored")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
OPEN, CLOSED = "open", "closed"
MAX_REQUESTS = 100
MAX_PAGES = 5
MAX_FIELDS = 50
UNSUPPORTED = {
    "media_url": "not supported: upload photos with POST /tickets/{service_request_id}/photos",
    "attribute": "services have no attributes (metadata is false)",
}
PARTY = {"property": "物业", "community": "社区", "street": "街道"}
AGENCY = {"property": "物业服务企业", "community": "社区居委会", "street": "街道办事处"}
DEVICE_CATEGORIES = {code: zh for code, zh, _ in directory.DEVICE_CATEGORIES}
# Ticket fields as an Open311 client names them, for the details of a refused request.
FIELD_NAMES = {
    "category": "service_code",
    "location": "address_id",
    "location.estate_id": "address_id",
    "location.building": "address_id",
    "location.text": "address_string",
    "location.lat": "lat",
    "location.lon": "long",
    "community_id": "jurisdiction_id",
}
HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")
TICKET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NEAR_M = 500
LOCATION_FIELDS = ("lat", "long", "address_string", "address_id")
T = TypeVar("T")


# --- pure mapping ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What a request's representation needs beyond the ticket view: names from the directory
    and the community's SLA policy."""

    service_name: str
    agencies: Mapping[str, str]
    service_notice: str
    place: str


def status_of(ticket_status: str) -> str:
    return OPEN if ticket_status in lifecycle.OPEN_STATUSES else CLOSED


def ticket_statuses(status_filter: str | None) -> frozenset[str]:
    """The ticket statuses an Open311 ``status`` filter (``open``, ``closed`` or both) selects."""
    wanted = set((status_filter or f"{OPEN},{CLOSED}").split(","))
    return frozenset(s for s in lifecycle.STATUSES if status_of(s) in wanted)


def address_id(location: Mapping[str, Any]) -> str:
    building = location.get("building")
    return f"{location['estate_id']}/{building}" if building else str(location["estate_id"])


def split_address_id(value: str) -> tuple[str, str | None]:
    estate_id, _, building = value.partition("/")
    return estate_id, building or None


def promise(responsible: str, minutes: int, working_hours: bool = False) -> str:
    """The response promise, e.g. ``物业将在 360 分钟内响应``."""
    when = "工作时间 " if working_hours else " "
    return f"{PARTY.get(responsible, responsible)}将在{when}{minutes} 分钟内响应"


def policy_promise(policy: SlaPolicyDoc, category: str) -> str:
    target = policy.targets(category, 0)
    return promise(target.responsible, target.respond_min, policy.clock == "working_hours")


def agencies(company: str | None, community: str | None, street: str | None) -> dict[str, str]:
    names = {"property": company, "community": community, "street": street}
    return {party: name or AGENCY[party] for party, name in names.items()}


@dataclass(frozen=True)
class Facts:
    """What a service request shows of a ticket, taken from the ticket itself."""

    ticket_id: str
    community_id: str
    category: str
    description: str
    status: str
    location: Mapping[str, Any]
    created_at: str
    updated_at: str
    responsible: str
    due_at: str | None
    status_notes: str | None
    media_url: str | None


def facts_of(seen: Seen, now: datetime | None = None) -> Facts:
    t = seen.ticket
    live = sla.live(t, now or utcnow())
    return Facts(ticket_id=t.ticket_id, community_id=t.community_id, category=t.category,
                 description=t.description, status=t.status, location=location_of(t),
                 created_at=t.created_at, updated_at=t.updated_at,
                 responsible=live["responsible"], due_at=live["due_at"],
                 status_notes=t.latest_public_note, media_url=photos.first_ready_url(t))


def to_request(facts: Facts, ctx: Context) -> dict[str, Any]:
    """A ticket's facts as an Open311 service request."""
    location = facts.location
    return {
        "service_request_id": facts.ticket_id,
        "status": status_of(facts.status),
        "status_notes": facts.status_notes,
        "service_name": ctx.service_name,
        "service_code": facts.category,
        "description": facts.description,
        "agency_responsible": ctx.agencies.get(facts.responsible, facts.responsible),
        "service_notice": ctx.service_notice,
        "requested_datetime": facts.created_at,
        "updated_datetime": facts.updated_at,
        "expected_datetime": facts.due_at,
        "address": location.get("text") or ctx.place,
        "address_id": address_id(location),
        "lat": location.get("lat"),
        "long": location.get("lon"),
        "media_url": facts.media_url,
    }


def to_service(category: Mapping[str, str]) -> dict[str, Any]:
    return {"service_code": category["code"], "service_name": category["zh"],
            "description": category["en"], "metadata": False, "type": "realtime",
            "keywords": "", "group": ""}


def selected(facts: Facts, statuses: frozenset[str], end: datetime | None) -> bool:
    if facts.status not in statuses:
        return False
    return end is None or parse_iso(facts.created_at) <= end


def before(facts: Facts, start: datetime | None) -> bool:
    """Whether the ticket was requested before ``start`` (lists are newest first)."""
    return start is not None and parse_iso(facts.created_at) < start


def request_ids(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def ticket_id_of(request_file: str) -> str:
    """``tk_1.json`` → ``tk_1``. Raises NotFoundError for anything else."""
    ticket_id, dot, extension = request_file.rpartition(".")
    if not dot or extension != "json" or not TICKET_ID.match(ticket_id):
        raise NotFoundError(f"{ROOT}/requests/{request_file} not found")
    return ticket_id


def base_url(host: str | None, proto: str | None, path: str | None) -> str:
    """The Open311 endpoint as the client reached it: its host, scheme and any stage prefix."""
    host = host if host and HOST.match(host) else "localhost"
    loopback = host.startswith(("localhost", "127.", "[::1]"))
    scheme = (proto or "").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = "http" if loopback else "https"
    at = (path or "").find(ROOT + "/")
    prefix = path[:at] if path and at > 0 else ""
    return f"{scheme}://{host}{prefix}{ROOT}"


def discovery(url: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                       "type": "production", "formats": [JSON]}],
    }


def read_fields(content_type: str | None, raw: bytes) -> dict[str, Any]:
    """The fields of a form-encoded or JSON body, blank values dropped. Raises
    InvalidInputError (malformed, repeated, unsupported fields), UnsupportedMediaTypeError."""
    media = (content_type or JSON).split(";")[0].strip().lower()
    if media == FORM:
        fields = _form(raw)
    elif media == JSON:
        fields = _json_object(raw)
    else:
        raise UnsupportedMediaTypeError(f"send {FORM} or {JSON}")
    _refuse_unsupported(fields)
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def _form(raw: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidInputError("the form is not valid UTF-8 form encoding") from err
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidInputError(f"{name} is given more than once",
                                    [{"field": name, "message": "given more than once"}])
        fields[name] = value
    return fields


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(raw or b"{}", object_pairs_hook=_distinct_text_pairs)
    except RecursionError as err:
        raise InvalidInputError("the body is nested too deeply") from err
    except ValueError as err:
        raise InvalidInputError("the body is not valid JSON") from err
    if not isinstance(fields, dict):
        raise InvalidInputError("the body must be a JSON object")
    return fields


def _distinct_text_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose names do not repeat and whose text is Unicode (JSON's ``\\ud800``
    escapes can spell lone surrogates, which no UTF-8 store or answer can carry)."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if not _is_unicode(name) or (isinstance(value, str) and not _is_unicode(value)):
            raise InvalidInputError("the body holds text that is not Unicode (a lone surrogate)")
        if name in found:
            raise InvalidInputError(f"{name} is given more than once",
                                    [{"field": name, "message": "given more than once"}])
        found[name] = value
    return found


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_unsupported(fields: Mapping[str, Any]) -> None:
    details = [{"field": name, "message": UNSUPPORTED[name.split("[")[0]], "type": "unsupported"}
               for name in fields if name.split("[")[0] in UNSUPPORTED]
    if details:
        raise InvalidInputError("unsupported fields", details)


def validate(model: Any, fields: Mapping[str, Any], what: str) -> Any:
    """``fields`` as the pydantic ``model``. Raises InvalidInputError naming the fields at
    fault."""
    from pydantic import ValidationError

    try:
        return model.model_validate(dict(fields))
    except ValidationError as err:
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "(body)", "message": e["msg"],
                    "type": e["type"]} for e in err.errors(include_url=False, include_input=False)]
        raise InvalidInputError(f"invalid {what}", details) from err


def missing_location(fields: Mapping[str, Any]) -> list[dict[str, str]]:
    """Details naming every location field when ``fields`` give none of GeoReport's three
    forms (``lat`` + ``long``, ``address_string``, ``address_id``); empty otherwise."""
    if fields.get("address_id") or fields.get("address_string") or (
            fields.get("lat") is not None and fields.get("long") is not None):
        return []
    message = "a request is located by lat and long, address_string or address_id"
    return [{"field": name, "message": message, "type": "missing"} for name in LOCATION_FIELDS]


def home_place(homes: Iterable[Home], community_id: str | None) -> tuple[str, str | None]:
    """The estate of the caller's homes in the community, with the building when all of them
    are in one. Raises InvalidInputError (no home there, or homes in several estates)."""
    mine = [h for h in homes if h.community_id in (community_id, None)]
    estates = {h.estate_id for h in mine if h.estate_id}
    if len(estates) != 1:
        reason = ("homes in several estates" if estates else "no home estate to place it in")
        raise InvalidInputError(f"address_string alone cannot be placed: {reason}", [{
            "field": "address_string", "type": "unresolved",
            "message": f"{reason}: add address_id, or lat and long"}])
    buildings = {h.building for h in mine if h.building}
    return estates.pop(), (buildings.pop() if len(buildings) == 1 else None)


def to_new_ticket(doc: docs.NewRequest, place: tuple[str, str | None] | None = None) -> NewTicket:
    """The ticket an Open311 request reports, at ``place`` (estate and building; by default
    ``address_id``'s); the ignored fields stay behind. Raises ValueError without either."""
    from chalicelib.tickets.schemas import Location, NewTicket

    if place is None:
        if not doc.address_id:
            raise ValueError("a request without address_id needs a resolved place")
        place = split_address_id(doc.address_id)
    estate_id, building = place
    location = Location(estate_id=estate_id, building=building, text=doc.address_string,
                        lat=doc.lat, lon=doc.long)
    return NewTicket(category=doc.service_code, description=doc.description, location=location)


def error_entries(err: FanglinError, status: int) -> list[dict[str, Any]]:
    """A domain error as Open311 errors: one entry per field at fault (``field: message``),
    else one entry."""
    if isinstance(err, RateLimitedError):
        return [{"code": status,
                 "description": f"{err}; retry after {err.retry_after_s} seconds"}]
    details = err.details if isinstance(err, InvalidInputError) else []
    entries = [{"code": status,
                "description": f"{d.get('field') or '(body)'}: {d.get('message', str(err))}"}
               for d in details]
    return entries or [{"code": status, "description": str(err)}]


def in_open311_terms(err: InvalidInputError) -> InvalidInputError:
    """The same error, its details naming fields as an Open311 client sent them."""
    details = [{**d, "field": FIELD_NAMES.get(d.get("field", ""), d.get("field"))}
               for d in err.details]
    message = str(err)
    for ours, theirs in (("category", "service_code"), ("community_id", "jurisdiction_id")):
        message = message.replace(ours, theirs)
    return InvalidInputError(message, details)


# --- operations -----------------------------------------------------------------------------

@contextmanager
def _open311_fields() -> Iterator[None]:
    try:
        yield
    except InvalidInputError as err:
        raise in_open311_terms(err) from err


class Lookup:
    """Directory names and SLA policies, each read once per request."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], Any] = {}

    def _once(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def community(self, community_id: str) -> Community | None:
        return self._once(("community", community_id), lambda: _or_none(
            lambda: directory.get_community(community_id)))

    def estate(self, estate_id: str) -> Estate | None:
        return self._once(("estate", estate_id), lambda: _or_none(
            lambda: directory.get_estate(estate_id)))

    def building_name(self, estate_id: str, building: str) -> str:
        found = self._once(("building", estate_id, building),
                           lambda: directory.find_building(estate_id, building))
        return found.name if found else building

    def company_name(self, company_id: str) -> str | None:
        company = self._once(("company", company_id), lambda: _or_none(
            lambda: directory.get_company(company_id)))
        return str(company.name) if company else None

    def policy(self, community_id: str) -> SlaPolicyDoc:
        return self._once(("policy", community_id), lambda: sla.get_policy(community_id))

    def service_names(self, community_id: str) -> dict[str, str]:
        def load() -> dict[str, str]:
            community = self.community(community_id)
            own = directory.categories(community) if community else []
            return {**DEVICE_CATEGORIES, **{c["code"]: c["zh"] for c in own}}

        return self._once(("services", community_id), load)

    def context(self, facts: Facts) -> Context:
        community_id, location, category = facts.community_id, facts.location, facts.category
        community = self.community(community_id)
        estate = self.estate(location["estate_id"])
        place = estate.name if estate else location["estate_id"]
        if location.get("building"):
            place += " " + self.building_name(location["estate_id"], location["building"])
        return Context(
            service_name=self.service_names(community_id).get(category, category),
            agencies=agencies(self.company_name(estate.company_id) if estate else None,
                              community.name if community else None,
                              community.street_name if community else None),
            service_notice=policy_promise(self.policy(community_id), category),
            place=place,
        )


def _or_none(load: Callable[[], T]) -> T | None:
    try:
        return load()
    except NotFoundError:
        return None


def represent(items: Iterable[Facts]) -> list[dict[str, Any]]:
    lookup = Lookup()
    return [to_request(facts, lookup.context(facts)) for facts in items]


def discover(headers: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, Any]:
    """The discovery document, pointing at the endpoint the client reached."""
    return discovery(base_url(headers.get("host"), headers.get("x-forwarded-proto"),
                              context.get("path")))


def _jurisdiction(caller: Caller, jurisdiction_id: str | None) -> str:
    community_id = jurisdiction_id or directory.load_scope(caller).community_id
    if community_id is None:
        raise InvalidInputError("jurisdiction_id is required",
                                [{"field": "jurisdiction_id", "message": "required"}])
    return community_id


def services(caller: Caller | None, q: docs.ServicesQuery) -> list[dict[str, Any]]:
    """The ticket categories a resident can report in the community (device alarms apart):
    public, so ``jurisdiction_id`` names any community whoever asks; without it, the caller's
    community (a token is then required).
    Raises NotFoundError (no such community), InvalidInputError."""
    if q.jurisdiction_id is not None:
        community = directory.get_community(q.jurisdiction_id)
    elif caller is None:
        raise InvalidInputError("jurisdiction_id is required without a token", [
            {"field": "jurisdiction_id", "message": "required without a token"}])
    else:
        community, _ = directory.visible_community(caller,
                                                   _jurisdiction(caller, q.jurisdiction_id))
    return [to_service(c) for c in directory.categories(community)
            if c["code"] not in DEVICE_CATEGORIES]


def locate(caller: Caller, doc: docs.NewRequest) -> tuple[str, str | None]:
    """The estate and building a request is about, as the module docstring orders the forms.
    Raises InvalidInputError naming the fields when the given location resolves to nothing."""
    if doc.address_id:
        return split_address_id(doc.address_id)
    scope = directory.load_scope(caller)
    community_id = doc.jurisdiction_id or scope.community_id
    if doc.lat is not None and doc.long is not None:
        estate = (directory.estate_at(community_id, doc.lat, doc.long, within_m=NEAR_M)
                  if community_id else None)
        if estate is not None:
            return str(estate.estate_id), None
        message = f"no estate of the community holds this point or lies within {NEAR_M} m"
        raise InvalidInputError(f"lat and long: {message}", [
            {"field": name, "message": message, "type": "unresolved"} for name in ("lat", "long")])
    if doc.address_string:
        return home_place(scope.homes, community_id)
    raise InvalidInputError("the request has no location", missing_location({}))


def submit(caller: Caller, content_type: str | None, raw: bytes,
           idempotency_key: str | None = None, lambda_context: Any = None) -> list[dict[str, Any]]:
    """Report a problem from an Open311 client: a ticket, created as ``POST /tickets`` does.

    Raises InvalidInputError, UnsupportedMediaTypeError, NotFoundError (a jurisdiction other than
    the caller's community), and what ``tickets.create_ticket`` raises.
    """
    from chalicelib.tickets.open311_schemas import NewRequest

    fields = read_fields(content_type, raw)
    unlocated = missing_location(fields)
    try:
        doc: docs.NewRequest = validate(NewRequest, fields, "service request")
    except InvalidInputError as err:
        raise InvalidInputError(str(err), err.details + unlocated) from err
    if unlocated:
        raise InvalidInputError("the request has no location", unlocated)
    if doc.jurisdiction_id and not directory.load_scope(caller).belongs_to_community(
            doc.jurisdiction_id):
        raise NotFoundError(f"jurisdiction {doc.jurisdiction_id} not found")
    if doc.service_code in DEVICE_CATEGORIES:
        raise InvalidInputError(f"unknown service_code {doc.service_code}",
                                [{"field": "service_code", "message": "unknown service"}])
    place = locate(caller, doc)
    lookup = Lookup()
    with _open311_fields():
        created = reporting.create_ticket(caller, to_new_ticket(doc, place),
                                          idempotency_key=idempotency_key,
                                          lambda_context=lambda_context, policy_of=lookup.policy)
    ticket = created.seen.ticket
    notice = policy_promise(lookup.policy(ticket.community_id), ticket.category)
    return [{"service_request_id": ticket.ticket_id, "service_notice": notice,
             "account_id": None}]


def list_requests(caller: Caller, q: docs.RequestQuery) -> list[dict[str, Any]]:
    """Requests the caller may see, newest first, at most ``MAX_REQUESTS``. With
    ``service_request_id`` only those ids (the invisible skipped), other filters ignored.
    Raises InvalidInputError, NotFoundError (jurisdiction out of scope)."""
    if q.service_request_id:
        return represent(_by_ids(caller, request_ids(q.service_request_id)))
    return represent(_search(caller, q))


def _by_ids(caller: Caller, ids: list[str]) -> Iterator[Facts]:
    for ticket_id in ids:
        try:
            yield facts_of(reading.get_ticket(caller, ticket_id))
        except NotFoundError:
            continue


def _search(caller: Caller, q: docs.RequestQuery) -> list[Facts]:
    """Pages through ``reading.list_tickets`` (newest first) until enough match, the window's
    start is passed, or ``MAX_PAGES`` pages were read."""
    from chalicelib.tickets.schemas import TicketQuery

    if q.jurisdiction_id:
        directory.visible_community(caller, q.jurisdiction_id)
    query = TicketQuery(category=q.service_code, community_id=q.jurisdiction_id,
                        limit=MAX_REQUESTS)
    statuses = ticket_statuses(q.status)
    found: list[Facts] = []
    now = utcnow()
    for _ in range(MAX_PAGES):
        with _open311_fields():
            page = reading.list_tickets(caller, query, now)
        for seen in page.items:
            facts = facts_of(seen, now)
            if before(facts, q.start_date):
                return found
            if selected(facts, statuses, q.end_date):
                found.append(facts)
                if len(found) == MAX_REQUESTS:
                    return found
        if not page.next_cursor:
            break
        query = query.model_copy(update={"cursor": page.next_cursor})
    return found


def get_request(caller: Caller, request_file: str,
                q: docs.RequestFileQuery) -> list[dict[str, Any]]:
    """``[request]`` for ``<id>.json``. Raises NotFoundError (not a request file, absent, out of
    scope, or of another jurisdiction)."""
    ticket_id = ticket_id_of(request_file)
    facts = facts_of(reading.get_ticket(caller, ticket_id))
    if q.jurisdiction_id and q.jurisdiction_id != facts.community_id:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return represent([facts])
