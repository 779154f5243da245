"""Civil Code Art. 278 counting, worked examples (issue 11): quorum of 2/3 of area AND heads,
ordinary matters more than 1/2 of both, major matters at least 3/4 of both, exact fractions."""
from __future__ import annotations

from fractions import Fraction

import pytest

from chalicelib.voting import counting, display
from chalicelib.voting.counting import Share, count
from chalicelib.voting.electorate import DEVELOPER, UnitEntry, electorate

YES_NO = ["yes", "no"]


def equal_roll(n: int, area: Fraction = Fraction(100)) -> dict[str, Fraction]:
    return {f"v{i:04d}": area for i in range(n)}


def ballots(voters: list[str], yes: int) -> dict[str, str]:
    return {v: "yes" if i < yes else "no" for i, v in enumerate(voters)}


def test_667_of_1000_equal_owners_meet_the_quorum_and_666_do_not() -> None:
    roll = equal_roll(1000)
    voters = sorted(roll)
    assert count("ordinary", YES_NO, roll, ballots(voters[:667], 667)).quorum_met
    outcome = count("ordinary", YES_NO, roll, ballots(voters[:666], 666))
    assert not outcome.quorum_met and not outcome.passed
    assert outcome.participating == Share(666, Fraction(66600))


def test_among_667_participants_334_yes_pass_an_ordinary_matter_and_333_do_not() -> None:
    roll = equal_roll(1000)
    voters = sorted(roll)[:667]
    passed = count("ordinary", YES_NO, roll, ballots(voters, 334))
    assert passed.quorum_met and passed.passed
    assert passed.by_option["yes"] == Share(334, Fraction(33400))
    failed = count("ordinary", YES_NO, roll, ballots(voters, 333))
    assert failed.quorum_met and not failed.passed


def test_headcount_passes_but_area_fails() -> None:
    # three small yes-voters outnumber two large no-voters, but hold less area
    roll = {"a": Fraction(50), "b": Fraction(50), "c": Fraction(50), "d": Fraction(200),
            "e": Fraction(200)}
    outcome = count("ordinary", YES_NO, roll, {"a": "yes", "b": "yes", "c": "yes", "d": "no",
                                               "e": "no"})
    assert outcome.quorum_met
    assert counting.ratio(outcome.by_option["yes"].heads, outcome.participating.heads) \
        == Fraction(3, 5)
    assert counting.ratio(outcome.by_option["yes"].area, outcome.participating.area) \
        == Fraction(150, 550)
    assert not outcome.passed


def test_area_passes_but_headcount_fails() -> None:
    roll = {"a": Fraction(500), "b": Fraction(50), "c": Fraction(50)}
    outcome = count("ordinary", YES_NO, roll, {"a": "yes", "b": "no", "c": "no"})
    assert outcome.quorum_met and not outcome.passed
    assert outcome.by_option["yes"] == Share(1, Fraction(500))


def test_quorum_fails_on_area_alone_and_on_heads_alone() -> None:
    roll = {"big": Fraction(1000), "a": Fraction(10), "b": Fraction(10), "c": Fraction(10)}
    heads_only = count("ordinary", YES_NO, roll, {"a": "yes", "b": "yes", "c": "yes"})
    assert not heads_only.quorum_met  # 3/4 of heads, 30/1030 of the area
    roll = {"big": Fraction(1000), "a": Fraction(10), "b": Fraction(10)}
    area_only = count("ordinary", YES_NO, roll, {"big": "yes"})
    assert not area_only.quorum_met  # 1000/1020 of the area, 1/3 of heads


def test_exactly_two_thirds_is_a_quorum() -> None:
    roll = {"a": Fraction(1), "b": Fraction(1), "c": Fraction(1)}
    outcome = count("ordinary", YES_NO, roll, {"a": "yes", "b": "yes"})
    assert counting.ratio(outcome.participating.heads, outcome.roll.heads) == Fraction(2, 3)
    assert outcome.quorum_met and outcome.passed
    just_below = {"a": Fraction(2), "b": Fraction(2), "c": Fraction(2) + Fraction(1, 1000)}
    outcome = count("ordinary", YES_NO, just_below, {"a": "yes", "b": "yes"})
    assert counting.ratio(outcome.participating.area, outcome.roll.area) == Fraction(4000, 6001)
    assert not outcome.quorum_met  # 2/3 of the heads, 4/6.001 of the area


def test_exactly_three_quarters_passes_a_major_matter_and_just_below_does_not() -> None:
    roll = equal_roll(4)
    voters = sorted(roll)
    at_bound = count("major", YES_NO, roll, ballots(voters, 3))
    assert at_bound.quorum_met and at_bound.passed
    uneven = {"a": Fraction(30), "b": Fraction(30), "c": Fraction(30), "d": Fraction(30) +
              Fraction(1, 100)}
    below = count("major", YES_NO, uneven, {"a": "yes", "b": "yes", "c": "yes", "d": "no"})
    assert below.by_option["yes"].heads * 4 == below.participating.heads * 3
    assert not below.passed  # 90 / 120.01 of the area is just below 3/4


