"""Shondhan's record-linkage core: match border interceptions against missing-person reports.

A pure library (no web framework, no database, no I/O at import). See docs/ARCHITECTURE.md for
the module map and the contract of each public function.
"""

from matcher.csvio import (
    MissingColumnError,
    Reject,
    iter_interceptions,
    iter_reports,
    write_candidates,
)
from matcher.dates import expected_age, is_heaped_age, parse_age, parse_date
from matcher.evaluate import Evaluation, evaluate_candidates, recall_at_k
from matcher.fields import describes_child, parse_sex
from matcher.index import MatchIndex
from matcher.model import MatchModel, Method, ModelFormatError
from matcher.names import (
    ParsedName,
    name_key,
    name_similarity,
    normalize_text,
    parse_name,
    token_keys,
    transliterate,
)
from matcher.places import (
    Place,
    PlaceLevel,
    PlaceRelation,
    district_distance_km,
    neighbouring_districts,
    place_relation,
    resolve_place,
)
from matcher.records import (
    Band,
    Candidate,
    Contribution,
    Interception,
    Report,
    Sex,
)

__all__ = [
    "Band",
    "Candidate",
    "Contribution",
    "Evaluation",
    "Interception",
    "MatchIndex",
    "MatchModel",
    "Method",
    "MissingColumnError",
    "ModelFormatError",
    "ParsedName",
    "Place",
    "PlaceLevel",
    "PlaceRelation",
    "Reject",
    "Report",
    "Sex",
    "describes_child",
    "district_distance_km",
    "evaluate_candidates",
    "expected_age",
    "is_heaped_age",
    "iter_interceptions",
    "iter_reports",
    "name_key",
    "name_similarity",
    "neighbouring_districts",
    "normalize_text",
    "parse_age",
    "parse_date",
    "parse_name",
    "parse_sex",
    "place_relation",
    "recall_at_k",
    "resolve_place",
    "token_keys",
    "transliterate",
    "write_candidates",
]
