"""Gazetteer of Bangladesh: divisions, districts, upazilas; place resolution, distances, neighbours.

Spec
----
Data: ``matcher/data/geo/`` (see its PROVENANCE.md): 8 divisions, 64 districts (with the
District Commissioner's office coordinates), 494 upazilas, 4,540 unions, and a table of real
spelling variants of division and district names (ISO 3166-2, pre-2018 official spellings, the
2018 proposals that were not adopted, gov.bd domain slugs, Bangla script, GeoNames names of the
district headquarters towns), plus a few hand-checked abbreviations
(``bd_place_aliases_extra.csv``: Ctg, B.Baria, Laxmipur, Chapai, Chittagong Hill Tracts).
Everything is read lazily on first use (``functools.cache``); nothing is read at import.

``resolve_place(text)`` maps free text in either script to a :class:`Place`, or ``None``
(an ISO 3166-2 code such as ``"BD-22"`` or ``"BD-D"`` gives its district or division):

1. Clean-up: :func:`matcher.normalize.normalize_text`, then NFC; Latin is folded to ASCII
   letters (``Bāzār`` -> ``bazar``, ``Cox's`` -> ``coxs``), Bangla keeps Bangla letters only.
   Text longer than :data:`MAX_PLACE_CHARS` is not a place name and gives ``None``.
2. Generic words are dropped and remembered as a *level hint*: district/dist/zila/zilla/jela/
   জেলা (district), upazila/thana/ps/উপজেলা/থানা (upazila), division/bibhag/বিভাগ (division),
   and city/town/municipality/pourashava, Bangladesh (no hint). ``"<district> sadar"`` means that
   district's Sadar upazila (``"Jashore Sadar"`` -> upazila Jashore Sadar, district BD-22).
3. Lookup, first hit wins: the exact folded name (all official names, every variant of the
   variants table that is Bangla script, a non-GeoNames kind, or ASCII with similarity >= 0.6,
   upazila names in both scripts and their gov.bd slugs); then a romanisation *skeleton*
   (sh/s, kh/k, ch/c, z/j, w/u, y/i, o/e/a, doubled letters, silent h; in Bangla ড়/র, ী/ি,
   ণ/ন, শ/ষ/স, ঙ/ং: see :func:`place_key`);
   then a union name that is unique in the country (-> its upazila); then fuzzy matching of the
   skeleton (rapidfuzz Indel ratio >= :data:`FUZZY_CUTOFF` for districts and divisions,
   :data:`FUZZY_CUTOFF_UPAZILA` for upazilas, same first letter, skeletons of at least
   :data:`FUZZY_MIN_LEN` letters, and no close rival in another district), so typos resolve but
   different places stay apart; the same on the plain folded names for typos the skeleton
   distorts (``Jashoore``, ``Feeni``). Bangla text that still fails is romanised
   (:func:`matcher.transliterate.transliterate`) and looked up again as Latin.
4. Ambiguity: a name that is both a division and a district, or both a district and an upazila
   (``Dhaka``, ``Faridpur``, ``Sherpur``), resolves to the **district** unless a level hint says
   otherwise (``"Dhaka division"``, ``"Sherpur upazila"``). An upazila name shared by several
   districts (``Kaliganj`` is in four) resolves to the lowest common ancestor of its candidates:
   the district if they share one, else the division if they share one, else ``None``. We never
   guess between two districts: a wrong district is worse evidence than a missing one.
5. Several parts (``"Benapole, Jessore"``, ``"Jhikargacha Jashore"``): the right-most part
   that names a district (or division; failing both, the district of an upazila part) is the
   context, and the other parts are looked up among that district's upazila names, then its
   union names (a union resolves to its upazila): exact, skeleton, fuzzy
   (:data:`FUZZY_CUTOFF_LOCAL`), and finally the consonants alone, which catch hand
   romanisations (``"Belkoci, Sirajganj"`` -> Belkuchi) and are safe only among the few places
   of one district. This also settles shared upazila names (``"Kaliganj, Jhenaidah"``), and
   ``"X Sadar"`` or ``"Kotwali"`` beside a district means its Sadar upazila. If nothing more
   specific is found, the context is returned. Callers holding separate upazila and district
   fields get the most out of this by passing ``f"{upazila}, {district}"``.

Measured (tests/matcher/test_geo.py, quality section): GeoNames spellings held out of the alias
tables resolve right 212/252, wrong 3; one random typo in a district name 0.83 right / 0.016
wrong; in an upazila name alone 0.66 / 0.023 (a strict cutoff, so village names do not become
upazilas); in an upazila name with its district 0.93 / 0.013.

Results are cached (``lru_cache``): the linkage engine calls this once per record.

``neighbouring_districts`` has no adjacency data to rely on, so it is derived from the DC-office
coordinates: two districts are neighbours when their offices are at most
:data:`NEIGHBOUR_RADIUS_KM` apart, or when one is among the other's :data:`NEIGHBOUR_MIN_COUNT`
nearest districts (so large hill and haor districts with remote offices still get neighbours);
the relation is symmetric. It approximates "shares a border" and is checked against known
borders in the tests.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib.resources import files

from rapidfuzz import fuzz, process

from matcher.normalize import normalize_text
from matcher.transliterate import transliterate

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

MAX_PLACE_CHARS = 200
"""Longer text is not a place name (the longest real one, with context, is far shorter)."""
FUZZY_CUTOFF = 85.0
"""Minimum rapidfuzz Indel ratio (0-100) between skeletons for a typo of a district or division."""
FUZZY_CUTOFF_UPAZILA = 90.0
"""Stricter for upazilas: there are 494 of them, and village names (not in the gazetteer) that
look like one of them are common, so a loose cutoff turns villages into wrong upazilas."""
FUZZY_CUTOFF_LOCAL = 80.0
"""Looser among the upazilas and unions of one district (context given): few candidates."""
FUZZY_MARGIN = 3.0
"""Fuzzy hits this close to the best one are rivals: if they disagree, no district is chosen."""
FUZZY_MIN_LEN = 4
"""Skeletons shorter than this only resolve exactly: short names are too close to each other."""
NEIGHBOUR_RADIUS_KM = 55.0
"""DC offices at most this far apart make two districts neighbours."""
NEIGHBOUR_MIN_COUNT = 3
"""Every district's nearest few districts are neighbours, whatever the distance."""
EARTH_RADIUS_KM = 6371.0088


