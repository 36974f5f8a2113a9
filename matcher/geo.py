"""PLACEHOLDER until the names issue lands: same signatures as docs/ARCHITECTURE.md."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PlaceLevel(StrEnum):
    DIVISION = "division"
    DISTRICT = "district"
    UPAZILA = "upazila"


class PlaceRelation(StrEnum):
    SAME_UPAZILA = "same_upazila"
    SAME_DISTRICT = "same_district"
    NEIGHBOUR = "neighbour"
    SAME_DIVISION = "same_division"
    FAR = "far"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Place:
    level: PlaceLevel
    name: str
    name_bn: str
    district_code: str | None
    district: str | None
    division: str
    division_code: str


def resolve_place(text: str | None) -> Place | None:
    return None


def district_distance_km(code_a: str, code_b: str) -> float | None:
    return None


def neighbouring_districts(code: str) -> tuple[str, ...]:
    return ()


def place_relation(a: Place | None, b: Place | None) -> PlaceRelation:
    return PlaceRelation.UNKNOWN
