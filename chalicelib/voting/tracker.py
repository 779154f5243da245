"""The live turnout of an open poll and what it still needs, overall and by building and grid
(pure), so canvassers know where to knock.

For the whole roll and for each group (``building:{id}``, ``grid:{id}``): the heads and area of
the roll, of those who voted and of those who have not, and the shortfall, the least number of
further heads and the further area with which that group's own turnout would reach 2/3 (zero
once it does). A group is reached when its own shortfall is zero; the quorum is the whole roll's.
An owner with units in several buildings counts as a head in each of them, so group heads may
add up to more than the roll's; the area adds up exactly.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from chalicelib.voting.counting import Share, area_needed, heads_needed, quorum_met


@dataclass(frozen=True)
class Progress:
    total: Share
    voted: Share

    @property
    def not_voted(self) -> Share:
        return self.total - self.voted

    @property
    def heads_short(self) -> int:
        return heads_needed(self.voted.heads, self.total.heads)

    @property
    def area_short(self) -> Fraction:
        return area_needed(self.voted.area, self.total.area)


@dataclass(frozen=True)
class Turnout:
    overall: Progress
    quorum_met: bool
    groups: dict[str, Progress]


def turnout(total: Share, voted: Share, group_totals: Mapping[str, Share],
            group_voted: Mapping[str, Share]) -> Turnout:
    groups = {g: Progress(t, group_voted.get(g, Share())) for g, t in sorted(group_totals.items())}
    return Turnout(Progress(total, voted), quorum_met(voted, total), groups)
