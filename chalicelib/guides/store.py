"""The only code that knows how guides are kept: keys, indexes, conditions, transactions.

- Guide: pk ``GUIDE#{id}``, sk ``GUIDE``; gsi1 ``GUIDES#{community}`` / ``{created_at}#{id}``:
  a community's guides in one index partition, in the order they were created.
- GuideCount: pk ``GUIDES#{community}``, sk ``COUNT``: how many guides the community holds,
  updated in the transaction of each create (on the condition that it stays within
  ``MAX_GUIDES``) and delete. So the partition a search reads is bounded.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.guides.models import Guide, GuideCount

MAX_GUIDES = 100
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class FullError(Exception):
    """The community holds ``MAX_GUIDES`` guides already."""


class GoneError(Exception):
    """The guide is no longer there."""


def guide_key(guide_id: str) -> tuple[str, str]:
    return f"GUIDE#{guide_id}", "GUIDE"


def _count_key(community_id: str) -> tuple[str, str]:
    return f"GUIDES#{community_id}", "COUNT"


def new_guide(**values: Any) -> Guide:
    """A guide item with its index keys (not yet stored)."""
    guide = Guide(*guide_key(values["guide_id"]), **values)
    guide.gsi1pk = f"GUIDES#{guide.community_id}"
    guide.gsi1sk = position(guide)
    return guide


def position(guide: Guide) -> str:
    """Where the guide sorts in its community's list (a cursor)."""
    return f"{guide.created_at}#{guide.guide_id}"


def get(guide_id: str) -> Guide | None:
    if not _ID.match(guide_id):
        return None
    try:
        return Guide.get(*guide_key(guide_id))
    except DoesNotExist:
        return None


def of_community(community_id: str, after: str | None = None,
                 limit: int | None = None) -> Iterator[Guide]:
    """The community's guides in list order after the position ``after`` (at most
    ``MAX_GUIDES`` in all)."""
    index = Guide.by_community
    condition = sort_key(index) > after if after else None
    page = min(limit, MAX_GUIDES) if limit else MAX_GUIDES
    return iter(index.query(f"GUIDES#{community_id}", condition, limit=limit, page_size=page))


def create(guide: Guide) -> None:
    """Save a new guide and count it. Raises FullError."""
    counter = GuideCount(*_count_key(guide.community_id))
    try:
        with transaction() as tx:
            tx.update(counter, actions=[GuideCount.held.add(1)],
                      condition=GuideCount.held.does_not_exist()
                      | (GuideCount.held < MAX_GUIDES))
            tx.save(guide, condition=Guide.pk.does_not_exist())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise FullError(guide.community_id) from err
        raise


def replace(guide: Guide) -> None:
    """Store a guide's new content over the one there. Raises GoneError."""
    try:
        guide.save(condition=Guide.pk.exists() & (Guide.community_id == guide.community_id))
    except PutError as err:
        if is_conditional_failure(err):
            raise GoneError(guide.guide_id) from err
        raise


def delete(guide: Guide) -> None:
    """Delete a guide and uncount it. Raises GoneError."""
    try:
        with transaction() as tx:
            tx.delete(Guide(*guide_key(guide.guide_id)), condition=Guide.pk.exists())
            tx.update(GuideCount(*_count_key(guide.community_id)),
                      actions=[GuideCount.held.add(-1)], condition=GuideCount.held > 0)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise GoneError(guide.guide_id) from err
        raise
