from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import InvalidInputError
from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource, parse_model, raw_body

if TYPE_CHECKING:
    from chalicelib.directory import schemas as docs
    from chalicelib.directory import service as directory
else:
    directory = lazy("chalicelib.directory.service")

schemas = LazySchemas("chalicelib.directory.schemas")
answers = LazySchemas("chalicelib.directory.responses")
bp = Resource(__name__)
CSV = "text/csv"
MAX_IMPORT_BODY = 2 * 1024 * 1024


@bp.route("/communities", methods=["POST"], body=schemas.NewCommunity, status=201,
          summary="Create a community (admin)", response=answers.CreatedCommunity)
def create_community(caller: Caller, body: docs.NewCommunity) -> dict[str, Any]:
    return directory.create_community(caller, body)


@bp.route("/communities/{community_id}",
          summary="A community with its estates, buildings, grids", response=answers.CommunityView)
def get_community(caller: Caller, community_id: str) -> dict[str, Any]:
    return directory.community_view(caller, community_id)


@bp.route("/streets", methods=["POST"], body=schemas.NewStreet, status=201,
          summary="Register a street office and its staff (admin)", response=answers.CreatedStreet)
def create_street(caller: Caller, body: docs.NewStreet) -> dict[str, Any]:
    return directory.create_street(caller, body)


@bp.route("/companies", methods=["POST"], body=schemas.NewCompany, status=201,
          summary="Register a property-management company and its staff (admin)",
          response=answers.CreatedCompany)
def create_company(caller: Caller, body: docs.NewCompany) -> dict[str, Any]:
    return directory.create_company(caller, body)


@bp.route("/communities/{community_id}/estates", methods=["POST"], body=schemas.NewEstate,
          status=201, summary="Create an estate with its property company",
          response=answers.CreatedEstate)
def create_estate(caller: Caller, community_id: str, body: docs.NewEstate) -> dict[str, Any]:
    return directory.create_estate(caller, community_id, body)


@bp.route("/estates/{estate_id}/buildings", methods=["POST"], body=schemas.BuildingBatch,
          status=201, summary="Create or update buildings of an estate",
          response=answers.BuildingsAdded)
def add_buildings(caller: Caller, estate_id: str, body: docs.BuildingBatch) -> dict[str, Any]:
    return directory.add_buildings(caller, estate_id, body)


@bp.route("/estates/{estate_id}/units", methods=["POST"], status=201,
          content_types=("application/json", CSV), max_body=MAX_IMPORT_BODY, body=None,
          summary="Import units with areas, owners and residents (JSON or CSV)",
          response=answers.UnitsImported, documented_body=schemas.UnitBatch)
def import_units(caller: Caller, estate_id: str) -> dict[str, Any]:
    request = bp.current_request
    content_type = (request.headers.get("content-type") or "application/json").lower()
    raw = raw_body(request)
    if content_type.startswith(CSV):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InvalidInputError("CSV must be UTF-8") from err
        batch = directory.parse_units_csv(text)
    else:
        batch = parse_model(schemas.UnitBatch, raw, "request body")
    return directory.import_units(caller, estate_id, batch)


@bp.route("/communities/{community_id}/grids", methods=["POST"], body=schemas.NewGrid, status=201,
          summary="Create a grid with its workers and buildings", response=answers.CreatedGrid)
def create_grid(caller: Caller, community_id: str, body: docs.NewGrid) -> dict[str, Any]:
    return directory.create_grid(caller, community_id, body)


@bp.route("/communities/{community_id}/grids", summary="Grids of a community",
          response=answers.GridList)
def list_grids(caller: Caller, community_id: str) -> dict[str, Any]:
    return directory.list_grids(caller, community_id)