def test_exactly_half_does_not_pass_an_ordinary_matter() -> None:
    roll = equal_roll(4)
    outcome = count("ordinary", YES_NO, roll, ballots(sorted(roll), 2))
    assert outcome.quorum_met and not outcome.passed


def test_every_ballot_counts_as_participation_whatever_its_choice() -> None:
    roll = equal_roll(3)
    outcome = count("ordinary", ["yes", "no", "abstain"], roll,
                    {"v0000": "abstain", "v0001": "abstain", "v0002": "yes"})
    assert outcome.quorum_met and not outcome.passed
    assert outcome.by_option["abstain"].heads == 2


def test_one_owner_with_three_units_counts_once_with_their_whole_area() -> None:
    units = [UnitEntry("1-101", "1", Fraction(80), ("lin",)),
             UnitEntry("1-102", "1", Fraction(60), ("lin",)),
             UnitEntry("2-101", "2", Fraction(100), ("lin",)),
             UnitEntry("2-102", "2", Fraction(90), ("wang",))]
    roll = electorate(units, {"1": "g1", "2": "g2"})
    [lin] = [e for e in roll if "lin" in e.members]
    assert len(roll) == 2 and lin.area == 240 and lin.units == ("1-101", "1-102", "2-101")
    outcome = count("ordinary", YES_NO, {e.voter_id: e.area for e in roll},
                    {lin.voter_id: "yes"})
    assert outcome.roll == Share(2, Fraction(330)) and outcome.participating.heads == 1


def test_the_developers_unsold_units_count_as_one_head() -> None:
    units = [UnitEntry(f"9-{i}", "9", Fraction(120), developer_unsold=True) for i in range(5)]
    units.append(UnitEntry("1-101", "1", Fraction(90), ("lin",)))
    roll = {e.voter_id: e for e in electorate(units, {})}
    assert set(roll) == {DEVELOPER, "u:1-101"}
    assert roll[DEVELOPER].area == 600 and roll[DEVELOPER].members == frozenset()
    outcome = count("major", YES_NO, {v: e.area for v, e in roll.items()}, {DEVELOPER: "yes"})
    assert outcome.roll.heads == 2 and not outcome.quorum_met  # 1 head of 2 is below 2/3


def test_a_ballot_from_outside_the_roll_or_off_the_options_is_refused() -> None:
    with pytest.raises(ValueError):
        count("ordinary", YES_NO, equal_roll(2), {"stranger": "yes"})
    with pytest.raises(ValueError):
        count("ordinary", YES_NO, equal_roll(2), {"v0000": "maybe"})


def test_an_empty_roll_has_no_quorum() -> None:
    outcome = count("ordinary", YES_NO, {}, {})
    assert not outcome.quorum_met and not outcome.passed
    assert counting.ratio(0, 0) == 0


def test_the_explanation_names_the_exact_fractions() -> None:
    roll = equal_roll(1000)
    outcome = count("ordinary", YES_NO, roll, ballots(sorted(roll)[:667], 334))
    assert "667 of 1000 owners (667/1000)" in outcome.explanation[0]
    assert "334 of 667" in outcome.explanation[1] and "passed" in outcome.explanation[1]


def test_shortfall_is_the_least_that_reaches_two_thirds() -> None:
    assert counting.heads_needed(0, 1000) == 667
    assert counting.heads_needed(666, 1000) == 1
    assert counting.heads_needed(667, 1000) == 0
    assert counting.heads_needed(2, 3) == 0 and counting.heads_needed(1, 3) == 1
    assert counting.area_needed(Fraction(100), Fraction(300)) == 100
    assert counting.area_needed(Fraction(250), Fraction(300)) == 0
    assert counting.area_needed(Fraction(0), Fraction(1001, 10)) == Fraction(1001, 15)


def test_display_keeps_the_exact_fraction_and_never_overstates() -> None:
    assert display.ratio(Fraction(666, 1000)) == {"fraction": "333/500", "percent": 66.6}
    assert display.ratio(Fraction(2, 3)) == {"fraction": "2/3", "percent": 66.66}
    assert display.area(Fraction(1001, 15), needed=True) == {"m2": 66.74, "exact": "1001/15"}
    assert display.decimal_text(Fraction(1771, 20)) == "88.55"
    assert display.fraction_of(88.55) == Fraction(1771, 20)
    with pytest.raises(ValueError):
        display.decimal_text(Fraction(1, 3))
