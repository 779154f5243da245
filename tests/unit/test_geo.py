"""Pure geometry of the directory: WGS-84 points, GeoJSON polygons ([lon, lat] positions)."""
from __future__ import annotations

import math

import pytest

from chalicelib.directory import geo

# A square of about 200 m around 24.51 N, 117.65 E, with a square hole in its middle.
SQUARE = [[117.649, 24.509], [117.651, 24.509], [117.651, 24.511], [117.649, 24.511],
          [117.649, 24.509]]
HOLE = [[117.6498, 24.5098], [117.6502, 24.5098], [117.6502, 24.5102], [117.6498, 24.5102],
        [117.6498, 24.5098]]


def test_haversine_matches_known_distances() -> None:
    assert geo.distance_m(24.51, 117.65, 24.51, 117.65) == 0
    # one degree of latitude is about 111.2 km on the mean-radius sphere
    assert geo.distance_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-3)
    # Zhangzhou to Xiamen, about 45 km
    assert geo.distance_m(24.513, 117.647, 24.480, 118.089) == pytest.approx(44_800, rel=0.02)
    assert geo.distance_m(10, 20, 30, 40) == pytest.approx(geo.distance_m(30, 40, 10, 20))


def test_haversine_across_the_antimeridian_and_poles() -> None:
    assert geo.distance_m(0, 179.9995, 0, -179.9995) == pytest.approx(111.2, rel=1e-2)
    assert geo.distance_m(90, 0, 90, 120) == pytest.approx(0, abs=1e-6)
    assert geo.distance_m(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_M)


def test_point_in_polygon() -> None:
    assert geo.contains([SQUARE], 24.510, 117.6505)
    assert not geo.contains([SQUARE], 24.512, 117.650)
    assert not geo.contains([SQUARE], 24.510, 117.648)
    assert geo.contains([SQUARE], 24.509, 117.650), "a point on an edge is inside"
    assert geo.contains([SQUARE], 24.509, 117.649), "a vertex is inside"


def test_holes_are_outside() -> None:
    assert not geo.contains([SQUARE, HOLE], 24.510, 117.650)
    assert geo.contains([SQUARE, HOLE], 24.5095, 117.6495)


def test_concave_polygon() -> None:
    # a U shape: the notch between its arms is outside
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    assert geo.contains([u_shape], 2.5, 0.5)
    assert geo.contains([u_shape], 2.5, 2.5)
    assert not geo.contains([u_shape], 2.5, 1.5)


def test_centroid_of_a_ring() -> None:
    lat, lon = geo.centroid(SQUARE)
    assert (lat, lon) == (pytest.approx(24.510), pytest.approx(117.650))
    # a degenerate ring falls back to the mean of its vertices
    line = [[1, 1], [2, 2], [3, 3], [1, 1]]
    assert geo.centroid(line) == (pytest.approx(2), pytest.approx(2))


@pytest.mark.parametrize(("rings", "problem"), [
    ([], "at least one ring"),
    ([[[0, 0], [1, 0], [0, 0]]], "at least 4 positions"),
    ([[[0, 0], [1, 0], [1, 1], [0, 1]]], "closed"),
    ([[[0, 0], [1, 0], [1, 1], [0, 0, 5]]], "[lon, lat]"),
    ([[[0, 0], [181, 0], [1, 1], [0, 0]]], "longitude"),
    ([[[0, 0], [1, 91], [1, 1], [0, 0]]], "latitude"),
    ([[[0, 0], [1, float("nan")], [1, 1], [0, 0]]], "latitude"),
    ([[[0, 0], *[[i / 1000, 1] for i in range(1, 200)], [0, 0]]], "at most 200"),
])
def test_polygon_problems(rings: list[list[list[float]]], problem: str) -> None:
    problems = geo.polygon_problems(rings, max_positions=200)
    assert problems and problem in " ".join(problems), problems


def test_a_good_polygon_has_no_problems() -> None:
    assert geo.polygon_problems([SQUARE, HOLE], max_positions=200) == []
