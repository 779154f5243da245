"""The roll from the unit registry: heads, weights, co-owners, unregistered units, groups."""
from __future__ import annotations

from fractions import Fraction

import pytest

from chalicelib.voting.electorate import DEVELOPER, UnitEntry, electorate
from chalicelib.voting.tracker import turnout

GRIDS = {"1": "g1", "2": "g2", "3": None}


def roll_of(*units: UnitEntry) -> dict[str, object]:
    return {e.voter_id: e for e in electorate(units, GRIDS)}


def test_co_owners_of_a_unit_are_one_head_that_any_of_them_may_vote_for() -> None:
    roll = roll_of(UnitEntry("1-201", "1", Fraction(895, 10), ("zhou", "wu")),
                   UnitEntry("1-101", "1", Fraction(895, 10), ("lin",)))
    assert set(roll) == {"u:1-101", "u:1-201"}
    assert roll["u:1-201"].members == frozenset({"zhou", "wu"})  # type: ignore[attr-defined]


def test_owners_linked_through_a_shared_unit_form_one_head_with_all_their_units() -> None:
    roll = electorate([UnitEntry("a", "1", Fraction(50), ("lin",)),
                       UnitEntry("b", "2", Fraction(60), ("lin", "wang")),
                       UnitEntry("c", "2", Fraction(70), ("wang",)),
                       UnitEntry("d", "2", Fraction(80), ("zheng",))], GRIDS)
    assert [(e.voter_id, e.members, e.units, e.area) for e in roll] == [
        ("u:a", frozenset({"lin", "wang"}), ("a", "b", "c"), 180),
        ("u:d", frozenset({"zheng"}), ("d",), 80)]
    people = [m for e in roll for m in e.members]
    assert len(people) == len(set(people))


def test_a_unit_without_owner_is_one_head_voted_on_paper() -> None:
    roll = roll_of(UnitEntry("3-101", "3", Fraction(121)))
    assert roll["u:3-101"].members == frozenset()  # type: ignore[attr-defined]


def test_owners_listed_on_unsold_units_do_not_vote_for_the_developer() -> None:
    roll = roll_of(UnitEntry("3-101", "3", Fraction(121), ("agent",), developer_unsold=True),
                   UnitEntry("1-101", "1", Fraction(90), ("agent",)))
    assert roll[DEVELOPER].members == frozenset()  # type: ignore[attr-defined]
    assert roll["u:1-101"].members == frozenset({"agent"})  # type: ignore[attr-defined]


def test_areas_count_by_building_and_by_grid() -> None:
    [lin] = electorate([UnitEntry("1-101", "1", Fraction(90), ("lin",)),
                        UnitEntry("3-101", "3", Fraction(30), ("lin",))], GRIDS)
    assert lin.area_by_group == {"building:1": 90, "grid:g1": 90, "building:3": 30,
                                 "grid:": 30}


def test_units_without_positive_area_or_listed_twice_are_refused() -> None:
    with pytest.raises(ValueError):
        electorate([UnitEntry("a", "1", Fraction(0), ("lin",))], GRIDS)
    with pytest.raises(ValueError):
        electorate([UnitEntry("a", "1", Fraction(5)), UnitEntry("a", "1", Fraction(5))], GRIDS)


def test_turnout_by_group_and_its_shortfall() -> None:
    from chalicelib.voting.counting import Share

    result = turnout(Share(3, Fraction(300)), Share(1, Fraction(100)),
                     {"building:1": Share(2, Fraction(200)), "building:2": Share(1, Fraction(100))},
                     {"building:1": Share(1, Fraction(100))})
    assert not result.quorum_met
    assert (result.overall.heads_short, result.overall.area_short) == (1, 100)
    one, two = result.groups["building:1"], result.groups["building:2"]
    assert one.not_voted == Share(1, Fraction(100)) and one.heads_short == 1
    assert two.voted == Share() and (two.heads_short, two.area_short) == (1, Fraction(200, 3))


def test_an_area_finer_than_a_square_centimetre_is_refused_naming_its_unit() -> None:
    assert electorate([UnitEntry("a", "1", Fraction("88.1234"), ("lin",))], GRIDS)
    with pytest.raises(ValueError, match="unit b"):
        electorate([UnitEntry("a", "1", Fraction(5), ("lin",)),
                    UnitEntry("b", "1", Fraction(1, 10**50), ("wang",))], GRIDS)
