"""Response documents shared by every route: the error body and the OpenAPI document."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.documents import View


class ErrorDetail(View):
    field: str
    message: str
    type: str | None = None


class ErrorBody(View):
    """Chalice's error shape, with what the error adds."""

    Code: str
    Message: str
    details: list[ErrorDetail] | None = Field(default=None, description="the fields at fault")
    status: str | None = Field(default=None, description="a ticket's status, on a refused "
                                                         "transition")
    retry_after_s: int | None = Field(default=None, description="with 429 and 503, as "
                                                                "Retry-After")
    dependency: str | None = Field(default=None, description="with 503, the service that could "
                                                             "not be reached")


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
