import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.errors import InvalidInputError
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.tickets.disclosure import mask_name


@given(st.text(min_size=1, max_size=80).map(lambda s: f"2026-11-28T00:00:00.000Z#{s}"))
def test_cursor_round_trip(key):
    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize("cursor", ["", "!!!", "eyJ4IjogMX0", "bm90IGpzb24"])
def test_foreign_cursor_is_bad_input(cursor):
    with pytest.raises(InvalidInputError):
        decode_cursor(cursor)


def test_mask_name():
    assert mask_name("林小梅") == "林**"
    assert mask_name("Lin Xiaomei") == "L***"
    assert mask_name("林") == "*"
    assert mask_name(None) is None
