from functools import lru_cache
from typing import Any

from chalicelib.web.routing import LazySchemas, Resource

answers = LazySchemas("chalicelib.web.responses")
bp = Resource(__name__)


@bp.route("/openapi.json", public=True, summary="This API as an OpenAPI 3.1 document",
          response=answers.OpenApiDocument)
def get_openapi() -> dict[str, Any]:
    return _document()


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """Built on the first request, once all blueprints are registered; then kept per container."""
    from chalicelib.web import openapi

    return openapi.document()