class PlaceLevel(StrEnum):
    """Administrative level of a :class:`Place`."""

    DIVISION = "division"
    DISTRICT = "district"
    UPAZILA = "upazila"


class PlaceRelation(StrEnum):
    """How close two places are, strongest first; ``UNKNOWN`` when either side is missing."""

    SAME_UPAZILA = "same_upazila"
    SAME_DISTRICT = "same_district"
    NEIGHBOUR = "neighbour"
    SAME_DIVISION = "same_division"
    FAR = "far"
    UNKNOWN = "unknown"


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


# --------------------------------------------------------------------------- text folding

_BANGLA = re.compile(r"[\u0980-\u09FF]")
_NOT_BANGLA_LETTER = re.compile(r"[^\u0980-\u09E5\u09F0-\u09FF]+")
_NOT_ASCII_LETTER = re.compile(r"[^a-z]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`´]")

_DISTRICT_WORDS = frozenset(
    {"district", "dist", "distt", "zila", "zilla", "zela", "jila", "jilla", "jela", "জেলা"}
)
_UPAZILA_WORDS = frozenset(
    {
        "upazila",
        "upazilla",
        "upozila",
        "upojela",
        "upazela",
        "thana",
        "ps",
        "উপজেলা",
        "থানা",
    }
)
_DIVISION_WORDS = frozenset({"division", "div", "bibhag", "বিভাগ"})
_NOISE_WORDS = frozenset(
    {
        "village",
        "vill",
        "vil",
        "post",
        "office",
        "po",
        "gram",
        "house",
        "road",
        "holding",
        "ward",
        "গ্রাম",
        "সাং",
        "সাকিন",
        "পোঃ",
        "পো",
        "ডাকঘর",
        "পোস্ট",
        "city",
        "town",
        "municipality",
        "pourashava",
        "paurashava",
        "pourasava",
        "bangladesh",
        "bd",
        "সিটি",
        "শহর",
        "পৌরসভা",
        "বাংলাদেশ",
    }
)
_SADAR_WORDS = frozenset(
    {"sadar", "shadar", "sador", "kotwali", "kotowali", "kotoali", "সদর", "কোতোয়ালী", "কোতয়ালী"}
)
"""The district's headquarters upazila; Kotwali is the name of its police station (thana)."""

