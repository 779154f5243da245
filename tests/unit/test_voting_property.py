"""The tally equals a brute-force recount from the ballot history: the last version of each
voter counts, and the Art. 278 bars are checked again by integer cross-multiplication."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.voting.counting import Share, count

OPTIONS = ["yes", "no", "abstain", "other"]


@st.composite
def polls(draw: st.DrawFn) -> tuple[str, list[str], list[int], list[tuple[int, int]]]:
    matter = draw(st.sampled_from(["ordinary", "major"]))
    options = OPTIONS[:draw(st.integers(2, 4))]
    cents = draw(st.lists(st.integers(1, 20_000), min_size=1, max_size=30))
    history = draw(st.lists(st.tuples(st.integers(0, len(cents) - 1),
                                      st.integers(0, len(options) - 1)), max_size=80))
    return matter, options, cents, history


def brute_force(matter: str, options: list[str], cents: list[int],
                history: list[tuple[int, int]]) -> dict[str, object]:
    last: dict[int, int] = {}
    for voter, choice in history:
        last[voter] = choice
    heads = {o: 0 for o in options}
    area = {o: 0 for o in options}
    for voter, choice in last.items():
        heads[options[choice]] += 1
        area[options[choice]] += cents[voter]
    part_heads, part_area = len(last), sum(cents[v] for v in last)
    quorum = 3 * part_heads >= 2 * len(cents) and 3 * part_area >= 2 * sum(cents)
    yes_heads, yes_area = heads[options[0]], area[options[0]]
    if matter == "major":
        bar = 4 * yes_heads >= 3 * part_heads and 4 * yes_area >= 3 * part_area
    else:
        bar = 2 * yes_heads > part_heads and 2 * yes_area > part_area
    return {"participating": (part_heads, part_area), "heads": heads, "area": area,
            "quorum": quorum, "passed": quorum and part_heads > 0 and bar}


@settings(max_examples=300, deadline=None)
@given(polls())
def test_tally_equals_a_recount_of_the_history(
        poll: tuple[str, list[str], list[int], list[tuple[int, int]]]) -> None:
    matter, options, cents, history = poll
    roll = {f"v{i}": Fraction(c, 100) for i, c in enumerate(cents)}
    counted: dict[str, str] = {}
    for voter, choice in history:
        counted[f"v{voter}"] = options[choice]
    outcome = count(matter, options, roll, counted)  # type: ignore[arg-type]
    expected = brute_force(matter, options, cents, history)
    part_heads, part_cents = expected["participating"]  # type: ignore[misc]
    assert outcome.participating == Share(part_heads, Fraction(part_cents, 100))
    assert {o: s.heads for o, s in outcome.by_option.items()} == expected["heads"]
    assert {o: s.area * 100 for o, s in outcome.by_option.items()} == expected["area"]
    assert outcome.quorum_met == expected["quorum"]
    assert outcome.passed == expected["passed"]
