# TEMPORARY re-export shim (issue 10): the lead removes it after merging; import from matcher.names / matcher.places.  # noqa: E501
"""Old path of :mod:`matcher.places` (gazetteer, resolution, geography); re-exports only.

``_gazetteer`` is deliberately not re-exported: monkeypatching it here would no longer reach
the code that calls it (patch ``matcher.places.resolve._gazetteer``).
"""

from matcher.places import (
    FUZZY_CUTOFF,
    FUZZY_CUTOFF_LOCAL,
    FUZZY_CUTOFF_UPAZILA,
    FUZZY_MARGIN,
    FUZZY_MIN_LEN,
    MAX_PLACE_CHARS,
    NEIGHBOUR_MIN_COUNT,
    NEIGHBOUR_RADIUS_KM,
    Place,
    PlaceLevel,
    PlaceRelation,
    all_districts,
    all_divisions,
    all_upazilas,
    district,
    district_distance_km,
    neighbouring_districts,
    place_key,
    place_relation,
    resolve_home,
    resolve_place,
    suggest_places,
)
from matcher.places.gazetteer import _build_gazetteer
from matcher.places.resolve import _resolve_cached, _resolve_home, _resolve_home_cached

__all__ = [
    "FUZZY_CUTOFF",
    "FUZZY_CUTOFF_LOCAL",
    "FUZZY_CUTOFF_UPAZILA",
    "FUZZY_MARGIN",
    "FUZZY_MIN_LEN",
    "MAX_PLACE_CHARS",
    "NEIGHBOUR_MIN_COUNT",
    "NEIGHBOUR_RADIUS_KM",
    "Place",
    "PlaceLevel",
    "PlaceRelation",
    "_build_gazetteer",
    "_resolve_cached",
    "_resolve_home",
    "_resolve_home_cached",
    "all_districts",
    "all_divisions",
    "all_upazilas",
    "district",
    "district_distance_km",
    "neighbouring_districts",
    "place_key",
    "place_relation",
    "resolve_home",
    "resolve_place",
    "suggest_places",
]
