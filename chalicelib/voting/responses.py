"""Response documents of the voting routes (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
Every exact amount is a fraction ``"n/d"``; the decimals beside it are for display only."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.documents import View

Status = Literal["scheduled", "open", "counting", "closed"]


class Ratio(View):
    fraction: str = Field(description='exact, "n/d"')
    percent: float = Field(description="for display: rounded down to 0.01")


class Area(View):
    m2: float = Field(description="for display, to 0.01 m² (areas still needed rounded up)")
    exact: str = Field(description='exact m², "n/d"')


class HeadCount(View):
    voted: int
    total: int
    not_voted: int
    ratio: Ratio = Field(description="voted / total")


class AreaCount(View):
    voted: Area
    total: Area
    not_voted: Area
    ratio: Ratio = Field(description="voted / total")


class Shortfall(View):
    heads: int = Field(description="the least number of further owners for 2/3 of the heads")
    area: Area = Field(description="the further area for 2/3 of the area")


class BuildingProgress(View):
    building: str
    heads: HeadCount
    area: AreaCount
    shortfall: Shortfall = Field(description="what this building needs for its own 2/3")


class GridProgress(View):
    grid_id: str | None = Field(description="null for buildings in no grid")
    heads: HeadCount
    area: AreaCount
    shortfall: Shortfall = Field(description="what this grid needs for its own 2/3")


class Quorum(View):
    met: bool
    required: str = Field(description="2/3 of the area and 2/3 of the owners, both")
    shortfall: Shortfall = Field(description="what the whole roll still needs")


class Turnout(View):
    heads: HeadCount
    area: AreaCount
    quorum: Quorum
    by_building: list[BuildingProgress]
    by_grid: list[GridProgress]


class Roll(View):
    frozen_at: str
    heads: int
    area: Area


class YourBallot(View):
    voter_id: str
    units: list[str]
    voted: bool
    version: int | None
    choice: str | None
    voted_at: str | None
    channel: Literal["online", "paper"] | None


class PollSummary(View):
    poll_id: str
    community_id: str
    estate_id: str
    title: str
    question: str | None
    matter: Literal["ordinary", "major"]
    options: list[str] = Field(description="the first is the motion")
    ballot: Literal["secret", "open"]
    opens_at: str
    closes_at: str
    created_at: str
    status: Status = Field(description="counting: closed to ballots, result not yet stored")


class PollView(PollSummary):
    roll: Roll | None = Field(description="null until the poll opens")
    turnout: Turnout | None = Field(description="live; null until the poll opens")
    on_roll: bool | None = Field(default=None, description="for owners: whether they may vote")
    you: YourBallot | None = Field(default=None, description="an owner's own place and ballot")


class PollList(View):
    items: list[PollSummary]
    next_cursor: str | None


class BallotReceipt(View):
    poll_id: str
    receipt: str = Field(description="keep it: GET /polls/{id}/receipts/{receipt} checks it")
    version: int
    choice: str
    cast_at: str
    channel: Literal["online", "paper"]
    current: bool = Field(description="false when a later version arrived first")


class ReceiptCheck(BallotReceipt):
    poll_status: Status
    counted: bool | None = Field(description="once counted: whether this version was the one "
                                             "counted; null before")


class Participation(View):
    heads: int
    area: Area
    heads_ratio: Ratio
    area_ratio: Ratio


class OptionResult(Participation):
    option: str


class ResultQuorum(View):
    met: bool
    required: str
    rule: str


class Threshold(View):
    fraction: str
    inclusive: bool = Field(description="true: at least; false: more than")
    rule: str


class Participant(View):
    units: list[str]
    developer: bool
    choice: str | None = Field(default=None, description="only when the ballot was open")


class RollTotals(View):
    heads: int
    area: Area


class PollResult(View):
    poll_id: str
    title: str
    community_id: str
    estate_id: str
    matter: Literal["ordinary", "major"]
    ballot: Literal["secret", "open"]
    options: list[str]
    motion: str
    opens_at: str
    closes_at: str
    closed_at: str | None
    roll_frozen_at: str | None
    counted_at: str
    roll: RollTotals
    participation: Participation = Field(description="ratios of the roll")
    quorum: ResultQuorum
    results: list[OptionResult] = Field(description="ratios of the participation")
    passed: bool
    threshold: Threshold
    rule: str
    rule_zh: str
    explanation: list[str]
    participants: list[Participant] = Field(description="who took part, by their units")


class AuditBallot(View):
    voter_id: str
    units: list[str]
    version: int
    choice: str | None = Field(description="null for a secret ballot: the per-option totals "
                                           "are in the result, each owner checks their own "
                                           "ballot by its receipt")
    at: str
    channel: Literal["online", "paper"]
    cast_by: str | None = Field(description="the owner who cast it online")
    entered_by: str | None = Field(description="the staff member who entered it from paper")
    on_behalf_of: str | None
    detached: bool = Field(description="the person's identity was erased (PIPL)")
    counted: bool


class AuditPage(View):
    poll_id: str
    items: list[AuditBallot]
    next_cursor: str | None
