"""Pair comparison, the vectorised hot path: one interception against many candidate reports.

The twin of :func:`matcher.compare.compare_pair`: the same measurements, taken for every
candidate row at once — ``rapidfuzz.process.cdist`` over the distinct tokens of the candidates,
numpy for everything else — and levels chosen by the same catalogue
(:meth:`matcher.levels.Comparison.choose`). A test asserts both give the same levels and the
same details, pair for pair.

Candidates are held as columns (:class:`CandidateColumns`, what :class:`matcher.index.MatchIndex`
stores); the details an explanation shows come back as columns too (:class:`DetailColumns`), so
explaining the top candidates costs no second, per-pair comparison.

A comparison is two steps: measuring (:func:`measure_many`, per query) and choosing levels
(:func:`choose_levels`, elementwise over rows). :func:`compare_stacked` measures many queries'
rows in one pass, each row against its own query (:func:`measure_batch`), and chooses all their
levels in another — for queries of a few rows each, where a pass per query (a fixed ~100 numpy
calls) would cost far more than the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist, cpdist

from matcher.compare import (
    AGE_BASE_TOLERANCE,
    AGE_HEAPED_EXTRA,
    AGE_TOLERANCE_PER_YEAR,
    AGE_UNKNOWN_ELAPSED_EXTRA,
    DAYS_PER_YEAR,
    RELATION_CODE,
    PairDetails,
    distinctive,
    is_heaped,
    is_short_form,
    place_distance,
    relation,
)
from matcher.levels import (
    COMPARISONS,
    GIVEN_RARE_BITS,
    N_FIELDS,
    POSITION,
    TOKEN_SIMILAR,
    Field,
    Measures,
    PlaceCode,
    at_least,
    family_measures,
)
from matcher.places import Place
from matcher.prepare import Ending, Prepared, sex_code

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Per stacked row, the position of its query in a batch.
Owner = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class CandidateColumns:
    """Many candidate reports as columns (what :class:`matcher.index.MatchIndex` stores).

    Token columns hold ids into ``vocab`` (``-1`` = no token), shape ``(n, MAX_TOKENS)``, tokens
    packed to the left. ``sex``: 0 unknown, 1 M, 2 F. ``age``: NaN unknown. ``day``: date
    ordinal, 0 unknown. ``place``: id into ``places``, -1 unknown. ``phone``: 10-digit number as
    an integer, -1 unknown. ``heaped``: the age is a rounded one
    (:func:`matcher.compare.heaped_age`). ``ending``: the given name's
    :class:`~matcher.prepare.Ending`.
    ``relation_cache`` memoises place relation codes by (place id, query place key) across
    queries. ``common[id]``: vocab token ``id`` is a common surname-like token
    (:func:`matcher.compare.distinctive`). ``token_bits[id]`` is the rarity (bits) of vocab
    token ``id`` among children's names, ``parent_bits[id]`` among parents' names.
    """

    name: IntArray
    father: IntArray
    mother: IntArray
    sex: npt.NDArray[np.int8]
    age: FloatArray
    day: IntArray
    place: IntArray
    phone: npt.NDArray[np.int64]
    heaped: BoolArray
    ending: npt.NDArray[np.int8]
    vocab: Sequence[str]
    common: BoolArray
    token_bits: FloatArray
    parent_bits: FloatArray
    places: Sequence[Place]
    relation_cache: dict[tuple[int, int], int] = field(default_factory=dict)


#: The similarity :func:`_token_sims` gives a missing token: below any real one (0-1), so a
#: plain maximum skips it; every level condition reads it as not similar, as it would NaN.
NO_TOKEN = -1.0


def _token_sims(query: Sequence[str], ids: IntArray, vocab: Sequence[str]) -> FloatArray:
    """``(n, T, q)`` similarities of each candidate token to each query token
    (:data:`NO_TOKEN` for pads)."""
    n, t = ids.shape
    out = np.full((n, t, len(query)), NO_TOKEN)
    present = ids >= 0
    if not query or not present.any():
        return out
    uniq, inverse = np.unique(ids[present], return_inverse=True)
    sims = cdist(
        list(query),
        [vocab[i] for i in uniq.tolist()],
        scorer=JaroWinkler.normalized_similarity,
        dtype=np.float64,
    )  # (q, u)
    out[present] = sims.T[inverse]
    return out


def _alignment_many(query: Sequence[str], ids: IntArray, sims: FloatArray) -> FloatArray:
    """Vectorised :func:`matcher.compare.alignment_similarity` per row (0.0 where empty)."""
    counts = (ids >= 0).sum(axis=1)
    ok = counts > 0
    if not query or not ok.any():
        return np.zeros(ids.shape[0])
    left = sims.max(axis=1).sum(axis=1)  # best candidate token per query token
    right = np.maximum(sims.max(axis=2), 0.0).sum(axis=1)  # best query token per token; pads 0
    return np.where(ok, (left + right) / (len(query) + counts), 0.0)


def _distinctive_many(
    query: Sequence[str], ids: IntArray, common: BoolArray
) -> tuple[Sequence[str], IntArray]:
    """Vectorised :func:`matcher.compare.distinctive`: the query's tokens and every row's token
    ids without common surname-like tokens, unless a side would be left with nothing."""
    return distinctive(query), _distinctive_ids(ids, common)


def _distinctive_ids(ids: IntArray, common: BoolArray) -> IntArray:
    """Every row's token ids without common surname-like tokens, unless none would be left."""
    is_common = (ids >= 0) & common[np.maximum(ids, 0)]
    keeps_some = np.asarray(((ids >= 0) & ~is_common).any(axis=1))
    return np.where(is_common & keeps_some[:, None], -1, ids).astype(np.int32)