# Romanisation variants folded by the skeleton, applied in order on ASCII letters.
_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("chh", "C"),
    ("ch", "C"),
    ("c", "k"),
    ("C", "c"),
    ("sh", "s"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "b"),
    ("jh", "j"),
    ("dzh", "j"),
    ("zh", "j"),
    ("z", "j"),
    ("q", "k"),
    ("x", "k"),
    ("v", "b"),
    ("ee", "i"),
    ("oo", "u"),
    ("w", "u"),
    ("y", "i"),
    ("h", ""),
    ("o", "a"),
    ("e", "a"),
)
_BANGLA_SKELETON_RULES: tuple[tuple[str, str], ...] = tuple(
    (unicodedata.normalize("NFC", a), b)
    for a, b in (
        ("ড\u09bc", "র"),  # ড় (NFC keeps it decomposed)
        ("ঢ\u09bc", "র"),  # ঢ়
        ("\u09bc", ""),  # any other nukta (য় -> য)
        ("\u0981", ""),  # chandrabindu
        ("\u09cd", ""),  # hasanta
        ("\u0983", ""),  # visarga
        ("ী", "ি"),
        ("ূ", "ু"),
        ("ঈ", "ই"),
        ("ঊ", "উ"),
        ("ণ", "ন"),
        ("ষ", "স"),
        ("শ", "স"),
        ("ঙ", "ং"),
        ("ৎ", "ত"),
    )
)
_DOUBLE = re.compile(r"(.)\1+")


def _clean(text: object) -> str | None:
    """Unicode clean-up shared by the reference side and the query side; never raises."""
    if not isinstance(text, str) or not text or len(text) > MAX_PLACE_CHARS:
        return None
    try:
        norm = normalize_text(text)
    except Exception:  # a concurrent normaliser must never break place resolution
        norm = text.casefold()
    if not norm:
        return None
    return unicodedata.normalize("NFC", norm).casefold()


def _fold_tokens(text: str) -> list[str]:
    """Split cleaned text into folded tokens: ASCII letters for Latin, Bangla letters for Bangla."""
    out: list[str] = []
    for raw in _APOSTROPHES.sub("", text).split():
        if _BANGLA.search(raw):
            out.extend(t for t in _NOT_BANGLA_LETTER.split(raw) if t)
        else:
            ascii_ = (
                unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii").lower()
            )
            out.extend(t for t in _NOT_ASCII_LETTER.split(ascii_) if t)
    return out


def place_key(text: str) -> str:
    """Variant-proof skeleton of a folded place name (no spaces), used for matching only.

    Latin: digraphs and letters that Bangladeshi romanisations swap are merged (sh/s, kh/k,
    ch/c, z/j, w/u, y/i, ee/i, oo/u, o/e/a), silent ``h`` and doubled letters are dropped:
    ``Jessore``, ``Jashore`` -> ``jasar``. Bangla: the spellings people mix up are merged
    (ড়/ঢ়/র, long/short i and u, ণ/ন, শ/ষ/স, ঙ/ং, ৎ/ত; nukta, chandrabindu, hasanta and visarga
    dropped): ``বগুরা`` meets ``বগুড়া``, ``ঝিকড়গাছা`` meets ``ঝিকরগাছা``.
    """
    s = "".join(text.split())
    rules = _BANGLA_SKELETON_RULES if _BANGLA.search(s) else _SKELETON_RULES
    for old, new in rules:
        s = s.replace(old, new)
    return _DOUBLE.sub(r"\1", s)


# --------------------------------------------------------------------------- data


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


def _keys(text: str) -> list[str]:
    """Folded lookup keys for one reference name (joined tokens, with and without generic words)."""
    cleaned = _clean(text)
    if cleaned is None:
        return []
    tokens = _fold_tokens(cleaned)
    keys = {"".join(tokens)}
    core = [t for t in tokens if t not in _GENERIC]
    if core:
        keys.add("".join(core))
    return [k for k in keys if k]


