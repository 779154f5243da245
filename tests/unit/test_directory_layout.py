"""The directory's layout (STYLE.md): only its store knows keys, indexes and transactions; models
declare attributes; one blueprint; other contexts keep importing what they use from the service."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from chalicelib.directory import models

DIRECTORY = Path(__file__).resolve().parents[2] / "chalicelib" / "directory"
PREFIXES = "COMMUNITY|ESTATE|USER|MEMBER|COMPANY|STREET|GRID|BUILDING|UNIT"
KEY_PREFIX = re.compile(rf"""["'](?:{PREFIXES})#""")
MODELS = "Building|Community|Company|Estate|Grid|Membership|Street|Unit"
STORAGE = re.compile(rf"\b(?:{MODELS})\.(?:query|get|batch_get|batch_write|scan|by_\w+|pk|sk)\b"
                     r"|\btransaction\(|condition=")
OUTSIDE_NAMES = (
    "load_scope", "Scope", "get_community", "get_estate", "get_company", "find_building",
    "find_unit", "categories", "category_codes", "visible_community", "DEVICE_CATEGORIES",
    "DEFAULT_CATEGORIES", "create_community", "create_street", "create_company",
    "create_estate", "add_buildings", "import_units", "create_grid", "list_grids", "me",
    "estate_at",
)
SCOPE_ATTRIBUTES = ("homes", "home_estates", "company_ids", "managed_estates", "grid_ids",
                    "street_ids", "street_communities", "communities", "staffed_communities",
                    "community_id", "staffs_community")


def sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in DIRECTORY.glob("*.py")}


def test_only_the_store_builds_keys() -> None:
    offenders = [name for name, text in sources().items()
                 if name != "store.py" and KEY_PREFIX.search(text)]
    assert offenders == []
    assert KEY_PREFIX.search(sources()["store.py"])


def test_only_the_store_reads_and_writes_the_table() -> None:
    offenders = {name: STORAGE.findall(text) for name, text in sources().items()
                 if name != "store.py" and STORAGE.search(text)}
    assert offenders == {}


def test_models_declare_attributes_only() -> None:
    for _, model in inspect.getmembers(models, inspect.isclass):
        if issubclass(model, models.BaseModel) and model is not models.BaseModel:
            assert "key" not in vars(model), model.__name__


def test_one_blueprint_for_the_directory() -> None:
    names = {p.name for p in DIRECTORY.glob("*.py")}
    assert not {"me_routes.py", "category_routes.py"} & names
    assert {"store.py", "views.py", "geo.py", "routes.py", "service.py"} <= names
    app_text = (DIRECTORY.parents[1] / "app.py").read_text()
    assert "me_routes" not in app_text and "category_routes" not in app_text


def test_routes_of_the_directory_blueprint() -> None:
    from chalicelib.directory import routes
    from chalicelib.web.routing import ROUTES

    paths = {(r.path, r.method) for r in ROUTES if r.name in vars(routes)}
    assert {("/me", "GET"), ("/communities/{community_id}/categories", "GET"),
            ("/communities/{community_id}/staff", "POST")} <= paths


def test_other_contexts_find_their_names_in_the_service() -> None:
    from chalicelib.directory import service

    missing = [name for name in OUTSIDE_NAMES if not hasattr(service, name)]
    assert missing == []
    for attribute in SCOPE_ATTRIBUTES:
        assert hasattr(service.Scope, attribute) or attribute in service.Scope.__dataclass_fields__
    assert callable(service.Scope.supervises_community)
    assert callable(service.Scope.belongs_to_community)
