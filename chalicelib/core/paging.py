"""Opaque list cursors: the sort key of the last item a page returned."""
from __future__ import annotations

import base64
import json

from chalicelib.core.errors import InvalidInputError


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """Raises InvalidInputError for a cursor this API did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)["k"]
        if not isinstance(key, str) or "#" not in key:
            raise ValueError(key)
        return key
    except (ValueError, KeyError, TypeError, RecursionError) as err:
        raise InvalidInputError("invalid cursor", [{"field": "cursor", "message": "invalid"}]
                                ) from err
