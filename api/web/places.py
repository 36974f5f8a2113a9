"""Place suggestions for the forms: district and upazila names in both scripts.

The officer may type ``Jashore``, ``Jessore`` or ``যশোর``; the ``<datalist>`` offers the
gazetteer's names (English and Bangla) and the engine's ``matcher.places.resolve_place`` does the
actual resolution later, so a suggestion is a convenience, never a constraint (free text is
still accepted).

Contract: read from ``matcher``'s own gazetteer CSVs (package data, read once, cached); if the
files are missing the lists are empty rather than an error.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

from matcher.names import normalize_text


def _rows(filename: str) -> list[dict[str, str]]:
    try:
        text = resources.files("matcher").joinpath("data", "geo", filename).read_text("utf-8")
    except (FileNotFoundError, OSError, ModuleNotFoundError):
        return []
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def district_names() -> tuple[str, ...]:
    """Every district as ``English`` and ``বাংলা`` options, plus pre-2018 spellings, sorted."""
    names: set[str] = set()
    for row in _rows("bd_districts.csv"):
        names.update(v for v in (row.get("name"), row.get("bn_name")) if v)
    for row in _rows("bd_district_spelling_changes_2018.csv"):
        names.update(v for v in (row.get("english_before_2018"),) if v)
    return tuple(sorted(names, key=lambda n: (not n.isascii(), n)))


@lru_cache(maxsize=1)
def _upazilas_by_district() -> dict[str, tuple[str, ...]]:
    district_alias: dict[str, str] = {}
    for row in _rows("bd_districts.csv"):
        canonical = row.get("name", "")
        for alias in (row.get("name"), row.get("bn_name"), row.get("name_iso")):
            key = normalize_text(alias)
            if key:
                district_alias[key] = canonical
    for row in _rows("bd_district_spelling_changes_2018.csv"):
        old = normalize_text(row.get("english_before_2018"))
        new = normalize_text(row.get("english_from_2018_04_02"))
        if old and new and new in district_alias:
            district_alias[old] = district_alias[new]
    by_district: dict[str, set[str]] = {}
    for row in _rows("bd_upazilas.csv"):
        bucket = by_district.setdefault(row.get("district_name", ""), set())
        bucket.update(v for v in (row.get("name"), row.get("bn_name")) if v)
    out = {k: tuple(sorted(v, key=lambda n: (not n.isascii(), n))) for k, v in by_district.items()}
    return {alias: out.get(canonical, ()) for alias, canonical in district_alias.items()}


def upazila_names(district: str | None) -> tuple[str, ...]:
    """Upazilas of ``district`` (any spelling or script) in both scripts; () if unknown."""
    key = normalize_text(district[:200] if district else None)
    if not key:
        return ()
    return _upazilas_by_district().get(key, ())
