"""Plane and sphere geometry for WGS-84 coordinates as a phone reports them. Pure: no I/O.

Polygons are GeoJSON ``coordinates``: a list of linear rings (the first the outline, the others
holes), each a closed list of ``[lon, lat]`` positions. Rings are treated as planar in degrees,
which is exact enough for an estate a few hundred metres across; the antimeridian is not handled.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8
MIN_RING_POSITIONS = 4

Position = Sequence[float]
Ring = Sequence[Position]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres on the mean-radius sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _on_segment(x: float, y: float, a: Position, b: Position) -> bool:
    (ax, ay), (bx, by) = a[:2], b[:2]
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    if abs(cross) > 1e-12:
        return False
    return min(ax, bx) - 1e-12 <= x <= max(ax, bx) + 1e-12 \
        and min(ay, by) - 1e-12 <= y <= max(ay, by) + 1e-12


def _crossings(x: float, y: float, ring: Ring) -> tuple[bool, bool]:
    """(odd number of crossings of a ray to the east, the point lies on an edge)."""
    inside = False
    for a, b in zip(ring, ring[1:], strict=False):
        if _on_segment(x, y, a, b):
            return True, True
        (ax, ay), (bx, by) = a[:2], b[:2]
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside, False


def contains(rings: Sequence[Ring], lat: float, lon: float) -> bool:
    """Whether the polygon holds the point; its edges belong to it, its holes do not."""
    if not rings:
        return False
    inside, on_edge = _crossings(lon, lat, rings[0])
    if on_edge or not inside:
        return on_edge
    for hole in rings[1:]:
        in_hole, on_hole_edge = _crossings(lon, lat, hole)
        if on_hole_edge:
            return True
        if in_hole:
            return False
    return True


def centroid(ring: Ring) -> tuple[float, float]:
    """``(lat, lon)`` of a ring's area centroid; the mean of its vertices when it has no area."""
    points = list(ring[:-1]) if len(ring) > 1 and list(ring[0]) == list(ring[-1]) else list(ring)
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        step = x0 * y1 - x1 * y0
        area += step
        cx += (x0 + x1) * step
        cy += (y0 + y1) * step
    if abs(area) < 1e-15:
        return (sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points))
    return cy / (3 * area), cx / (3 * area)


def point_problems(lat: float, lon: float) -> list[str]:
    problems = []
    if not -90 <= lat <= 90:
        problems.append("latitude must be within -90..90")
    if not -180 <= lon <= 180:
        problems.append("longitude must be within -180..180")
    return problems


def polygon_problems(rings: Sequence[Sequence[Sequence[float]]], max_positions: int) -> list[str]:
    """What makes ``rings`` an unusable GeoJSON Polygon, or nothing."""
    if not rings:
        return ["a polygon needs at least one ring"]
    problems: list[str] = []
    total = sum(len(ring) for ring in rings)
    if total > max_positions:
        problems.append(f"a polygon has at most {max_positions} positions, this one {total}")
    for r, ring in enumerate(rings):
        if len(ring) < MIN_RING_POSITIONS:
            problems.append(f"ring {r} needs at least {MIN_RING_POSITIONS} positions")
            continue
        bad = [p for p, pos in enumerate(ring) if len(pos) != 2]
        if bad:
            problems.append(f"ring {r} position {bad[0]} must be [lon, lat]")
            continue
        for p, (lon, lat) in enumerate(ring):
            problems += [f"ring {r} position {p}: {m}" for m in point_problems(lat, lon)]
        if list(ring[0]) != list(ring[-1]):
            problems.append(f"ring {r} must be closed: its last position repeats its first")
    return problems
