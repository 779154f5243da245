"""The voting context's PynamoDB models. Keys and indexes are built in ``store.py``, which
documents the layout. Areas are kept as exact decimals (``DecimalAttribute``): DynamoDB adds
numbers exactly, and the rules read them as fractions."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import NUMBER

from chalicelib.core.db import BaseModel, gsi


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as an exact ``Decimal``."""

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        return format(Decimal(value), "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class Poll(BaseModel):
    """A poll of one estate. ``roll_token`` names the frozen roll (set once, when it opens);
    ``closed_at`` is set when ballots stop and ``result_at`` when the result is stored."""

    poll_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    title = UnicodeAttribute()
    question = UnicodeAttribute(null=True)
    matter = UnicodeAttribute()
    options = ListAttribute(of=UnicodeAttribute)
    ballot = UnicodeAttribute()
    opens_at = UnicodeAttribute()
    closes_at = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    roll_token = UnicodeAttribute(null=True)
    roll_frozen_at = UnicodeAttribute(null=True)
    roll_summary = JSONAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    result_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_close = gsi("gsi2")
    by_open = gsi("gsi3")


class Voter(BaseModel):
    """One head of a frozen roll with its current ballot: ``current`` is the version that
    counts (the highest stored), null until the first ballot."""

    poll_id = UnicodeAttribute()
    voter_id = UnicodeAttribute()
    members = UnicodeSetAttribute(null=True)
    units = ListAttribute(of=UnicodeAttribute)
    area = DecimalAttribute()
    groups = JSONAttribute()
    current = NumberAttribute(null=True)
    choice = UnicodeAttribute(null=True)
    voted_at = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)


class RollKey(BaseModel):
    """Finds a voter of a frozen roll by a member's user id or by one of its units."""

    poll_id = UnicodeAttribute()
    voter_id = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_person = gsi("gsi1")


class VersionCounter(BaseModel):
    """Hands out each voter's ballot version numbers, one atomic addition per ballot."""

    issued = NumberAttribute(default=0)


class Ballot(BaseModel):
    """One version of a voter's ballot, kept for the challenge period: who cast it online, or
    which staff member entered it from paper and for whom."""

    poll_id = UnicodeAttribute()
    voter_id = UnicodeAttribute()
    version = NumberAttribute()
    choice = UnicodeAttribute()
    receipt = UnicodeAttribute()
    at = UnicodeAttribute()
    channel = UnicodeAttribute()
    cast_by = UnicodeAttribute(null=True)
    entered_by = UnicodeAttribute(null=True)
    on_behalf_of = UnicodeAttribute(null=True)
    detached = BooleanAttribute(default=False)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_person = gsi("gsi1")


class Receipt(BaseModel):
    """A receipt code and the ballot version it was given for."""

    poll_id = UnicodeAttribute()
    voter_id = UnicodeAttribute()
    version = NumberAttribute()


class Result(BaseModel):
    """The stored outcome of a closed poll (the document the results route answers)."""

    poll_id = UnicodeAttribute()
    document = JSONAttribute()
    computed_at = UnicodeAttribute()


class Tally(BaseModel):
    """Participation counters of a poll: heads and area of the voters who cast a ballot, in all
    and per group, as flat number attributes added to by each voter's first ballot."""