def _similarity_many(
    query: Sequence[str],
    ids: IntArray,
    vocab: Sequence[str],
    common: BoolArray,
    *,
    sims: FloatArray | None = None,
) -> FloatArray:
    """Vectorised :func:`matcher.compare.name_similarity` per row (0.0 where empty).

    ``sims``: :func:`_token_sims` of ``query`` and ``ids`` when the caller has them, reused
    when no common token is left out on either side (the usual case)."""
    q, dids = _distinctive_many(query, ids, common)
    if sims is None:
        sims = _token_sims(q, dids, vocab)
    else:
        # the same similarities, without a second cdist: the query tokens kept (a name drops
        # all or none of its copies of a token), none for the row tokens left out
        if len(q) != len(query):
            kept = set(q)
            sims = sims[:, :, [i for i, t in enumerate(query) if t in kept]]
        dropped = (dids < 0) & (ids >= 0)
        if dropped.any():
            sims = sims.copy() if len(q) == len(query) else sims
            sims[dropped] = NO_TOKEN
    return _alignment_many(q, dids, sims)


def _set_equal(query_ids: IntArray, ids: IntArray) -> BoolArray:
    """Whether each row's token set equals the query's (ids; unknown query tokens are -2)."""
    present = ids >= 0
    in_query = ~present
    has_all = np.ones(ids.shape[0], dtype=bool)
    for qi in dict.fromkeys(query_ids.tolist()):  # a few tokens: cheaper than np.isin
        hit = ids == qi
        in_query |= hit
        has_all &= hit.any(axis=1)
    return in_query.all(axis=1) & has_all & present.any(axis=1)


def _query_ids(tokens: Sequence[str], vocab_index: Mapping[str, int]) -> IntArray:
    return np.array([vocab_index.get(t, -2) for t in tokens], dtype=np.int32)


