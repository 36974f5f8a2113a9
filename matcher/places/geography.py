"""Geography between places: distances between districts, neighbours, how close two places are.

Spec
----
:func:`district_distance_km` is the great-circle distance between two districts' DC offices
(``None`` for an unknown code). :func:`place_relation` says how close two places are,
strongest first (:class:`PlaceRelation`), ``UNKNOWN`` when either is missing.

``neighbouring_districts`` has no adjacency data to rely on, so it is derived from the DC-office
coordinates: two districts are neighbours when their offices are at most
:data:`NEIGHBOUR_RADIUS_KM` apart, or when one is among the other's :data:`NEIGHBOUR_MIN_COUNT`
nearest districts (so large hill and haor districts with remote offices still get neighbours);
the relation is symmetric. It approximates "shares a border" and is checked against known
borders in the tests. Computed once, on first use.
"""

from __future__ import annotations

import math
from enum import StrEnum
from functools import cache

from matcher.places.gazetteer import Place, PlaceLevel, _gazetteer

__all__ = [
    "EARTH_RADIUS_KM",
    "NEIGHBOUR_MIN_COUNT",
    "NEIGHBOUR_RADIUS_KM",
    "PlaceRelation",
    "district_distance_km",
    "neighbouring_districts",
    "place_relation",
]

NEIGHBOUR_RADIUS_KM = 55.0
"""DC offices at most this far apart make two districts neighbours."""
NEIGHBOUR_MIN_COUNT = 3
"""Every district's nearest few districts are neighbours, whatever the distance."""
EARTH_RADIUS_KM = 6371.0088


class PlaceRelation(StrEnum):
    """How close two places are, strongest first; ``UNKNOWN`` when either side is missing."""

    SAME_UPAZILA = "same_upazila"
    SAME_DISTRICT = "same_district"
    NEIGHBOUR = "neighbour"
    SAME_DIVISION = "same_division"
    FAR = "far"
    UNKNOWN = "unknown"


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def district_distance_km(code_a: str, code_b: str) -> float | None:
    """Great-circle distance in km between two districts' DC offices; ``None`` for unknown codes."""
    g = _gazetteer()
    a, b = g.districts.get(code_a), g.districts.get(code_b)
    if a is None or b is None:
        return None
    return _haversine_km(a.lat, a.lon, b.lat, b.lon)


@cache
def _neighbours() -> dict[str, frozenset[str]]:
    g = _gazetteer()
    codes = sorted(g.districts)
    near: dict[str, set[str]] = {c: set() for c in codes}
    for a in codes:
        dists = sorted(
            (d, b) for b in codes if b != a if (d := district_distance_km(a, b)) is not None
        )
        for rank, (d, b) in enumerate(dists):
            if d <= NEIGHBOUR_RADIUS_KM or rank < NEIGHBOUR_MIN_COUNT:
                near[a].add(b)
                near[b].add(a)
    return {c: frozenset(n) for c, n in near.items()}


def neighbouring_districts(code: str) -> tuple[str, ...]:
    """ISO codes of the districts near ``code`` (rule in the module docstring), nearest first."""
    near = _neighbours().get(code)
    if not near:
        return ()
    return tuple(sorted(near, key=lambda b: (district_distance_km(code, b) or 0.0, b)))


def place_relation(a: Place | None, b: Place | None) -> PlaceRelation:
    """How close two places are: SAME_UPAZILA > SAME_DISTRICT > NEIGHBOUR > SAME_DIVISION > FAR.

    ``UNKNOWN`` if either is missing. When only one side names an upazila the comparison is at
    district level; a division against a district (or upazila) in it is SAME_DIVISION. Symmetric.
    """
    if a is None or b is None:
        return PlaceRelation.UNKNOWN
    if a.level is PlaceLevel.UPAZILA and b.level is PlaceLevel.UPAZILA and a == b:
        return PlaceRelation.SAME_UPAZILA
    if a.district_code is not None and b.district_code is not None:
        if a.district_code == b.district_code:
            return PlaceRelation.SAME_DISTRICT
        if b.district_code in _neighbours().get(a.district_code, frozenset()):
            return PlaceRelation.NEIGHBOUR
    if a.division_code == b.division_code:
        return PlaceRelation.SAME_DIVISION
    return PlaceRelation.FAR
