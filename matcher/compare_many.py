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
(:func:`choose_levels`, elementwise over rows). :func:`compare_many_batch` measures many queries
and chooses all their levels in one pass — for queries of a few rows each, where choosing per
query (a fixed ~20 numpy calls) would cost more than measuring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist

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
    q = distinctive(query)
    is_common = (ids >= 0) & common[np.maximum(ids, 0)]
    keeps_some = np.asarray(((ids >= 0) & ~is_common).any(axis=1))
    return q, np.where(is_common & keeps_some[:, None], -1, ids).astype(np.int32)


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
        [tid >= 0 and is_short_form(q[0], cols.vocab[int(tid)]) for tid in uniq], dtype=bool
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

        def opt(x: FloatArray) -> float | None:
            v = float(x[i])
            return None if math.isnan(v) else v

        expected = opt(self.expected_age)
        return PairDetails(
            name_similarity=opt(self.name_similarity),
            agreeing_tokens=int(self.agreeing_tokens[i]),
            rarity_bits=opt(self.rarity_bits),
            father_agreeing_tokens=int(self.father_agreeing_tokens[i]),
            father_rarity_bits=opt(self.father_rarity_bits),
            mother_agreeing_tokens=int(self.mother_agreeing_tokens[i]),
            mother_rarity_bits=opt(self.mother_rarity_bits),
            father_similarity=opt(self.father_similarity),
            mother_similarity=opt(self.mother_similarity),
            expected_age=expected,
            observed_age=interception.age if expected is not None else None,
            age_tolerance=opt(self.age_tolerance),
            elapsed_years=opt(self.elapsed_years),
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
    """The place relation code of every row (cached per distinct place pair across queries)."""
    n = cols.place.shape[0]
    if interception.place is None:
        return np.full(n, PlaceCode.UNKNOWN, dtype=np.int8)
    uniq, inverse = np.unique(cols.place, return_inverse=True)
    qkey = _place_key(interception.place)
    cache = cols.relation_cache
    codes: list[int] = []
    for pid in uniq.tolist():
        code = cache.get((pid, qkey))
        if code is None:
            code = (
                RELATION_CODE[relation(cols.places[pid], interception.place)]
                if pid >= 0
                else PlaceCode.UNKNOWN
            )
            cache[(pid, qkey)] = code
        codes.append(code)
    return np.array(codes, dtype=np.int8)[inverse.ravel()]


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
    (:func:`compare_many_batch`).
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
    or many queries' stacked (:func:`compare_many_batch`)."""
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


def _stack(parts: Sequence[Measured]) -> Measured:
    """Many queries' measurements as one :class:`Measured`, rows in order.

    A measurement one query lacks (its comparison is missing on every row: nothing was
    measured) is filled with zeros of the others' dtype; a scalar one (the given name's
    rarity, one number per query) is repeated over the query's rows. Neither changes a level:
    the filled rows are not ``present``, so :meth:`~matcher.levels.Comparison.choose` gives
    them the null level, as it does per query, and their details are NaN / 0 either way.
    """
    sizes = [p.n for p in parts]
    measures: dict[Field, Measures] = {}
    for f in parts[0].measures:
        per_query = [p.measures[f] for p in parts]
        stacked = Measures()
        for key in dict.fromkeys(k for q in per_query for k in q):
            values = [q.get(key) for q in per_query]
            like = next((v for v in values if isinstance(v, np.ndarray)), None)
            columns = []
            for v, n in zip(values, sizes, strict=True):
                if v is None:
                    v = np.zeros(n, dtype=like.dtype if like is not None else bool)
                elif not isinstance(v, np.ndarray) or v.ndim == 0:
                    v = np.full(n, v)
                columns.append(v)
            stacked[key] = np.concatenate(columns)
        measures[f] = stacked
    return Measured(
        sum(sizes),
        measures,
        np.concatenate([p.expected_age for p in parts]),
        np.concatenate([p.age_tolerance for p in parts]),
        np.concatenate([p.elapsed_years for p in parts]),
    )


def compare_many_detailed(
    interception: Prepared,
    cols: CandidateColumns,
    *,
    vocab_index: Mapping[str, int],
) -> tuple[npt.NDArray[np.int8], DetailColumns]:
    """:func:`compare_many`'s levels and, per row, the details an explanation shows."""
    return choose_levels(measure_many(interception, cols, vocab_index=vocab_index))


def compare_many_batch(
    queries: Sequence[tuple[Prepared, CandidateColumns]],
    *,
    vocab_index: Mapping[str, int],
) -> list[tuple[npt.NDArray[np.int8], DetailColumns]]:
    """:func:`compare_many_detailed` for many (interception, candidate rows) queries at once:
    each query measured on its own, the levels and details of all of them chosen in one
    vectorised pass. Choosing levels costs ~20 numpy calls whatever the row count, which
    dominates when each query has only a few rows (a new report looking for its children);
    the result is identical, query for query (tested)."""
    measured = [measure_many(p, cols, vocab_index=vocab_index) for p, cols in queries]
    filled = [m for m in measured if m.n]
    if not filled:
        return [choose_levels(m) for m in measured]
    levels, details = choose_levels(_stack(filled))
    out: list[tuple[npt.NDArray[np.int8], DetailColumns]] = []
    lo = 0
    for m in measured:
        hi = lo + m.n
        part = slice(lo, hi)
        out.append(
            (
                levels[part],
                DetailColumns(*(getattr(details, f.name)[part] for f in fields(details))),
            )
        )
        lo = hi
    return out
