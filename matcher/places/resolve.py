"""Place resolution: free text in either script -> the division, district or upazila it names.

Spec
----
``resolve_place(text)`` maps free text in either script to a :class:`Place`, or ``None``
(an ISO 3166-2 code such as ``"BD-22"`` or ``"BD-D"`` gives its district or division):

1. Clean-up: :func:`matcher.names.normalize_text`, then NFC; Latin is folded to ASCII
   letters (``Bāzār`` -> ``bazar``, ``Cox's`` -> ``coxs``), Bangla keeps Bangla letters only.
   Text longer than :data:`~matcher.places.fold.MAX_PLACE_CHARS` is not a place name and gives
   ``None`` (:mod:`matcher.places.fold`).
2. Generic words are dropped and remembered as a *level hint*: district/dist/zila/zilla/jela/
   জেলা (district), upazila/thana/ps/উপজেলা/থানা (upazila), division/bibhag/বিভাগ (division),
   and city/town/municipality/pourashava, Bangladesh (no hint). ``"<district> sadar"`` means that
   district's Sadar upazila (``"Jashore Sadar"`` -> upazila Jashore Sadar, district BD-22).
3. Lookup, first hit wins: the exact folded name (all official names, every variant of the
   variants table that is Bangla script, a non-GeoNames kind, or ASCII with similarity >= 0.6,
   upazila names in both scripts and their gov.bd slugs); then a romanisation *skeleton*
   (sh/s, kh/k, ch/c, z/j, w/u, y/i, o/e/a, doubled letters, silent h; in Bangla ড়/র, ী/ি,
   ণ/ন, শ/ষ/স, ঙ/ং: see :func:`~matcher.places.fold.place_key`);
   then a union name that is unique in the country (-> its upazila); then fuzzy matching of the
   skeleton (rapidfuzz Indel ratio >= :data:`FUZZY_CUTOFF` for districts and divisions,
   :data:`FUZZY_CUTOFF_UPAZILA` for upazilas, same first letter, skeletons of at least
   :data:`~matcher.places.gazetteer.FUZZY_MIN_LEN` letters, and no close rival in another
   district), so typos resolve but different places stay apart; the same on the plain folded
   names for typos the skeleton distorts (``Jashoore``, ``Feeni``). Bangla text that still fails
   is romanised (:func:`matcher.names.transliterate`) and looked up again as Latin.
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
   fields get the most out of this by passing ``f"{upazila}, {district}"``, which is what
   :func:`resolve_home` does.

Measured (tests/matcher/test_geo.py, quality section): GeoNames spellings held out of the alias
tables resolve right 212/252, wrong 3; one random typo in a district name 0.83 right / 0.016
wrong; in an upazila name alone 0.66 / 0.023 (a strict cutoff, so village names do not become
upazilas); in an upazila name with its district 0.93 / 0.013.

Results are cached (``lru_cache``): the linkage engine calls this once per record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process

from matcher.names import transliterate
from matcher.places.fold import (
    _BANGLA,
    _DISTRICT_WORDS,
    _DIVISION_WORDS,
    _GENERIC,
    _NOISE_WORDS,
    _SADAR_WORDS,
    _UPAZILA_WORDS,
    MAX_PLACE_CHARS,
    _clean,
    _consonants,
    _fold_tokens,
    place_key,
)
from matcher.places.gazetteer import FUZZY_MIN_LEN, Place, PlaceLevel, _gazetteer, _LocalIndex

__all__ = [
    "FUZZY_CUTOFF",
    "FUZZY_CUTOFF_LOCAL",
    "FUZZY_CUTOFF_UPAZILA",
    "FUZZY_MARGIN",
    "resolve_home",
    "resolve_place",
]

FUZZY_CUTOFF = 85.0
"""Minimum rapidfuzz Indel ratio (0-100) between skeletons for a typo of a district or division."""
FUZZY_CUTOFF_UPAZILA = 90.0
"""Stricter for upazilas: there are 494 of them, and village names (not in the gazetteer) that
look like one of them are common, so a loose cutoff turns villages into wrong upazilas."""
FUZZY_CUTOFF_LOCAL = 80.0
"""Looser among the upazilas and unions of one district (context given): few candidates."""
FUZZY_MARGIN = 3.0
"""Fuzzy hits this close to the best one are rivals: if they disagree, no district is chosen."""


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