_GENERIC = _DISTRICT_WORDS | _UPAZILA_WORDS | _DIVISION_WORDS | _NOISE_WORDS


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


# --------------------------------------------------------------------------- resolution


def _common_ancestor(places: Sequence[Place]) -> Place | None:
    """The most specific place containing all ``places`` (district, then division), or None."""
    g = _gazetteer()
    codes = {p.district_code for p in places}
    if len(codes) == 1 and None not in codes:
        code = next(iter(codes))
        assert code is not None
        return g.districts[code].place
    divs = {p.division_code for p in places}
    if len(divs) == 1:
        return g.divisions[next(iter(divs))]
    return None


def _pick(cands: Sequence[Place], hint: PlaceLevel | None) -> Place | None:
    """Choose among candidates for one name: level hint, then district > division > upazila."""
    if not cands:
        return None
    if hint is not None:
        hinted = [p for p in cands if p.level is hint]
        if hinted:
            cands = hinted
    for level in (PlaceLevel.DISTRICT, PlaceLevel.DIVISION, PlaceLevel.UPAZILA):
        same = list(dict.fromkeys(p for p in cands if p.level is level))
        if len(same) == 1:
            return same[0]
        if same:
            return _common_ancestor(same)
    return None


def _lookup(key: str, hint: PlaceLevel | None) -> Place | None:
    """Resolve one folded name (tokens joined) through exact, skeleton, union, fuzzy lookups."""
    if not key:
        return None
    g = _gazetteer()
    if key in g.exact:
        return _pick(g.exact[key], hint)
    skel = place_key(key)
    if skel in g.skeleton:
        return _pick(g.skeleton[skel], hint)
    if key in g.unions:
        return _pick(g.unions[key], hint)
    found = _fuzzy_pick(skel, g.fuzzy_keys.get(skel[:1], ()), g.skeleton, hint)
    if found is None:  # typos the skeleton distorts: "Jashoore", "Feeni"
        found = _fuzzy_pick(key, g.plain_keys.get(key[:1], ()), g.exact, hint)
    if found is None and _BANGLA.search(key):
        latin = _romanise(key)
        if latin and not _BANGLA.search(latin):
            return _lookup(latin, hint)
    return found


def _romanise(key: str) -> str:
    """Bangla-script name -> folded Latin letters, via the names transliterator; "" on failure.

    A fallback for Bangla spellings that are not in the gazetteer (``বগুরা`` for ``বগুড়া``,
    ``চিটাগাং``): the romanisation then meets the Latin aliases and the skeleton.
    """
    try:
        latin = transliterate(key)
    except Exception:  # the transliterator is another module's; never let it break us
        return ""
    return "".join(_fold_tokens(latin)) if latin else ""


def _cutoff_for(places: Sequence[Place]) -> float:
    if any(p.level is not PlaceLevel.UPAZILA for p in places):
        return FUZZY_CUTOFF
    return FUZZY_CUTOFF_UPAZILA


def _fuzzy_pick(
    skel: str,
    keys: Sequence[str],
    index: Mapping[str, Sequence[Place]],
    hint: PlaceLevel | None,
    *,
    cutoff: float | None = None,
) -> Place | None:
    """Typo tolerance: the place whose skeleton is closest to ``skel``, if the choice is clear.

    Only keys with the same first letter compete (romanisation variants of the first letter are
    already merged by :func:`place_key`; a different first letter is more often a different
    place than a typo). The cutoff is ``cutoff`` if given, else it depends on the level of the
    key's places (:data:`FUZZY_CUTOFF`, :data:`FUZZY_CUTOFF_UPAZILA`). Keys within
    :data:`FUZZY_MARGIN` of the best score are rivals: if they name different districts, only
    what they have in common is returned (a division, or None).
    """
    if len(skel) < FUZZY_MIN_LEN:
        return None
    floor = min(FUZZY_CUTOFF, FUZZY_CUTOFF_UPAZILA) if cutoff is None else cutoff
    hits = process.extract(skel, keys, scorer=fuzz.ratio, score_cutoff=floor, limit=10)
    hits = [
        h
        for h in hits
        if h[0][:1] == skel[:1] and (cutoff is not None or h[1] >= _cutoff_for(index[h[0]]))
    ]
    if not hits:
        return None
    best = hits[0][1]
    top = [p for k, score, _ in hits if score >= best for p in index[k]]
    rivals = [p for k, score, _ in hits if score >= best - FUZZY_MARGIN for p in index[k]]
    districts = {p.district_code for p in rivals if p.district_code is not None}
    if len(districts) > 1 or len({p.division_code for p in rivals}) > 1:
        return _common_ancestor(rivals)
    return _pick(top, hint)


