"""Places of Bangladesh: the gazetteer, resolving free text to a place, and distances between them.

Spec (the contract other modules rely on; nothing here raises on bad text):

- :mod:`~matcher.places.gazetteer` - :class:`Place` (a division, district or upazila with its
  current official English name, Bangla name and ISO 3166-2 codes) and :class:`PlaceLevel`;
  the data files of ``matcher/data/geo/`` (8 divisions, 64 districts, 494 upazilas, 4,540
  unions, real spelling variants), read lazily on first use; :func:`district`,
  :func:`all_divisions`, :func:`all_districts`, :func:`all_upazilas` and
  :func:`suggest_places` (autocomplete, both scripts).
- :mod:`~matcher.places.fold` - how a place name becomes a lookup key, the same for the
  gazetteer and for queries: clean-up, generic words (district, upazila, thana, sadar ...),
  the romanisation skeleton :func:`place_key`.
- :mod:`~matcher.places.resolve` - :func:`resolve_place` ``str | None -> Place | None``: free
  text in either script (or an ISO code such as ``"BD-22"``) to the most specific place it
  names, through exact, skeleton, union and fuzzy lookups; an ambiguous name gives the lowest
  common ancestor of its candidates, never a guess between two districts.
  :func:`resolve_home` reads a record's separate district and upazila fields together.
- :mod:`~matcher.places.geography` - :func:`district_distance_km` (DC offices, great circle),
  :func:`neighbouring_districts` (derived from the DC-office coordinates) and
  :func:`place_relation` -> :class:`PlaceRelation` (SAME_UPAZILA > SAME_DISTRICT > NEIGHBOUR >
  SAME_DIVISION > FAR; UNKNOWN when either side is missing).

None policy: ``None``, empty text, emoji, numbers, very long text (over
:data:`MAX_PLACE_CHARS`) and names that match no place, or several districts equally, resolve
to ``None``; unknown district codes give ``None`` (distance) or ``()`` (neighbours); empty
prefixes give ``[]`` (suggestions).

Results are cached (``lru_cache`` per text and per (district, upazila) pair; the gazetteer and
the neighbour table are built once): the linkage engine resolves every record.
"""

from matcher.places.fold import MAX_PLACE_CHARS, place_key
from matcher.places.gazetteer import (
    FUZZY_MIN_LEN,
    Place,
    PlaceLevel,
    all_districts,
    all_divisions,
    all_upazilas,
    district,
    suggest_places,
)
from matcher.places.geography import (
    NEIGHBOUR_MIN_COUNT,
    NEIGHBOUR_RADIUS_KM,
    PlaceRelation,
    district_distance_km,
    neighbouring_districts,
    place_relation,
)
from matcher.places.resolve import (
    FUZZY_CUTOFF,
    FUZZY_CUTOFF_LOCAL,
    FUZZY_CUTOFF_UPAZILA,
    FUZZY_MARGIN,
    resolve_home,
    resolve_place,
)

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
