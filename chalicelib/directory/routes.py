"""The directory's blueprint: parse, one domain call, its view."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource, parse_model, raw_body

if TYPE_CHECKING:
    from chalicelib.directory import schemas as docs
    from chalicelib.directory import service as directory
    from chalicelib.directory import views
else:
    directory = lazy("chalicelib.directory.service")
    views = lazy("chalicelib.directory.views")
    docs = lazy("chalicelib.directory.schemas")

schemas = LazySchemas("chalicelib.directory.schemas")
answers = LazySchemas("chalicelib.directory.responses")
bp = Resource(__name__)
CSV = "text/csv"
MAX_IMPORT_BODY = 2 * 1024 * 1024


@bp.route("/me", summary="The caller: roles, community and units", response=answers.Me)
def get_me(caller: Caller) -> dict[str, Any]:
    return views.me(directory.me(caller))


@bp.route("/communities", methods=["POST"], body=schemas.NewCommunity, status=201,
          summary="Create a community with its office staff (admin)",
          response=answers.CreatedCommunity,
          links={"community_id": "/community_id"})
def create_community(caller: Caller, body: docs.NewCommunity) -> dict[str, Any]:
    return views.created_community(directory.create_community(caller, body))


@bp.route("/communities/{community_id}",
          summary="A community with its estates, buildings, grids", response=answers.CommunityView)
def get_community(caller: Caller, community_id: str) -> dict[str, Any]:
    return views.community(directory.community_directory(caller, community_id))


@bp.route("/communities/{community_id}/staff", methods=["POST"], body=schemas.CommunityStaff,
          status=201, summary="Register community-office staff (admin)",
          response=answers.StaffAdded)
def add_community_staff(caller: Caller, community_id: str,
                        body: docs.CommunityStaff) -> dict[str, Any]:
    return views.added_staff(directory.add_community_staff(caller, community_id, body))


@bp.route("/communities/{community_id}/categories",
          summary="Ticket categories of a community, with Chinese and English names",
          response=answers.CategoryList)
def list_categories(caller: Caller, community_id: str) -> dict[str, Any]:
    return views.category_list(directory.list_categories(caller, community_id))


@bp.route("/streets", methods=["POST"], body=schemas.NewStreet, status=201,
          summary="Register a street office and its staff (admin)", response=answers.CreatedStreet)
def create_street(caller: Caller, body: docs.NewStreet) -> dict[str, Any]:
    return views.created_street(directory.create_street(caller, body))


@bp.route("/companies", methods=["POST"], body=schemas.NewCompany, status=201,
          summary="Register a property-management company and its staff (admin)",
          response=answers.CreatedCompany)
def create_company(caller: Caller, body: docs.NewCompany) -> dict[str, Any]:
    return views.created_company(directory.create_company(caller, body))


@bp.route("/communities/{community_id}/estates", methods=["POST"], body=schemas.NewEstate,
          status=201, summary="Create an estate with its property company",
          response=answers.CreatedEstate,
          links={"estate_id": "/estate_id"})
def create_estate(caller: Caller, community_id: str, body: docs.NewEstate) -> dict[str, Any]:
    return views.created_estate(directory.create_estate(caller, community_id, body))


@bp.route("/estates/{estate_id}/buildings", methods=["POST"], body=schemas.BuildingBatch,
          status=201, summary="Create or update buildings of an estate",
          response=answers.BuildingsAdded)
def add_buildings(caller: Caller, estate_id: str, body: docs.BuildingBatch) -> dict[str, Any]:
    return views.buildings_added(estate_id, directory.add_buildings(caller, estate_id, body))


@bp.route("/estates/{estate_id}/units", methods=["POST"], status=201,
          content_types=("application/json", CSV), max_body=MAX_IMPORT_BODY, body=None,
          summary="Import units with areas, owners and residents (JSON or CSV)",
          response=answers.UnitsImported, documented_body=schemas.UnitBatch)
def import_units(caller: Caller, estate_id: str) -> dict[str, Any]:
    request = bp.current_request
    content_type = (request.headers.get("content-type") or "application/json").lower()
    raw = raw_body(request)
    if content_type.startswith(CSV):
        batch = docs.units_from_csv(raw)
    else:
        batch = parse_model(schemas.UnitBatch, raw, "request body")
    return views.units_imported(estate_id, directory.import_units(caller, estate_id, batch))


@bp.route("/communities/{community_id}/grids", methods=["POST"], body=schemas.NewGrid, status=201,
          summary="Create a grid with its workers and buildings", response=answers.CreatedGrid)
def create_grid(caller: Caller, community_id: str, body: docs.NewGrid) -> dict[str, Any]:
    return views.created_grid(directory.create_grid(caller, community_id, body))


@bp.route("/communities/{community_id}/grids", summary="Grids of a community",
          response=answers.GridList)
def list_grids(caller: Caller, community_id: str) -> dict[str, Any]:
    return views.grid_list(directory.list_grids(caller, community_id))