def _lookup_within(key: str, code: str, *, loose: bool = True) -> Place | None:
    """An upazila of district ``code`` named ``key`` (upazila or union name), or None.

    Exact, then skeleton, then fuzzy (:data:`FUZZY_CUTOFF_LOCAL`), then - because a district
    has only a handful of upazilas and unions - the consonants alone, if they name one place
    there: hand-romanised ``Belkoci``, ``Ollaparaa``, ``Meharpor`` meet Belkuchi, Ullapara,
    Meherpur. The consonant rule is never used without a district: nationally it confuses
    places (measured). ``loose=False`` keeps only exact and skeleton matches (for a few words
    taken out of a longer address, where fuzzy matching would find something in anything).
    """
    tiers = _gazetteer().local.get(code, ())
    skel = place_key(key)
    cons = _consonants(skel)
    stages: tuple[Callable[[_LocalIndex], Place | None], ...] = (
        lambda ix: _unique(ix.exact.get(key, ())),
        lambda ix: _unique(ix.skeleton.get(skel, ())),
    )
    if loose:
        stages += (
            lambda ix: _fuzzy_pick(
                skel, list(ix.skeleton), ix.skeleton, PlaceLevel.UPAZILA, cutoff=FUZZY_CUTOFF_LOCAL
            ),
            lambda ix: _unique(ix.consonants.get(cons, ())) if len(cons) >= 2 else None,
        )
    for stage in stages:  # upazila names before union names at every stage
        for index in tiers:
            found = stage(index)
            if found is not None:
                return found if found.level is PlaceLevel.UPAZILA else None
    return None


def _unique(places: Sequence[Place]) -> Place | None:
    return places[0] if places and len(set(places)) == 1 else None


_VOWELS = re.compile(r"[aiu]+")


def _consonants(skel: str) -> str:
    """The consonants of a Latin skeleton (vowels differ most between romanisations)."""
    if _BANGLA.search(skel):
        return ""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", skel).replace("c", "k"))


def _hint_and_core(tokens: Sequence[str]) -> tuple[PlaceLevel | None, list[str], bool]:
    """Drop generic words: return the level hint, the other tokens, and whether "sadar" was said."""
    hint: PlaceLevel | None = None
    core: list[str] = []
    sadar = False
    for tok in tokens:
        if tok in _DISTRICT_WORDS:
            hint = PlaceLevel.DISTRICT
        elif tok in _UPAZILA_WORDS:
            hint = PlaceLevel.UPAZILA
        elif tok in _DIVISION_WORDS:
            hint = PlaceLevel.DIVISION
        elif tok in _SADAR_WORDS:
            sadar = True
        elif tok not in _NOISE_WORDS and not (len(tok) == 1 and tok.isascii()):  # "P.O."
            core.append(tok)
    return hint, core, sadar


