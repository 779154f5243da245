"""How an owners' vote is counted under PRC Civil Code Article 278, in exact rational arithmetic
(``fractions.Fraction``; never a float).

- Quorum (参与表决): the owners who vote hold at least 2/3 of the exclusive area of the roll AND
  are at least 2/3 of its headcount (三分之二以上: "以上" includes the bound, Art. 1259).
- An ``ordinary`` matter passes when owners holding more than 1/2 of the participating area AND
  more than 1/2 of the participating owners approve (过半数: strictly more).
- A ``major`` matter (raising or using maintenance funds, rebuilding, changing the use of common
  parts) needs at least 3/4 of the participating area AND of the participating owners.

Approval is a ballot for the motion, the first option; every ballot cast counts as
participation, whatever its choice. Without a quorum nothing passes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Matter = Literal["ordinary", "major"]
QUORUM = Fraction(2, 3)
ORDINARY = Fraction(1, 2)
MAJOR = Fraction(3, 4)

RULES = {
    "ordinary": (
        "Civil Code Art. 278, ordinary matter: a quorum needs owners holding at least 2/3 of "
        "the exclusive area and at least 2/3 of all owners to vote; the motion passes when "
        "owners holding more than 1/2 of the participating area and more than 1/2 of the "
        "participating owners approve it.",
        "《民法典》第二百七十八条，一般事项：由专有部分面积占比三分之二以上的业主且人数占比三分之二"
        "以上的业主参与表决，并经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。",
    ),
    "major": (
        "Civil Code Art. 278, major matter (maintenance funds, rebuilding, change of use of "
        "common parts): a quorum needs owners holding at least 2/3 of the exclusive area and at "
        "least 2/3 of all owners to vote; the motion passes when owners holding at least 3/4 of "
        "the participating area and at least 3/4 of the participating owners approve it.",
        "《民法典》第二百七十八条，重大事项（筹集、使用维修资金，改建、重建建筑物，改变共有部分用途等）："
        "由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决，并经参与表决专有"
        "部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意。",
    ),
}


@dataclass(frozen=True)
class Share:
    """Owners counted together: how many heads and how much exclusive area (m²)."""

    heads: int = 0
    area: Fraction = Fraction(0)

    def __add__(self, other: Share) -> Share:
        return Share(self.heads + other.heads, self.area + other.area)

    def __sub__(self, other: Share) -> Share:
        return Share(self.heads - other.heads, self.area - other.area)


def ratio(part: int | Fraction, whole: int | Fraction) -> Fraction:
    """``part / whole``, and 0 of nothing."""
    return Fraction(part) / whole if whole else Fraction(0)


def quorum_met(participating: Share, roll: Share) -> bool:
    return (roll.heads > 0 and ratio(participating.heads, roll.heads) >= QUORUM
            and ratio(participating.area, roll.area) >= QUORUM)


def approved(matter: Matter, motion: Share, participating: Share) -> bool:
    """Whether the motion's support clears the bar of ``matter`` among those who voted."""
    if participating.heads == 0:
        return False
    heads = ratio(motion.heads, participating.heads)
    area = ratio(motion.area, participating.area)
    if matter == "major":
        return heads >= MAJOR and area >= MAJOR
    return heads > ORDINARY and area > ORDINARY


@dataclass(frozen=True)
class Outcome:
    matter: Matter
    roll: Share
    participating: Share
    by_option: dict[str, Share]
    quorum_met: bool
    passed: bool
    explanation: list[str] = field(default_factory=list)


def count(matter: Matter, options: Sequence[str], roll: Mapping[str, Fraction],
          choices: Mapping[str, str]) -> Outcome:
    """The outcome of a poll whose roll gives each voter's area (each voter is one head) and
    whose counted ballots give each voter's choice. Raises ValueError for a ballot of someone
    not on the roll or for a choice that is not an option."""
    strangers = set(choices) - set(roll)
    if strangers:
        raise ValueError(f"ballots of voters not on the roll: {sorted(strangers)}")
    by_option = {option: Share() for option in options}
    for voter, choice in choices.items():
        if choice not in by_option:
            raise ValueError(f"choice {choice!r} is not an option")
        by_option[choice] += Share(1, roll[voter])
    total = Share(len(roll), sum(roll.values(), Fraction(0)))
    participating = sum(by_option.values(), Share())
    motion = by_option[options[0]]
    met = quorum_met(participating, total)
    passed = met and approved(matter, motion, participating)
    return Outcome(matter, total, participating, by_option, met, passed,
                   explain(matter, options[0], motion, participating, total, met, passed))


def text(value: Fraction) -> str:
    """A fraction as ``"n/d"`` (``"0/1"`` for nothing)."""
    return f"{value.numerator}/{value.denominator}"


def explain(matter: Matter, option: str, motion: Share, participating: Share, roll: Share,
            met: bool, passed: bool) -> list[str]:
    """The outcome in words, each comparison with its exact fractions."""
    heads = ratio(participating.heads, roll.heads)
    area = ratio(participating.area, roll.area)
    lines = [f"participation: {participating.heads} of {roll.heads} owners ({text(heads)}) "
             f"holding {text(area)} of the area; the quorum needs at least 2/3 of both: "
             + ("met" if met else "not met")]
    if not met:
        lines.append("without a quorum the motion does not pass")
        return lines
    bar = "at least 3/4" if matter == "major" else "more than 1/2"
    lines.append(
        f"{option!r}: {motion.heads} of {participating.heads} participating owners "
        f"({text(ratio(motion.heads, participating.heads))}) holding "
        f"{text(ratio(motion.area, participating.area))} of the participating area; "
        f"a {matter} matter needs {bar} of both: " + ("passed" if passed else "not passed"))
    return lines


def heads_needed(voted: int, total: int) -> int:
    """How many more owners must vote for ``voted`` of ``total`` to reach 2/3: the least n
    with (voted + n) / total >= 2/3."""
    return max(0, -(-total * QUORUM.numerator // QUORUM.denominator) - voted)


def area_needed(voted: Fraction, total: Fraction) -> Fraction:
    """How much more area must vote for ``voted`` of ``total`` to reach 2/3."""
    return max(Fraction(0), total * QUORUM - voted)