def _agreeing(
    query: Sequence[str], ids: IntArray, vocab_index: Mapping[str, int], token_bits: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Per row: how many distinct query tokens the row also has, and their summed bits."""
    n = ids.shape[0]
    count = np.zeros(n, dtype=np.int32)
    bits = np.zeros(n)
    for qi in dict.fromkeys(_query_ids(query, vocab_index).tolist()):
        if qi < 0:
            continue
        hit = (ids == qi).any(axis=1)
        count += hit
        bits += hit * token_bits[qi]
    return count, bits


def _parent_measures(
    query: Sequence[str], ids: IntArray, cols: CandidateColumns, vocab_index: Mapping[str, int]
) -> Measures:
    n = ids.shape[0]
    if not query:
        return Measures(present=np.zeros(n, dtype=bool), similarity=np.full(n, np.nan))
    sims = _token_sims(query, ids, cols.vocab)
    qids = _query_ids(query, vocab_index)
    return Measures(
        present=ids[:, 0] >= 0,
        similarity=_similarity_many(query, ids, cols.vocab, cols.common, sims=sims),
        same=_set_equal(qids, ids),
        first_same=ids[:, 0] == qids[0],
        first_similar=at_least(sims[:, 0, 0], TOKEN_SIMILAR),
    )


def _gendered(query_ending: int, endings: npt.NDArray[np.int8]) -> BoolArray:
    """Vectorised :func:`matcher.compare.gendered_pair`."""
    if query_ending == Ending.LONG_A:
        return np.asarray(endings == Ending.CONSONANT)
    if query_ending == Ending.CONSONANT:
        return np.asarray(endings == Ending.LONG_A)
    return np.zeros(endings.shape[0], dtype=bool)


def _name_measures(
    p: Prepared, cols: CandidateColumns, vocab_index: Mapping[str, int]
) -> tuple[Measures, Measures, Measures, Measures]:
    """Whole name, given name, surname and rarity measurements of every row."""
    q = p.name
    n = cols.name.shape[0]
    present = (cols.name[:, 0] >= 0) & bool(q)
    off = Measures(present=np.zeros(n, dtype=bool))
    if not present.any():
        return off, off, off, Measures(present=present, agreeing=np.zeros(n, dtype=np.int32))
    qids = _query_ids(q, vocab_index)
    sims = _token_sims(q, cols.name, cols.vocab)
    name = Measures(
        present=present,
        similarity=_similarity_many(q, cols.name, cols.vocab, cols.common, sims=sims),
        same=_set_equal(qids, cols.name),
    )
    first = cols.name[:, 0]
    uniq, inverse = np.unique(first, return_inverse=True)
    short_u = np.array(
        [tid >= 0 and is_short_form(q[0], cols.vocab[tid]) for tid in uniq.tolist()], dtype=bool
    )
    # the query's given name is one token: its rarity is one number for every row
    same = first == qids[0]
    given = Measures(
        present=present,
        same=same,
        same_form=same & ~_gendered(p.ending, cols.ending),
        rare=bool(qids[0] >= 0 and at_least(cols.token_bits[qids[0]], GIVEN_RARE_BITS)),
        similar=at_least(sims[:, 0, 0], TOKEN_SIMILAR),
        short_form=short_u[inverse.ravel()],
        elsewhere=(cols.name == qids[0]).any(axis=1) | np.isin(first, qids),
    )
    counts = (cols.name >= 0).sum(axis=1)
    surname = off
    if len(q) >= 2:
        rows = np.arange(n)
        last = np.maximum(counts - 1, 0)
        surname = Measures(
            present=present & (counts >= 2),
            same=cols.name[rows, last] == qids[-1],
            similar=at_least(sims[rows, last, len(q) - 1], TOKEN_SIMILAR),
        )
    agreeing, bits = _agreeing(q, cols.name, vocab_index, cols.token_bits)
    rarity = Measures(present=present, agreeing=agreeing, bits=bits)
    return name, given, surname, rarity


def _parent_rarity(
    query: Sequence[str],
    parent: Measures,
    ids: IntArray,
    cols: CandidateColumns,
    vocab_index: Mapping[str, int],
) -> Measures:
    agreeing, bits = _agreeing(query, ids, vocab_index, cols.parent_bits)
    return Measures(present=parent.present, agreeing=agreeing, bits=bits)


@dataclass(frozen=True, slots=True)
class DetailColumns:
    """:class:`~matcher.compare.PairDetails` of many rows as columns (NaN = None).

    The vectorised pass computes these numbers anyway; keeping them spares the explanation of
    the top candidates a second, per-pair comparison.
    """

    name_similarity: FloatArray
    agreeing_tokens: IntArray
    rarity_bits: FloatArray
    father_agreeing_tokens: IntArray
    father_rarity_bits: FloatArray
    mother_agreeing_tokens: IntArray
    mother_rarity_bits: FloatArray
    father_similarity: FloatArray
    mother_similarity: FloatArray
    expected_age: FloatArray
    age_tolerance: FloatArray
    elapsed_years: FloatArray

    def take(self, order: npt.NDArray[np.intp]) -> DetailColumns:
        """The same columns with rows in ``order`` (as the scores sort them)."""
        return DetailColumns(*(getattr(self, f.name)[order] for f in fields(self)))

    def row(self, i: int, report_place: Place | None, interception: Prepared) -> PairDetails:
        """Row ``i`` as :class:`~matcher.compare.PairDetails` (equal to
        :func:`~matcher.compare.compare_pair`'s, tested)."""
        values = [getattr(self, f.name)[i].item() for f in fields(self)]
        return _pair_details(values, report_place, interception)

    def head(
        self, report_places: Sequence[Place | None], interception: Prepared
    ) -> list[PairDetails]:
        """The first ``len(report_places)`` rows as :meth:`row` gives them, each column read
        once (what an explanation of the top candidates needs)."""
        k = len(report_places)
        columns = [getattr(self, f.name)[:k].tolist() for f in fields(self)]
        return [
            _pair_details([c[i] for c in columns], place, interception)
            for i, place in enumerate(report_places)
        ]


def _pair_details(
    values: Sequence[float], report_place: Place | None, interception: Prepared
) -> PairDetails:
    """One row's :class:`DetailColumns` values (in field order) as
    :class:`~matcher.compare.PairDetails`; NaN is None."""
    (
        name_similarity,
        agreeing,
        rarity,
        father_agreeing,
        father_rarity,
        mother_agreeing,
        mother_rarity,
        father_similarity,
        mother_similarity,
        expected,
        tolerance,
        elapsed,
    ) = (None if v != v else v for v in values)  # v != v: NaN
    return PairDetails(
        name_similarity=name_similarity,
        agreeing_tokens=int(agreeing or 0),
        rarity_bits=rarity,
        father_agreeing_tokens=int(father_agreeing or 0),
        father_rarity_bits=father_rarity,
        mother_agreeing_tokens=int(mother_agreeing or 0),
        mother_rarity_bits=mother_rarity,
        father_similarity=father_similarity,
        mother_similarity=mother_similarity,
        expected_age=expected,
        observed_age=interception.age if expected is not None else None,
        age_tolerance=tolerance,
        elapsed_years=elapsed,
        report_place=report_place,
        interception_place=interception.place,
        distance_km=place_distance(report_place, interception.place),
    )


def compare_many(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> npt.NDArray[np.int8]:
    """Levels of one interception against every candidate row: ``(n, N_FIELDS)`` int8.

    ``vocab_index`` maps token key → id in ``cols.vocab``. Same result as
    :func:`matcher.compare.compare_pair` row by row (tested).
    """
    return compare_many_detailed(interception, cols, vocab_index=vocab_index)[0]


_PLACE_KEYS: dict[Place, int] = {}


def _place_key(place: Place) -> int:
    """A small stable integer per distinct place (the gazetteer is finite)."""
    key = _PLACE_KEYS.get(place)
    if key is None:
        key = _PLACE_KEYS.setdefault(place, len(_PLACE_KEYS))
    return key


def _place_codes(interception: Prepared, cols: CandidateColumns) -> npt.NDArray[np.int8]:
    """The place relation code of every row (one lookup in :func:`relation_codes`)."""
    if interception.place is None:
        return np.full(cols.place.shape[0], PlaceCode.UNKNOWN, dtype=np.int8)
    return relation_codes(cols.places, interception.place).take(cols.place)


_RELATION_CODES: dict[tuple[int, Place], tuple[Sequence[Place], npt.NDArray[np.int8]]] = {}


def relation_codes(places: Sequence[Place], place: Place) -> npt.NDArray[np.int8]:
    """The relation code of every stored place (by place id) to ``place``, and a last one,
    :attr:`~matcher.levels.PlaceCode.UNKNOWN`, for id -1 (no place): so a column of place
    ids becomes codes in one lookup. Cached per ``place`` and ``places`` list (which only ever
    grows: codes are added for the new places). Per list, not one list per place: the service
    asks the reports' index and the open interceptions' index about the same place in every
    submission, and one entry per place made each evict the other's (measured: 7% of a
    submission's CPU recomputing relations). The entry holds its list, so the list's ``id``
    cannot be reused while the entry lives."""
    key = (id(places), place)
    known = np.zeros(0, dtype=np.int8)
    entry = _RELATION_CODES.get(key)
    if entry is not None and entry[0] is places:
        if entry[1].shape[0] == len(places) + 1:
            return entry[1]
        known = entry[1][:-1]
    fresh = [RELATION_CODE[relation(other, place)] for other in places[known.shape[0] :]]
    codes = np.concatenate(
        [known, np.array(fresh, dtype=np.int8), np.array([PlaceCode.UNKNOWN], dtype=np.int8)]
    )
    if len(_RELATION_CODES) >= 4096:  # the gazetteer is finite; a bound all the same
        _RELATION_CODES.clear()
    _RELATION_CODES[key] = (places, codes)
    return codes


def _relation_code(cols: CandidateColumns, pid: int, qkey: int, place: Place) -> int:
    """The relation code of stored place ``pid`` (-1: none) and a query's ``place`` (its
    :func:`_place_key` ``qkey``), from the columns' cache."""
    code = cols.relation_cache.get((pid, qkey))
    if code is None:
        code = RELATION_CODE[relation(cols.places[pid], place)] if pid >= 0 else PlaceCode.UNKNOWN
        cols.relation_cache[(pid, qkey)] = code
    return code


def _phone_measures(interception: Prepared, cols: CandidateColumns) -> Measures:
    n = cols.phone.shape[0]
    has_phone = cols.phone >= 0
    if interception.phone is None or not has_phone.any():
        return Measures(present=np.zeros(n, dtype=bool))
    qp = int(interception.phone)
    same = cols.phone == qp
    one_off = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(has_phone & ~same)
    if idx.size:
        cand = [f"{int(x):010d}" for x in cols.phone[idx]]
        dist = cdist([interception.phone.zfill(10)], cand, scorer=Levenshtein.distance)
        one_off[idx[dist[0] <= 1]] = True
    return Measures(present=has_phone, same=same, one_digit_off=one_off)


@dataclass(frozen=True, slots=True)
class Measured:
    """One interception measured against its ``n`` candidate rows — the measuring step of
    :func:`compare_many_detailed`, before any level is chosen.

    ``measures``: every comparison's measurements but the family's (it reads the levels the
    others chose); ``expected_age`` / ``age_tolerance`` / ``elapsed_years``: the per-row numbers
    the details show that no measurement holds. All arrays have ``n`` rows, so the measurements
    of many queries can be stacked and their levels chosen in one pass
    (:func:`measure_batch` builds the same for many queries at once).
    """

    n: int
    measures: Mapping[Field, Measures]
    expected_age: FloatArray
    age_tolerance: FloatArray
    elapsed_years: FloatArray


def measure_many(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> Measured:
    """The measuring step: every measurement of one interception against every row."""
    n = cols.name.shape[0]
    nan = np.full(n, np.nan)
    if n == 0:
        none = {c.field: Measures(present=np.zeros(0, dtype=bool)) for c in COMPARISONS}
        return Measured(0, none, nan, nan, nan)
    m: dict[Field, Measures] = {}
    name, given, surname, rarity = _name_measures(interception, cols, vocab_index)
    m[Field.NAME], m[Field.GIVEN_NAME], m[Field.SURNAME], m[Field.NAME_RARITY] = (
        name,
        given,
        surname,
        rarity,
    )
    father = _parent_measures(interception.father, cols.father, cols, vocab_index)
    mother = _parent_measures(interception.mother, cols.mother, cols, vocab_index)
    m[Field.FATHER_NAME], m[Field.MOTHER_NAME] = father, mother
    f_rarity = _parent_rarity(interception.father, father, cols.father, cols, vocab_index)
    m_rarity = _parent_rarity(interception.mother, mother, cols.mother, cols, vocab_index)
    m[Field.FATHER_RARITY], m[Field.MOTHER_RARITY] = f_rarity, m_rarity
    if interception.sex is not None:
        m[Field.SEX] = Measures(present=cols.sex != 0, same=cols.sex == sex_code(interception.sex))
    else:
        m[Field.SEX] = Measures(present=np.zeros(n, dtype=bool))
    has_day = cols.day > 0
    elapsed_years = nan
    elapsed_days = np.zeros(n, dtype=np.int64)
    if interception.day is not None:
        elapsed_days = interception.day.toordinal() - cols.day.astype(np.int64)
        elapsed_years = np.where(has_day, elapsed_days / DAYS_PER_YEAR, np.nan)
        m[Field.DATE_ORDER] = Measures(present=has_day, elapsed_days=elapsed_days)
    else:
        m[Field.DATE_ORDER] = Measures(present=np.zeros(n, dtype=bool))
    exp_age, age_tol = nan, nan
    if interception.age is not None:
        has_age = ~np.isnan(cols.age)
        both_days = has_day & (interception.day is not None)
        elapsed = np.where(both_days, elapsed_days / DAYS_PER_YEAR, 0.0)
        exp = np.where(both_days, cols.age + elapsed, cols.age)
        heaped = is_heaped(interception.age) | cols.heaped
        tol = AGE_BASE_TOLERANCE + np.where(heaped, AGE_HEAPED_EXTRA, 0.0)
        tol = tol + np.where(
            both_days,
            AGE_TOLERANCE_PER_YEAR * np.minimum(np.abs(elapsed), 10.0),
            AGE_UNKNOWN_ELAPSED_EXTRA,
        )
        m[Field.AGE] = Measures(present=has_age, difference=interception.age - exp, tolerance=tol)
        exp_age = np.where(has_age, exp, np.nan)
        age_tol = np.where(has_age, tol, np.nan)
    else:
        m[Field.AGE] = Measures(present=np.zeros(n, dtype=bool))
    codes = _place_codes(interception, cols)
    m[Field.PLACE] = Measures(present=codes != PlaceCode.UNKNOWN, relation=codes)
    m[Field.PHONE] = _phone_measures(interception, cols)
    return Measured(n, m, exp_age, age_tol, elapsed_years)


def choose_levels(measured: Measured) -> tuple[npt.NDArray[np.int8], DetailColumns]:
    """The level step: ``(n, N_FIELDS)`` levels (the family's from the others') and the
    details, elementwise over the rows — the same whether ``measured`` holds one query's rows
    or many queries' stacked (:func:`compare_stacked`)."""
    n, m = measured.n, measured.measures
    out = np.zeros((n, N_FIELDS), dtype=np.int8)
    nan = np.full(n, np.nan)
    if n == 0:
        empty = np.zeros(0, dtype=np.int32)
        return out, DetailColumns(nan, empty, nan, empty, nan, empty, nan, nan, nan, nan, nan, nan)
    for i, comparison in enumerate(COMPARISONS):
        if comparison.field is not Field.FAMILY:
            out[:, i] = comparison.choose(m[comparison.field])
    family = family_measures(
        out[:, POSITION[Field.GIVEN_NAME]],
        out[:, POSITION[Field.FATHER_NAME]],
        out[:, POSITION[Field.MOTHER_NAME]],
        out[:, POSITION[Field.PHONE]],
        out[:, POSITION[Field.AGE]],
        out[:, POSITION[Field.SEX]],
    )
    out[:, POSITION[Field.FAMILY]] = COMPARISONS[POSITION[Field.FAMILY]].choose(family)
    name, rarity = m[Field.NAME], m[Field.NAME_RARITY]
    father, mother = m[Field.FATHER_NAME], m[Field.MOTHER_NAME]
    f_rarity, m_rarity = m[Field.FATHER_RARITY], m[Field.MOTHER_RARITY]
    has_name = name.present
    details = DetailColumns(
        name_similarity=np.where(has_name, name.get("similarity", nan), np.nan),
        agreeing_tokens=np.where(has_name, rarity.agreeing, 0).astype(np.int32),
        rarity_bits=np.where(has_name, rarity.get("bits", nan), np.nan),
        father_agreeing_tokens=np.where(father.present, f_rarity.agreeing, 0).astype(np.int32),
        father_rarity_bits=np.where(father.present, f_rarity.bits, np.nan),
        mother_agreeing_tokens=np.where(mother.present, m_rarity.agreeing, 0).astype(np.int32),
        mother_rarity_bits=np.where(mother.present, m_rarity.bits, np.nan),
        father_similarity=np.where(father.present, father.similarity, np.nan),
        mother_similarity=np.where(mother.present, mother.similarity, np.nan),
        expected_age=measured.expected_age,
        age_tolerance=measured.age_tolerance,
        elapsed_years=measured.elapsed_years,
    )
    return out, details


def compare_many_detailed(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> tuple[npt.NDArray[np.int8], DetailColumns]:
    """:func:`compare_many`'s levels and, per row, the details an explanation shows."""
    return choose_levels(measure_many(interception, cols, vocab_index=vocab_index))


# --------------------------------------------------------------------------- many queries


@dataclass(frozen=True, slots=True)
class _QueryTokens:
    """One name field of many queries, one row per candidate row (its query's tokens).

    ``local``: ids into ``strings`` (-1 pads), ``(n, Q)``; ``ids``: vocabulary ids (-2 for a
    token not in the vocabulary, -3 pads); ``count``: the query's number of tokens."""

    local: IntArray
    ids: IntArray
    count: IntArray


_PAD = -3


class _Tokens:
    """The query tokens of a batch as small local ids, so that token pairs are integers."""

    def __init__(self, vocab_index: Mapping[str, int]) -> None:
        self.vocab_index = vocab_index
        self.strings: list[str] = []
        self._local: dict[str, int] = {}

    def field(self, per_query: Sequence[Sequence[str]], owner: Owner) -> _QueryTokens:
        """Each query's ``tokens`` repeated over its rows (``owner[row]`` is the row's query)."""
        width = max(1, max((len(t) for t in per_query), default=0))
        local = np.full((len(per_query), width), -1, dtype=np.int32)
        ids = np.full((len(per_query), width), _PAD, dtype=np.int32)
        for i, tokens in enumerate(per_query):
            for j, t in enumerate(tokens):
                k = self._local.get(t)
                if k is None:
                    k = self._local[t] = len(self.strings)
                    self.strings.append(t)
                local[i, j] = k
                ids[i, j] = self.vocab_index.get(t, -2)
        count = np.array([len(t) for t in per_query], dtype=np.int32)
        return _QueryTokens(local[owner], ids[owner], count[owner])

    def similarities(self, q: _QueryTokens, ids: IntArray, vocab: Sequence[str]) -> FloatArray:
        """:func:`_token_sims` of every row against its own query: ``(n, T, Q)``, one
        Jaro-Winkler per distinct (query token, candidate token) pair of the whole batch."""
        n, t = ids.shape
        out = np.full((n, t, q.local.shape[1]), NO_TOKEN)
        both = (ids >= 0)[:, :, None] & (q.local >= 0)[:, None, :]
        if not both.any():
            return out
        size = len(vocab) + 1
        codes = (q.local[:, None, :].astype(np.int64) * size + ids[:, :, None])[both]
        uniq, inverse = np.unique(codes, return_inverse=True)
        sims = cpdist(
            [self.strings[i] for i in (uniq // size).tolist()],
            [vocab[i] for i in (uniq % size).tolist()],
            scorer=JaroWinkler.normalized_similarity,
            dtype=np.float64,
        )
        out[both] = sims[inverse.ravel()]
        return out


def _alignment_rows(q: _QueryTokens, ids: IntArray, sims: FloatArray) -> FloatArray:
    """:func:`_alignment_many` with a query per row (its pads add nothing: 0.0)."""
    counts = (ids >= 0).sum(axis=1)
    best = sims.max(axis=1)  # (n, Q): best candidate token per query token
    left = np.zeros(ids.shape[0])
    for width in np.unique(q.count).tolist():  # summed over exactly the query's own tokens
        if width:
            rows = q.count == width
            left[rows] = best[rows, :width].sum(axis=1)
    right = np.maximum(sims.max(axis=2), 0.0).sum(axis=1)
    ok = (counts > 0) & (q.count > 0)
    return np.where(ok, (left + right) / np.maximum(q.count + counts, 1), 0.0)


def _set_equal_rows(q: _QueryTokens, ids: IntArray) -> BoolArray:
    """:func:`_set_equal` with a query per row."""
    present = ids >= 0
    eq = ids[:, :, None] == q.ids[:, None, :]  # (n, T, Q)
    in_query = ~present | eq.any(axis=2)
    has_all = (eq.any(axis=1) | (q.ids == _PAD)).all(axis=1)
    return np.asarray(in_query.all(axis=1) & has_all & present.any(axis=1))


def _agreeing_rows(
    per_query: Sequence[Sequence[str]],
    owner: Owner,
    ids: IntArray,
    vocab_index: Mapping[str, int],
    token_bits: FloatArray,
) -> tuple[IntArray, FloatArray]:
    """:func:`_agreeing` with a query per row; the bits summed in each query's token order
    (a row's extra columns add 0.0), so the sums are the same to the last bit."""
    distinct = [
        [qi for qi in dict.fromkeys(vocab_index.get(t, -2) for t in tokens) if qi >= 0]
        for tokens in per_query
    ]
    width = max(1, max((len(d) for d in distinct), default=0))
    qids = np.full((len(distinct), width), _PAD, dtype=np.int32)
    for i, d in enumerate(distinct):
        qids[i, : len(d)] = d
    qids = qids[owner]
    weights = np.where(qids >= 0, token_bits[np.maximum(qids, 0)], 0.0)
    count = np.zeros(ids.shape[0], dtype=np.int32)
    bits = np.zeros(ids.shape[0])
    for j in range(width):
        hit = (ids == qids[:, j : j + 1]).any(axis=1)
        count += hit
        bits += hit * weights[:, j]
    return count, bits


def _names_rows(
    tokens: _Tokens,
    per_query: Sequence[Sequence[str]],
    owner: Owner,
    ids: IntArray,
    cols: CandidateColumns,
) -> tuple[_QueryTokens, FloatArray, FloatArray]:
    """A name field's query tokens, token similarities and name similarity per row."""
    q = tokens.field(per_query, owner)
    sims = tokens.similarities(q, ids, cols.vocab)
    qd = tokens.field([distinctive(t) for t in per_query], owner)
    dids = _distinctive_ids(ids, cols.common)
    dsims = tokens.similarities(qd, dids, cols.vocab)
    return q, sims, _alignment_rows(qd, dids, dsims)


def measure_batch(
    queries: Sequence[Prepared],
    sizes: Sequence[int],
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> Measured:
    """:func:`measure_many` of many queries at once: ``cols`` holds the candidate rows of
    every query stacked in order (``sizes[i]`` rows for ``queries[i]``), each row measured
    against its own query in one vectorised pass (one Jaro-Winkler per distinct token pair of
    the whole batch). Every level and detail chosen from the result equals the query's own
    (tested); a measurement a row's level does not read (a missing field's) may differ."""
    ps = list(queries)
    counts = np.asarray(sizes, dtype=np.intp)
    n = int(counts.sum())
    if n != cols.name.shape[0]:
        raise ValueError(f"sizes add up to {n} rows, the columns hold {cols.name.shape[0]}")
    owner: Owner = np.repeat(np.arange(len(ps), dtype=np.intp), counts)
    nan = np.full(n, np.nan)
    if n == 0:
        none = {c.field: Measures(present=np.zeros(0, dtype=bool)) for c in COMPARISONS}
        return Measured(0, none, nan, nan, nan)
    tokens = _Tokens(vocab_index)
    m: dict[Field, Measures] = {}

    # the child's name
    q, sims, similarity = _names_rows(tokens, [p.name for p in ps], owner, cols.name, cols)
    present = (cols.name[:, 0] >= 0) & (q.count > 0)
    m[Field.NAME] = Measures(
        present=present, similarity=similarity, same=_set_equal_rows(q, cols.name)
    )
    first, q0 = cols.name[:, 0], q.ids[:, 0]
    q_ending = np.array([p.ending for p in ps], dtype=np.int8)[owner]
    gendered = ((q_ending == Ending.LONG_A) & (cols.ending == Ending.CONSONANT)) | (
        (q_ending == Ending.CONSONANT) & (cols.ending == Ending.LONG_A)
    )
    same = first == q0
    pair = q.local[:, 0].astype(np.int64) * (len(cols.vocab) + 1) + first
    uniq, inverse = np.unique(np.where(first >= 0, pair, -1), return_inverse=True)
    size = len(cols.vocab) + 1
    short_u = np.array(
        [
            code >= 0 and is_short_form(tokens.strings[code // size], cols.vocab[code % size])
            for code in uniq.tolist()
        ],
        dtype=bool,
    )
    m[Field.GIVEN_NAME] = Measures(
        present=present,
        same=same,
        same_form=same & ~gendered,
        rare=(q0 >= 0) & at_least(cols.token_bits[np.maximum(q0, 0)], GIVEN_RARE_BITS),
        similar=at_least(sims[:, 0, 0], TOKEN_SIMILAR),
        short_form=short_u[inverse.ravel()],
        elsewhere=(cols.name == q0[:, None]).any(axis=1) | (first[:, None] == q.ids).any(axis=1),
    )
    counts = (cols.name >= 0).sum(axis=1)
    rows = np.arange(n)
    last, q_last = np.maximum(counts - 1, 0), np.maximum(q.count - 1, 0)
    m[Field.SURNAME] = Measures(
        present=present & (counts >= 2) & (q.count >= 2),
        same=cols.name[rows, last] == q.ids[rows, q_last],
        similar=at_least(sims[rows, last, q_last], TOKEN_SIMILAR),
    )
    agreeing, bits = _agreeing_rows(
        [p.name for p in ps], owner, cols.name, vocab_index, cols.token_bits
    )
    m[Field.NAME_RARITY] = Measures(present=present, agreeing=agreeing, bits=bits)

    # the parents' names
    for fname, frarity, ids, per_query in (
        (Field.FATHER_NAME, Field.FATHER_RARITY, cols.father, [p.father for p in ps]),
        (Field.MOTHER_NAME, Field.MOTHER_RARITY, cols.mother, [p.mother for p in ps]),
    ):
        q, sims, similarity = _names_rows(tokens, per_query, owner, ids, cols)
        has = (ids[:, 0] >= 0) & (q.count > 0)
        m[fname] = Measures(
            present=has,
            similarity=similarity,
            same=_set_equal_rows(q, ids),
            first_same=ids[:, 0] == q.ids[:, 0],
            first_similar=at_least(sims[:, 0, 0], TOKEN_SIMILAR),
        )
        agreeing, bits = _agreeing_rows(per_query, owner, ids, vocab_index, cols.parent_bits)
        m[frarity] = Measures(present=has, agreeing=agreeing, bits=bits)

    # sex, dates, age
    q_sex = np.array([0 if p.sex is None else sex_code(p.sex) for p in ps], dtype=np.int8)[owner]
    m[Field.SEX] = Measures(present=(cols.sex != 0) & (q_sex != 0), same=cols.sex == q_sex)
    q_dated = np.array([p.day is not None for p in ps], dtype=bool)[owner]
    q_day = np.array([0 if p.day is None else p.day.toordinal() for p in ps], dtype=np.int64)
    has_day = cols.day > 0
    both_days = has_day & q_dated
    elapsed_days = np.where(q_dated, q_day[owner] - cols.day.astype(np.int64), 0)
    elapsed_years = np.where(both_days, elapsed_days / DAYS_PER_YEAR, np.nan)
    m[Field.DATE_ORDER] = Measures(present=both_days, elapsed_days=elapsed_days)
    q_age = np.array([np.nan if p.age is None else p.age for p in ps])[owner]
    q_heaped = np.array([p.age is not None and is_heaped(p.age) for p in ps], dtype=bool)[owner]
    has_age = ~np.isnan(cols.age) & ~np.isnan(q_age)
    elapsed = np.where(both_days, elapsed_days / DAYS_PER_YEAR, 0.0)
    exp = np.where(both_days, cols.age + elapsed, cols.age)
    tol = AGE_BASE_TOLERANCE + np.where(q_heaped | cols.heaped, AGE_HEAPED_EXTRA, 0.0)
    tol = tol + np.where(
        both_days,
        AGE_TOLERANCE_PER_YEAR * np.minimum(np.abs(elapsed), 10.0),
        AGE_UNKNOWN_ELAPSED_EXTRA,
    )
    m[Field.AGE] = Measures(present=has_age, difference=q_age - exp, tolerance=tol)

    # home place, phone
    codes = _place_rows(ps, owner, cols)
    m[Field.PLACE] = Measures(present=codes != PlaceCode.UNKNOWN, relation=codes)
    m[Field.PHONE] = _phone_rows(ps, owner, cols)
    return Measured(
        n,
        m,
        np.where(has_age, exp, np.nan),
        np.where(has_age, tol, np.nan),
        elapsed_years,
    )


def _place_rows(
    ps: Sequence[Prepared], owner: Owner, cols: CandidateColumns
) -> npt.NDArray[np.int8]:
    """:func:`_place_codes` with a query per row: one relation per distinct place pair."""
    keys = [-1 if p.place is None else _place_key(p.place) for p in ps]
    place_of = {k: p.place for k, p in zip(keys, ps, strict=True) if p.place is not None}
    width = len(_PLACE_KEYS) + 1
    qkey = np.array(keys, dtype=np.int64)[owner]
    pair = np.where(qkey >= 0, (cols.place.astype(np.int64) + 1) * width + qkey, -1)
    uniq, inverse = np.unique(pair, return_inverse=True)
    codes = [
        PlaceCode.UNKNOWN
        if code < 0
        else _relation_code(cols, code // width - 1, code % width, place_of[code % width])
        for code in uniq.tolist()
    ]
    return np.array(codes, dtype=np.int8)[inverse.ravel()]


def _phone_rows(ps: Sequence[Prepared], owner: Owner, cols: CandidateColumns) -> Measures:
    """:func:`_phone_measures` with a query per row."""
    q_phone = np.array([-1 if p.phone is None else int(p.phone) for p in ps], dtype=np.int64)
    q_phone = q_phone[owner]
    has = (cols.phone >= 0) & (q_phone >= 0)
    same = cols.phone == q_phone
    one_off = np.zeros(cols.phone.shape[0], dtype=bool)
    idx = np.flatnonzero(has & ~same)
    if idx.size:
        mine = [str(ps[i].phone).zfill(10) for i in owner[idx].tolist()]
        theirs = [f"{int(x):010d}" for x in cols.phone[idx]]
        dist = cpdist(mine, theirs, scorer=Levenshtein.distance)
        one_off[idx[dist <= 1]] = True
    return Measures(present=has, same=same, one_digit_off=one_off)


def compare_stacked(
    queries: Sequence[Prepared],
    sizes: Sequence[int],
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> tuple[npt.NDArray[np.int8], DetailColumns]:
    """:func:`compare_many_detailed` for many queries whose candidate rows are stacked in
    ``cols`` (``sizes[i]`` rows for ``queries[i]``, in order): measured
    (:func:`measure_batch`) and their levels chosen in one vectorised pass each, the results
    stacked the same way. For queries of a few rows each (new reports looking for their
    children), where a per-query pass would cost a fixed ~100 numpy calls for a few rows."""
    return choose_levels(measure_batch(queries, sizes, cols, vocab_index=vocab_index))


def split_stacked(
    levels: npt.NDArray[np.int8], details: DetailColumns, sizes: Sequence[int]
) -> list[tuple[npt.NDArray[np.int8], DetailColumns]]:
    """:func:`compare_stacked`'s result cut back into one (levels, details) per query."""
    out: list[tuple[npt.NDArray[np.int8], DetailColumns]] = []
    lo = 0
    for size in sizes:
        part = slice(lo, lo + size)
        out.append(
            (
                levels[part],
                DetailColumns(*(getattr(details, f.name)[part] for f in fields(details))),
            )
        )
        lo += size
    return out