def _resolve_part(tokens: Sequence[str]) -> Place | None:
    """Resolve one comma-free part of the text."""
    if not tokens:
        return None
    g = _gazetteer()
    hint, core, sadar = _hint_and_core(tokens)
    whole = "".join(tokens)
    named = _pick(g.exact[whole], hint) if whole in g.exact else None
    if named is None and sadar:  # "Cumilla Sadar Dakshin upazila": the name keeps its "Sadar"
        named_key = "".join(t for t in tokens if t not in _GENERIC)
        named = _pick(g.exact[named_key], hint) if named_key in g.exact else None
    if named is not None and named.level is PlaceLevel.UPAZILA:  # "Cumilla Sadar Dakshin"
        return named
    if sadar and core:  # "<district> Sadar [upazila]": the district's headquarters upazila
        seat = _lookup("".join(core), PlaceLevel.DISTRICT)
        if seat is not None and seat.level is PlaceLevel.DISTRICT:
            assert seat.district_code is not None
            return g.sadar.get(seat.district_code, seat)
    place: Place | None
    if whole in g.exact:  # curated aliases that contain generic words ("Lakshmipur Jela")
        place = named
    elif not core:
        return None
    else:
        place = _lookup("".join(core), hint)
        if place is None and len(core) > 1:
            place = _resolve_spans(core, hint)
    if sadar and place is not None and place.level is PlaceLevel.DISTRICT:
        assert place.district_code is not None
        return g.sadar.get(place.district_code, place)
    return place


def _resolve_spans(tokens: Sequence[str], hint: PlaceLevel | None) -> Place | None:
    """Several words without commas: find a district named by a span, then the rest within it."""
    n = len(tokens)
    if n > 6:  # a place name with context is a few words; longer text is not a place
        return None
    for length in range(n - 1, 0, -1):
        for start in range(n - length + 1):
            place = _lookup("".join(tokens[start : start + length]), None)
            if place is None or place.level is PlaceLevel.UPAZILA:
                continue
            rest = [*tokens[:start], *tokens[start + length :]]
            return _refine(place, [rest]) if rest else place
    return None


def _contains(area: Place, place: Place) -> bool:
    """Whether ``place`` lies in ``area`` (a district or division); a place contains itself."""
    if area.level is PlaceLevel.DIVISION:
        return place.division_code == area.division_code
    return place.district_code == area.district_code


def _refine(context: Place, others: Sequence[Sequence[str]]) -> Place:
    """The most specific place named by ``others`` (token lists) inside ``context``.

    ``context`` is a district or a division. "Sadar" (or "Kotwali", the Sadar police station)
    next to a district means that district's Sadar upazila.
    """
    g = _gazetteer()
    for tokens in others:
        _, core, sadar = _hint_and_core(tokens)
        code = context.district_code
        if sadar and code is not None and code in g.sadar:
            return g.sadar[code]  # "X Sadar" beside district D: D's Sadar, however X is spelt
        if not core:
            continue
        key = "".join(core)
        if code is not None:
            found = _lookup_within(key, code) or _lookup_span_within(core, code)
            if found is not None:
                return found
        else:
            place = _lookup(key, None)
            if place is not None and _contains(context, place):
                return place
    return context


def _lookup_span_within(tokens: Sequence[str], code: str) -> Place | None:
    """An upazila named by some words of a longer part ("Post Office Jhikargacha"), exactly.

    Longest spans first; only exact and skeleton matches, and only up to
    :data:`_MAX_SPAN_TOKENS` words, so a long address stays cheap and unfuzzed.
    """
    n = len(tokens)
    if n < 2 or n > _MAX_SPAN_TOKENS:
        return None
    for length in range(n - 1, 0, -1):
        for start in range(n - length + 1):
            found = _lookup_within("".join(tokens[start : start + length]), code, loose=False)
            if found is not None:
                return found
    return None


_MAX_SPAN_TOKENS = 8


def _nearest_first(parts: Sequence[Sequence[str]], i: int) -> list[Sequence[str]]:
    """The parts other than ``parts[i]``, nearest to it first: in "village, upazila, district"
    the upazila sits next to the district, and the village is tried last."""
    return [parts[j] for j in sorted(range(len(parts)), key=lambda j: (abs(j - i), -j)) if j != i]


_PART_SPLIT = re.compile(r"[,;/|()\n]+")
_ISO_CODE = re.compile(r"(?i)bd-([0-9]{2}|[a-h])")


