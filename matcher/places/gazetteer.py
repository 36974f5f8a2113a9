"""The gazetteer of Bangladesh: divisions, districts, upazilas (and unions), read from data files.

Spec
----
Data: ``matcher/data/geo/`` (see its PROVENANCE.md): 8 divisions, 64 districts (with the
District Commissioner's office coordinates), 494 upazilas, 4,540 unions, and a table of real
spelling variants of division and district names (ISO 3166-2, pre-2018 official spellings, the
2018 proposals that were not adopted, gov.bd domain slugs, Bangla script, GeoNames names of the
district headquarters towns), plus a few hand-checked abbreviations
(``bd_place_aliases_extra.csv``: Ctg, B.Baria, Laxmipur, Chapai, Chittagong Hill Tracts).
Everything is read lazily on first use (``functools.cache``); nothing is read at import.

Every name is keyed as :mod:`matcher.places.fold` folds it, into the tables that
:mod:`matcher.places.resolve` looks names up in: exact folded names (all official names, every
variant of the variants table that is Bangla script, a non-GeoNames kind, or ASCII with
similarity >= 0.6, upazila names in both scripts and their gov.bd slugs), skeletons, unique
union names, per-district upazila and union names, and fuzzy candidates by first letter.

Listings: :func:`district` (by ISO code), :func:`all_divisions`, :func:`all_districts`,
:func:`all_upazilas`; :func:`suggest_places` for a form's autocomplete (both scripts).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

from matcher.places.fold import _clean, _consonants, _fold_tokens, _keys, place_key

__all__ = [
    "FUZZY_MIN_LEN",
    "Place",
    "PlaceLevel",
    "all_districts",
    "all_divisions",
    "all_upazilas",
    "district",
    "suggest_places",
]

FUZZY_MIN_LEN = 4
"""Skeletons shorter than this only resolve exactly: short names are too close to each other."""


class PlaceLevel(StrEnum):
    """Administrative level of a :class:`Place`."""

    DIVISION = "division"
    DISTRICT = "district"
    UPAZILA = "upazila"


@dataclass(frozen=True, slots=True)
class Place:
    """A division, district or upazila of Bangladesh, with its current official English name.

    ``district_code`` is the ISO 3166-2 code of the district ("BD-22" for Jashore), for a
    district or an upazila; ``None`` for a division. ``division_code`` is the ISO code of the
    division ("BD-D" for Khulna). Names use the 2018 spellings (Jashore, Chattogram, Barishal).
    """

    level: PlaceLevel
    name: str
    name_bn: str
    district_code: str | None
    district: str | None
    division: str
    division_code: str

    def __str__(self) -> str:
        if self.level is PlaceLevel.UPAZILA:
            return f"{self.name} upazila, {self.district} district"
        return f"{self.name} {self.level.value}"


@dataclass(frozen=True, slots=True)
class _District:
    place: Place
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class _LocalIndex:
    """Names of places inside one district, by folded name, skeleton and consonants."""

    exact: dict[str, tuple[Place, ...]]
    skeleton: dict[str, tuple[Place, ...]]
    consonants: dict[str, tuple[Place, ...]]

    @classmethod
    def build(cls, names: Mapping[str, Sequence[Place]]) -> _LocalIndex:
        skel: dict[str, list[Place]] = defaultdict(list)
        cons: dict[str, list[Place]] = defaultdict(list)
        for key, places in names.items():
            for place in places:
                _add(skel, [place_key(key)], place)
                if c := _consonants(place_key(key)):
                    _add(cons, [c], place)
        return cls(
            exact={k: tuple(v) for k, v in names.items()},
            skeleton={k: tuple(v) for k, v in skel.items()},
            consonants={k: tuple(v) for k, v in cons.items()},
        )


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    divisions: dict[str, Place]  # by ISO code
    districts: dict[str, _District]  # by ISO code
    upazilas: tuple[Place, ...]
    sadar: dict[str, Place]  # district code -> its Sadar upazila
    exact: dict[str, tuple[Place, ...]]  # folded name -> candidates
    skeleton: dict[str, tuple[Place, ...]]  # place_key -> candidates
    unions: dict[str, tuple[Place, ...]]  # folded union name -> upazilas holding it
    local: dict[str, tuple[_LocalIndex, ...]]  # district code -> (upazila names, union names)
    fuzzy_keys: dict[str, tuple[str, ...]]  # first letter -> skeletons (fuzzy candidates)
    plain_keys: dict[str, tuple[str, ...]]  # first letter -> folded names (fuzzy candidates)


def _by_initial(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Fuzzy candidates grouped by first letter (only same-initial keys compete, and it is fast)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if len(key) >= FUZZY_MIN_LEN:
            groups[key[0]].append(key)
    return {k: tuple(v) for k, v in groups.items()}


def _read(name: str) -> list[dict[str, str]]:
    path = files("matcher") / "data" / "geo" / name
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _add(index: dict[str, list[Place]], keys: Iterable[str], place: Place) -> None:
    for key in keys:
        bucket = index[key]
        if place not in bucket:
            bucket.append(place)


def _keep_variant(row: dict[str, str]) -> bool:
    """Which rows of the variants table are spellings (GeoNames alternates hold exonyms too)."""
    if row["script"] == "Beng" or not row["variant_kind"].startswith("geonames"):
        return True
    return row["is_ascii"] == "1" and float(row["similarity_to_canonical"] or 0) >= 0.6


@cache
def _gazetteer() -> _Gazetteer:
    return _build_gazetteer()


def _build_gazetteer(*, variant_kinds: frozenset[str] | None = None) -> _Gazetteer:
    """Read the data files into lookup tables.

    ``variant_kinds`` restricts which kinds of the variants table become aliases (all when
    ``None``); the evaluation uses it to hold the GeoNames spellings out and measure how the
    fuzzy layer generalises.
    """
    divisions: dict[str, Place] = {}
    div_by_id: dict[str, Place] = {}
    exact: dict[str, list[Place]] = defaultdict(list)
    for row in _read("bd_divisions.csv"):
        place = Place(
            level=PlaceLevel.DIVISION,
            name=row["name_iso"],
            name_bn=row["bn_name"],
            district_code=None,
            district=None,
            division=row["name_iso"],
            division_code=row["iso_3166_2"],
        )
        divisions[place.division_code] = place
        div_by_id[row["id"]] = place
        slug = row["url"].removeprefix("www.").split(".")[0].removesuffix("div")
        _add(
            exact,
            [k for n in (row["name"], row["name_iso"], row["bn_name"], slug) for k in _keys(n)],
            place,
        )

    districts: dict[str, _District] = {}
    dist_by_id: dict[str, Place] = {}
    for row in _read("bd_districts.csv"):
        div = div_by_id[row["division_id"]]
        place = Place(
            level=PlaceLevel.DISTRICT,
            name=row["name_iso"],
            name_bn=row["bn_name"],
            district_code=row["iso_3166_2"],
            district=row["name_iso"],
            division=div.name,
            division_code=div.division_code,
        )
        districts[row["iso_3166_2"]] = _District(place, float(row["lat"]), float(row["lon"]))
        dist_by_id[row["id"]] = place
        slug = row["url"].removeprefix("www.").split(".")[0]
        _add(
            exact,
            [k for n in (row["name"], row["name_iso"], row["bn_name"], slug) for k in _keys(n)],
            place,
        )

    for row in _read("bd_place_name_variants.csv"):
        if not _keep_variant(row) or (
            variant_kinds is not None and row["variant_kind"] not in variant_kinds
        ):
            continue
        code = row["iso_3166_2"]
        target = divisions[code] if row["level"] == "division" else districts[code].place
        _add(exact, _keys(row["variant"]), target)

    aliases = _read("bd_place_aliases_extra.csv")  # hand-checked, see PROVENANCE.md
    for row in aliases:
        code = row["iso_3166_2"]
        if row["level"] != "upazila":
            target = divisions[code] if row["level"] == "division" else districts[code].place
            _add(exact, _keys(row["alias"]), target)

    upazilas: list[Place] = []
    up_by_id: dict[str, Place] = {}
    up_by_name: dict[tuple[str, str], Place] = {}
    display = {
        (r["iso_3166_2"], r["upazila"]): r["alias"]
        for r in aliases
        if r["level"] == "upazila" and r["use_as_name"] == "1"
    }
    sadar: dict[str, Place] = {}
    local_up: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    local_un: dict[str, dict[str, list[Place]]] = defaultdict(lambda: defaultdict(list))
    for row in _read("bd_upazilas.csv"):
        dist = dist_by_id[row["district_id"]]
        assert dist.district_code is not None
        name = row["name"]
        is_sadar = name.endswith(" Sadar")
        if is_sadar:  # "Jessore Sadar" -> "Jashore Sadar": current spelling of the district
            name = f"{dist.name} Sadar"
        name = display.get((dist.district_code, name), name)  # "Sadarsouth" -> official name
        place = Place(
            level=PlaceLevel.UPAZILA,
            name=name,
            name_bn=row["bn_name"],
            district_code=dist.district_code,
            district=dist.name,
            division=dist.division,
            division_code=dist.division_code,
        )
        upazilas.append(place)
        up_by_id[row["id"]] = place
        up_by_name[dist.district_code, row["name"]] = place
        if is_sadar:
            sadar[dist.district_code] = place
        slug = row["url"].split(".")[0]
        keys = [k for n in (row["name"], name, row["bn_name"], slug) for k in _keys(n)]
        if not is_sadar:  # "sadar" alone is in many districts; Sadar upazilas come via step 2
            _add(exact, keys, place)
        _add(local_up[dist.district_code], keys, place)

    for row in aliases:
        if row["level"] == "upazila":
            place = up_by_name[row["iso_3166_2"], row["upazila"]]
            _add(exact, _keys(row["alias"]), place)
            _add(local_up[row["iso_3166_2"]], _keys(row["alias"]), place)

    unions: dict[str, list[Place]] = defaultdict(list)
    for row in _read("bd_unions.csv"):
        up = up_by_id.get(row["upazila_id"])
        if up is None or up.district_code is None:
            continue
        keys = [k for n in (row["name"], row["bn_name"]) for k in _keys(n)]
        _add(unions, keys, up)
        _add(local_un[up.district_code], keys, up)

    skeleton: dict[str, list[Place]] = defaultdict(list)
    for key, places in exact.items():
        for place in places:
            _add(skeleton, [place_key(key)], place)

    return _Gazetteer(
        divisions=divisions,
        districts=districts,
        upazilas=tuple(upazilas),
        sadar=sadar,
        exact={k: tuple(v) for k, v in exact.items()},
        skeleton={k: tuple(v) for k, v in skeleton.items()},
        unions={k: tuple(v) for k, v in unions.items() if k not in exact and len(v) == 1},
        local={
            code: (_LocalIndex.build(local_up[code]), _LocalIndex.build(local_un[code]))
            for code in districts
        },
        fuzzy_keys=_by_initial(skeleton),
        plain_keys=_by_initial(exact),
    )


def district(code: str) -> Place | None:
    """The district with ISO 3166-2 code ``code`` ("BD-22"), or ``None``."""
    d = _gazetteer().districts.get(code)
    return d.place if d else None


def all_divisions() -> tuple[Place, ...]:
    """The 8 divisions, ordered by ISO code."""
    g = _gazetteer()
    return tuple(g.divisions[c] for c in sorted(g.divisions))


def all_districts() -> tuple[Place, ...]:
    """The 64 districts, ordered by ISO code."""
    g = _gazetteer()
    return tuple(g.districts[c].place for c in sorted(g.districts))


def all_upazilas() -> tuple[Place, ...]:
    """The 494 upazilas, in the order of the source table (grouped by district)."""
    return _gazetteer().upazilas


def suggest_places(prefix: str | None, *, limit: int = 10) -> list[Place]:
    """Places whose English or Bangla name starts with ``prefix`` (for a form's autocomplete).

    Districts come first, then divisions, then upazilas, each alphabetically. Case and script
    insensitive (``"jes"`` finds Jashore through its old spelling ``Jessore``); ``[]`` for empty
    input.
    """
    cleaned = _clean(prefix) if prefix else None
    if cleaned is None or limit <= 0:
        return []
    key = "".join(_fold_tokens(cleaned))
    if not key:
        return []
    found = {place for name, place in _suggest_index() if name.startswith(key)}
    order = {PlaceLevel.DISTRICT: 0, PlaceLevel.DIVISION: 1, PlaceLevel.UPAZILA: 2}
    return sorted(found, key=lambda p: (order[p.level], p.name, p.district or ""))[:limit]


@cache
def _suggest_index() -> tuple[tuple[str, Place], ...]:
    """(folded name, place) for every alias of a division or district and every upazila name."""
    g = _gazetteer()
    pairs = {(name, p) for name, places in g.exact.items() for p in places}
    for up in g.upazilas:
        pairs.update((k, up) for k in _keys(up.name) + _keys(up.name_bn))
    return tuple(sorted(pairs, key=lambda kp: (kp[0], kp[1].name)))
