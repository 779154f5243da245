"""Who a notice is addressed to, and when it has expired: pure rules.

A notice goes to the residents of its community, of one estate, or of one building of an
estate. A resident is addressed through their homes (units) in the community; anyone else who
belongs to the community (property staff, grid workers) through the community alone.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

Audience = Literal["community", "estate", "building"]
AUDIENCES: tuple[Audience, ...] = ("community", "estate", "building")


class HomeLike(Protocol):
    @property
    def community_id(self) -> str | None: ...

    @property
    def estate_id(self) -> str: ...

    @property
    def building(self) -> str: ...


def address(audience: str, community_id: str, estate_id: str | None = None,
            building: str | None = None) -> str:
    """The address of a notice: ``community:{id}``, ``estate:{id}`` or
    ``building:{estate}:{building}``. Raises ValueError when a part it needs is missing."""
    if audience == "community":
        return f"community:{community_id}"
    if audience == "estate" and estate_id:
        return f"estate:{estate_id}"
    if audience == "building" and estate_id and building:
        return f"building:{estate_id}:{building}"
    raise ValueError(f"incomplete {audience} audience")


def reader_addresses(community_id: str, homes: Iterable[HomeLike]) -> list[str]:
    """The addresses that reach a reader of ``community_id`` living in ``homes``: the community,
    then the estate and building of each home there."""
    found = [address("community", community_id)]
    for home in homes:
        if home.community_id == community_id:
            found.append(address("estate", community_id, home.estate_id))
            found.append(address("building", community_id, home.estate_id, home.building))
    return list(dict.fromkeys(found))


def is_addressed(notice_address: str, reader: Iterable[str]) -> bool:
    return notice_address in set(reader)


def is_expired(expiry: str | None, now: str) -> bool:
    """An ISO ``expiry`` at or before ``now`` (same ISO form) has passed."""
    return expiry is not None and expiry <= now