@lru_cache(maxsize=65536)
def _resolve_cached(text: str) -> Place | None:
    if len(text) > MAX_PLACE_CHARS:
        return None
    if iso := _ISO_CODE.fullmatch(text.strip()):  # "BD-22", "bd-d": an ISO 3166-2 code
        g, code = _gazetteer(), f"BD-{iso[1].upper()}"
        return g.districts[code].place if code in g.districts else g.divisions.get(code)
    # Split before clean-up: the normaliser turns punctuation (the commas) into spaces.
    parts = [_fold_tokens(c) for p in _PART_SPLIT.split(text) if (c := _clean(p)) is not None]
    parts = [p for p in parts if p]
    if not parts:
        return None
    if len(parts) == 1:
        return _resolve_part(parts[0])
    if len(parts) > 6:
        return None
    resolved = [_resolve_part(p) for p in parts]
    # Context: the right-most part naming a district (or, failing that, a division).
    for level in (PlaceLevel.DISTRICT, PlaceLevel.DIVISION):
        for i in range(len(parts) - 1, -1, -1):
            place = resolved[i]
            if place is None or place.level is not level:
                continue
            for j, other in enumerate(resolved):  # "Jashore Sadar, Jashore"
                if (
                    j != i
                    and other is not None
                    and other.level is PlaceLevel.UPAZILA
                    and _contains(place, other)
                ):
                    return other
            others = _nearest_first(parts, i)
            return _refine(place, others)
    # No district named: the right-most upazila's district is the context ("Muladi, Barisal
    # Sadar": an upazila written in the district box).
    for i in range(len(parts) - 1, -1, -1):
        place = resolved[i]
        if place is None or place.district_code is None:
            continue
        home = _gazetteer().districts[place.district_code].place
        refined = _refine(home, _nearest_first(parts, i))
        return refined if refined.level is PlaceLevel.UPAZILA else place
    found = [p for p in resolved if p is not None]
    return _pick(found, None) if found else None


def resolve_place(text: str | None) -> Place | None:
    """Resolve free text in either script to a division, district or upazila; ``None`` if unsure.

    See the module docstring for the rules. Never raises: ``None``, empty text, emoji, numbers,
    very long text and names that match no place (or match several districts equally) give
    ``None``.
    """
    if not isinstance(text, str):
        return None
    try:
        return _resolve_cached(text)
    except Exception:  # defensive: bad input must never break a batch run
        return None


def resolve_home(district: str | None, upazila: str | None) -> Place | None:
    """The most specific place that separate district and upazila fields agree on.

    Reading the two fields together is what settles shared upazila names ("Kaliganj" is in four
    districts) and hand-romanised ones ("Belkoci" beside Sirajganj), so this tries
    ``"<upazila>, <district>"`` first. Then, as people also write an upazila in the district box
    and vice versa: the upazila alone if it lies in the district (or the district is
    unreadable), else the district, else whatever the upazila field names. Never raises.

    Cached per (district, upazila) pair: a million records hold only some thousands of pairs.
    """
    if (district is None or (isinstance(district, str) and len(district) <= MAX_PLACE_CHARS)) and (
        upazila is None or (isinstance(upazila, str) and len(upazila) <= MAX_PLACE_CHARS)
    ):
        return _resolve_home_cached(district, upazila)
    return _resolve_home(district, upazila)


@lru_cache(maxsize=65536)
def _resolve_home_cached(district: str | None, upazila: str | None) -> Place | None:
    return _resolve_home(district, upazila)


def _resolve_home(district: str | None, upazila: str | None) -> Place | None:
    """:func:`resolve_home` uncached (text too long to be worth a cache entry, or not text)."""
    p_d = resolve_place(district)
    p_u = resolve_place(upazila)
    if isinstance(district, str) and isinstance(upazila, str) and district and upazila:
        both = resolve_place(f"{upazila}, {district}")
        if (
            both is not None
            and both.level is PlaceLevel.UPAZILA
            and (p_d is None or _contains(_area(p_d), both))
        ):
            return both
    if (
        p_u is not None
        and p_u.level is PlaceLevel.UPAZILA
        and (p_d is None or _contains(_area(p_d), p_u))
    ):
        return p_u
    return p_d if p_d is not None else p_u


def _area(place: Place) -> Place:
    """The district of an upazila, else the place itself (what ``_contains`` compares with)."""
    if place.level is PlaceLevel.UPAZILA and place.district_code is not None:
        return _gazetteer().districts[place.district_code].place
    return place


# --------------------------------------------------------------------------- lookups


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


# --------------------------------------------------------------------------- distances


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
