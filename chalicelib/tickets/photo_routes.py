from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import (
    JSON,
    Caller,
    LazySchemas,
    Resource,
    json_response,
    parse_model,
    raw_body,
)

if TYPE_CHECKING:
    from chalicelib.tickets import photos
    from chalicelib.tickets import schemas as docs
else:
    photos = lazy("chalicelib.tickets.photos")

schemas = LazySchemas("chalicelib.tickets.schemas")
answers = LazySchemas("chalicelib.tickets.responses")
bp = Resource(__name__)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/jpg")
SLACK = 64 * 1024


@bp.route("/tickets/{ticket_id}/photos", methods=["POST"], status=201,
          content_types=(JSON, *IMAGE_TYPES), max_body=5 * 1024 * 1024 + SLACK,
          query=schemas.PhotoQuery,
          responses={202: "The image body is stored and will be processed"},
          summary="A new upload slot (JSON body), or a direct image upload",
          response={201: answers.UploadSlot, 202: answers.DirectUpload},
          documented_body=schemas.NewPhoto)
def add_photo(caller: Caller, ticket_id: str, query: docs.PhotoQuery) -> Any:
    request = bp.current_request
    content_type = (request.headers.get("content-type") or JSON).lower()
    if content_type.startswith("image/"):
        result = photos.direct_upload(caller, ticket_id, raw_body(request), content_type,
                                      purpose=query.purpose)
        return json_response(result, 202)
    raw = raw_body(request)
    body = parse_model(schemas.NewPhoto, raw, "request body")
    purpose = body.purpose if raw else query.purpose
    return photos.new_slot(caller, ticket_id, purpose)

