"""Blocking: find the few hundred reports worth comparing in full with one interception.

Several complementary keys are unioned, so that losing one field (a wrong district, a missing
surname, a typo, another script) rarely loses the true report:

====================  ===========================================================  =======
key                   built from                                                   factor
====================  ===========================================================  =======
``n``                 each token key of the child's name (script/romanisation-proof)  1.0
``n~``                (query side) vocabulary tokens one edit away (SymSpell-style      0.7
                      deletion neighbourhood over the *vocabulary*, so cheap)
``nn``                each unordered pair of the child's first three token keys         1.0
``f`` / ``ff``        each of the father's first three token keys / pairs of them       0.6
``nf``                child's first token key + each of the father's token keys         0.8
``m``                 mother's first token key                                          0.4
``p``                 last 10 digits of the guardian phone                              1.5
``g``                 district + sex + 4-year birth band (query: adjacent bands too)    0.5
``s``                 district + first two letters of the given-name key (short forms:  0.5
                      "Dipu" for "Dipok", "Hani" for "Hannan")
====================  ===========================================================  =======

Each key hit adds ``factor × log2((N + 1) / (df + 1))`` (an IDF weight, ``df`` = postings
length) to a cheap pre-score; the best ``keep`` rows go on to full comparison. Keys whose
postings exceed ``cap`` or 1 in ``CAP_SHARE`` reports (e.g. "akter", "islam") are skipped unless the
selective keys find too little — common tokens still count in the full comparison.

Postings hold row numbers of :class:`matcher.index.MatchIndex`; removed rows stay in postings and
are filtered out at query time (so ``df`` slightly over-counts after many removals).
:mod:`matcher.blocking_analysis` measures pair completeness and candidates per query.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from matcher.prepare import Prepared, sex_code

BIRTH_BAND_YEARS = 4
MIN_FUZZY_LEN = 4
KEY_FACTORS: Mapping[str, float] = {
    "n": 1.0,
    "n~": 0.7,
    "nn": 1.0,
    "f": 0.6,
    "ff": 0.6,
    "nf": 0.8,
    "m": 0.4,
    "p": 1.5,
    "g": 0.5,
    "s": 0.5,
}
Key = tuple[str, ...]
#: A key shared by more than 1 in CAP_SHARE reports is too common to retrieve by (or ``cap``
#: reports, whichever is more): the same share at every archive size, so a name that is
#: selective enough at 50,000 reports stays in use at 1,000,000 (where a fixed 5,000 dropped
#: keys the true report was found by).
CAP_SHARE = 50


def deletes(token: str) -> set[str]:
    """The token's edit-distance-1 deletion neighbourhood (itself excluded)."""
    return {token[:i] + token[i + 1 :] for i in range(len(token))} if token else set()


def _birth_band(p: Prepared) -> int | None:
    if p.age is None or p.day is None:
        return None
    return int((p.day.year - p.age) // BIRTH_BAND_YEARS)


def report_keys(p: Prepared) -> Iterator[Key]:
    """The blocking keys a report is filed under (see :func:`report_key_list`)."""
    return iter(report_key_list(p))


def report_key_list(p: Prepared) -> list[Key]:
    """The blocking keys a report is filed under, as a list (built once per indexed report)."""
    out: list[Key] = []
    add = out.append
    name = list(dict.fromkeys(p.name)) if len(p.name) > 1 else list(p.name)
    for t in name:
        add(("n", t))
    head = name[:3]
    for i in range(len(head)):
        for j in range(i + 1, len(head)):
            a, b = head[i], head[j]
            add(("nn", a, b) if a <= b else ("nn", b, a))
    father = list(dict.fromkeys(p.father))[:3] if len(p.father) > 1 else list(p.father)
    first = name[0] if name else None
    for t in father:
        # every father token: honorific parsing differs between scripts ("Sayed")
        add(("f", t))
        if first is not None:
            add(("nf", first, t))
    for i in range(len(father)):
        for j in range(i + 1, len(father)):
            a, b = father[i], father[j]
            add(("ff", a, b) if a <= b else ("ff", b, a))
    if p.mother:
        add(("m", p.mother[0]))
    if p.phone:
        add(("p", p.phone))
    band = _birth_band(p)
    district = p.place.district_code if p.place is not None else None
    if district:
        if band is not None:
            add(("g", district, str(sex_code(p.sex)), str(band)))
        if first is not None:
            add(("s", _stem(first), district))
    return out


def report_key_hashes(p: Prepared) -> set[int]:
    """``{hash(k) for k in report_key_list(p)}``, what :meth:`BlockIndex.add_hashes` files.

    The fast path of indexing (a million reports: ~2.5 µs instead of ~10 µs per report,
    measured): the name's and the father's own keys are computed once per distinct token tuple
    (names repeat: ~320,000 distinct child names and ~250,000 fathers in a million reports), and
    no key tuple outlives its hash. :func:`report_key_list` stays the readable reference; a test
    asserts both agree.
    """
    name = p.name
    out = set(_name_hashes(name)) if name else set()
    father = p.father
    if father:
        out.update(_father_hashes(father))
        if name:
            first = name[0]
            for t in list(dict.fromkeys(father))[:3] if len(father) > 1 else father:
                out.add(hash(("nf", first, t)))
    if p.mother:
        out.add(hash(("m", p.mother[0])))
    if p.phone:
        out.add(hash(("p", p.phone)))
    place = p.place
    if place is not None and place.district_code:
        district = place.district_code
        band = _birth_band(p)
        if band is not None:
            out.add(_group_hash(district, sex_code(p.sex), band))
        if name:
            out.add(_short_form_hash(name[0], district))
    return out


@lru_cache(maxsize=1 << 16)
def _group_hash(district: str, sex: int, band: int) -> int:
    return hash(("g", district, str(sex), str(band)))


@lru_cache(maxsize=1 << 18)
def _short_form_hash(first: str, district: str) -> int:
    return hash(("s", _stem(first), district))


@lru_cache(maxsize=1 << 18)
def _name_hashes(name: tuple[str, ...]) -> tuple[int, ...]:
    """Hashes of a child's name keys ``n`` and ``nn`` (see :func:`report_key_list`)."""
    tokens = list(dict.fromkeys(name)) if len(name) > 1 else list(name)
    out = [hash(("n", t)) for t in tokens]
    head = tokens[:3]
    for i in range(len(head)):
        for j in range(i + 1, len(head)):
            a, b = head[i], head[j]
            out.append(hash(("nn", a, b) if a <= b else ("nn", b, a)))
    return tuple(out)


@lru_cache(maxsize=1 << 18)
def _father_hashes(father: tuple[str, ...]) -> tuple[int, ...]:
    """Hashes of the father's own keys ``f`` and ``ff`` (not ``nf``: it needs the child)."""
    tokens = list(dict.fromkeys(father))[:3] if len(father) > 1 else list(father)
    out = [hash(("f", t)) for t in tokens]
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens)):
            a, b = tokens[i], tokens[j]
            out.append(hash(("ff", a, b) if a <= b else ("ff", b, a)))
    return tuple(out)


def _stem(key: str) -> str:
    """First two letters of a token key without its final vowel: short forms share it."""
    return (key.rstrip("aeiou") or key)[:2]


def query_keys(p: Prepared) -> Iterator[Key]:
    """The exact keys an interception looks up (fuzzy name tokens are added by the index)."""
    for key in report_keys(p):
        if key[0] != "g":
            yield key
    band = _birth_band(p)
    if band is not None and p.place is not None and p.place.district_code:
        code = sex_code(p.sex)
        sexes = (code, 0) if code else (0, 1, 2)
        for s in sexes:
            for b in (band - 1, band, band + 1):
                yield ("g", p.place.district_code, str(s), str(b))


class BlockIndex:
    """Postings (key → rows) plus a deletion neighbourhood over the name-token vocabulary.

    Postings live in three tiers, all keyed by ``hash(key)`` (64-bit; a collision merely adds a
    few rows to a pre-score):

    - *staged*: ``add`` only appends (hash, row) pairs to two flat arrays, the cheapest thing a
      Python loop over a million reports can do;
    - *frozen*: a CSR layout (sorted unique hashes, offsets, rows) built with one numpy sort when
      a large batch is staged: a million reports' ~12 million postings take ~150 MB instead of
      a dict of ~8 million entries;
    - *recent*: small batches (the service adding one report at a time) go to a dict, merged
      into the frozen tier once it holds :data:`MERGE_EVERY` postings.

    Staged pairs are moved on the first look-up after an ``add``. Rows of one key keep their
    insertion order within each tier; retrieval does not depend on that order.
    """

    #: Staged postings at or above which a flush rebuilds the frozen tier (else: recent dict),
    #: and at least 1/:data:`BULK_SHARE` of the frozen tier: rebuilding a million reports'
    #: postings costs ~0.5 s, so a service importing 5,000 reports at a time (holding its write
    #: lock) should not pay it per page.
    BULK = 50_000
    BULK_SHARE = 8
    #: Recent postings above which they are merged into the frozen tier (or above
    #: 1/:data:`MERGE_SHARE` of it, whichever is more: a few merges per large import).
    MERGE_EVERY = 200_000
    MERGE_SHARE = 32

    def __init__(self, *, cap: int = 5000, hard_cap: int = 100_000) -> None:
        self.cap = cap
        self.hard_cap = hard_cap
        self._staged_h: array[int] = array("q")
        self._staged_r: array[int] = array("i")
        self._recent: dict[int, list[int]] = {}
        self._recent_count = 0
        self._keys = np.zeros(0, dtype=np.int64)
        self._offsets = np.zeros(1, dtype=np.int64)
        self._rows_csr = np.zeros(0, dtype=np.int32)
        self._deletes: dict[str, list[int]] = {}
        self._fuzzy_seen: set[int] = set()

    def add(self, row: int, keys: Iterable[Key]) -> None:
        """File ``row`` under each key (duplicate keys count once)."""
        self.add_hashes(row, set(map(hash, keys)))

    def add_hashes(self, row: int, hashes: Collection[int]) -> None:
        """File ``row`` under keys given by their distinct hashes (:func:`report_key_hashes`)."""
        self._staged_h.extend(hashes)
        self._staged_r.extend([row] * len(hashes))

    def postings(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """Every (key hash, row) pair held, as two arrays, in an order :meth:`add_postings` of
        another index reproduces (within a key: the order rows were added)."""
        self.flush()
        h = [np.repeat(self._keys, np.diff(self._offsets))]
        r = [self._rows_csr]
        if self._recent:
            h.append(np.fromiter((k for k, v in self._recent.items() for _ in v), dtype=np.int64))
            r.append(np.fromiter((x for v in self._recent.values() for x in v), dtype=np.int32))
        return np.concatenate(h), np.concatenate(r)

    def add_postings(self, hashes: npt.NDArray[np.int64], rows: npt.NDArray[np.int32]) -> None:
        """Stage many (key hash, row) pairs at once, e.g. another index's :meth:`postings` with
        its rows renumbered; same effect as the :meth:`add` calls that produced them."""
        if hashes.shape != rows.shape:
            raise ValueError("hashes and rows differ in length")
        self._staged_h.frombytes(np.ascontiguousarray(hashes, dtype=np.int64).tobytes())
        self._staged_r.frombytes(np.ascontiguousarray(rows, dtype=np.int32).tobytes())

    def flush(self) -> None:
        """Move staged postings into the recent dict (small batch) or the frozen tier.

        Look-ups flush on their own; a writer calls this after a batch so that concurrent
        readers never have to (reading then never mutates the index).
        """
        n = len(self._staged_h)
        if n == 0:
            return
        frozen = int(self._rows_csr.size)
        if n >= max(self.BULK, frozen // self.BULK_SHARE) or self._recent_count + n > max(
            self.MERGE_EVERY, frozen // self.MERGE_SHARE
        ):
            staged_h, staged_r = self._staged_h, self._staged_r
            self._staged_h, self._staged_r = array("q"), array("i")
            # Views, not copies: the merge concatenates anyway (peak memory at a million rows).
            self._merge(
                np.frombuffer(staged_h, dtype=np.int64), np.frombuffer(staged_r, dtype=np.int32)
            )
            return
        recent = self._recent
        for h_, r_ in zip(self._staged_h, self._staged_r, strict=True):
            cur = recent.get(h_)
            if cur is None:
                recent[h_] = [r_]
            else:
                cur.append(r_)
        self._recent_count += n
        self._staged_h, self._staged_r = array("q"), array("i")

    def _merge(self, h: npt.NDArray[np.int64], r: npt.NDArray[np.int32]) -> None:
        """Rebuild the frozen tier from itself, the recent dict and new pairs (in that order)."""
        parts_h = [np.repeat(self._keys, np.diff(self._offsets))]
        parts_r = [self._rows_csr]
        if self._recent:
            rec_h = np.fromiter((k for k, v in self._recent.items() for _ in v), dtype=np.int64)
            rec_r = np.fromiter((x for v in self._recent.values() for x in v), dtype=np.int32)
            parts_h.append(rec_h)
            parts_r.append(rec_r)
            self._recent, self._recent_count = {}, 0
        parts_h.append(h)
        parts_r.append(r)
        all_h = np.concatenate(parts_h)
        all_r = np.concatenate(parts_r)
        order = np.argsort(all_h, kind="stable")  # stable: insertion order within a key
        all_h = all_h[order]
        self._rows_csr = all_r[order]
        if all_h.size:
            starts = np.flatnonzero(np.r_[True, all_h[1:] != all_h[:-1]])
        else:
            starts = np.zeros(0, dtype=np.int64)
        self._keys = all_h[starts]
        self._offsets = np.r_[starts, all_h.size].astype(np.int64)

    def _frozen_span(self, h: int) -> tuple[int, int]:
        i = int(np.searchsorted(self._keys, h))
        if i < self._keys.size and int(self._keys[i]) == h:
            return int(self._offsets[i]), int(self._offsets[i + 1])
        return 0, 0

    def add_vocab_token(self, token_id: int, token: str) -> None:
        """Make a new vocabulary token findable by one-edit neighbours (idempotent)."""
        if token_id in self._fuzzy_seen or len(token) < MIN_FUZZY_LEN:
            return
        self._fuzzy_seen.add(token_id)
        for d in (token, *deletes(token)):
            self._deletes.setdefault(d, []).append(token_id)

    def neighbours(self, token: str) -> set[int]:
        """Vocabulary ids within one edit (insert/delete/substitute) of ``token``."""
        if len(token) < MIN_FUZZY_LEN - 1:
            return set()
        out: set[int] = set()
        for d in (token, *deletes(token)):
            out.update(self._deletes.get(d, ()))
        return out

    def size(self, key: Key) -> int:
        """Postings length of a key (0 if absent)."""
        if self._staged_h:
            self.flush()
        h = hash(key)
        lo, hi = self._frozen_span(h)
        return hi - lo + len(self._recent.get(h, ()))

    def _rows(self, key: Key) -> npt.NDArray[np.int32] | None:
        if self._staged_h:
            self.flush()
        h = hash(key)
        lo, hi = self._frozen_span(h)
        recent = self._recent.get(h)
        if recent is None:
            return self._rows_csr[lo:hi] if hi > lo else None
        extra = np.array(recent, dtype=np.int32)
        return np.concatenate([self._rows_csr[lo:hi], extra]) if hi > lo else extra

    def retrieve(
        self, weighted_keys: Sequence[tuple[Key, float]], *, n_total: int, min_rows: int = 50
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """Rows hit by the keys and their IDF pre-scores (``factor`` × bits per key hit).

        Keys above ``cap`` (or ``n_total / CAP_SHARE``, whichever is more) are used only if the
        selective ones found fewer than ``min_rows`` rows; keys above ``hard_cap`` never.
        """
        if self._staged_h:
            self.flush()
        # All keys' frozen spans with one vectorised search (a query has ~40 keys).
        hashes = [hash(k) for k, _ in weighted_keys]
        at = np.searchsorted(self._keys, hashes)
        ok = at < self._keys.size
        hit = np.zeros(len(hashes), dtype=bool)
        hit[ok] = self._keys[at[ok]] == np.asarray(hashes, dtype=np.int64)[ok]
        los = np.where(hit, self._offsets[np.where(hit, at, 0)], 0).tolist()
        his = np.where(hit, self._offsets[np.where(hit, at + 1, 0)], 0).tolist()
        recent = self._recent
        sized = [
            (h, f, lo, hi, hi - lo + len(recent.get(h, ())))
            for (_, f), h, lo, hi in zip(weighted_keys, hashes, los, his, strict=True)
        ]
        cap = max(self.cap, n_total // CAP_SHARE)
        selective = [x for x in sized if 0 < x[4] <= cap]
        common = sorted((x for x in sized if cap < x[4] <= self.hard_cap), key=lambda x: x[4])
        chosen = list(selective)
        if common and sum(x[4] for x in selective) < min_rows:
            chosen.extend(common)
        if not chosen:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        parts: list[npt.NDArray[np.int32]] = []
        weights: list[npt.NDArray[np.float64]] = []
        for h, factor, lo, hi, s in chosen:
            extra = recent.get(h)
            if extra is None:
                rows = self._rows_csr[lo:hi]
            else:
                rows = np.concatenate([self._rows_csr[lo:hi], np.array(extra, dtype=np.int32)])
            parts.append(rows)
            bits = factor * math.log2((n_total + 1) / (s + 1))
            weights.append(np.full(rows.shape[0], max(bits, 0.05)))
        allrows = np.concatenate(parts)
        allw = np.concatenate(weights)
        # Each key's rows are already ascending, so a stable (tim)sort only merges ~40 runs:
        # ~30% less time than np.unique's quicksort (measured, 47k rows). Stable also keeps each
        # row's weights in key order, so the sums are bit-identical to summing in input order.
        order = np.argsort(allrows, kind="stable")
        ordered = allrows[order]
        first = np.empty(ordered.shape[0], dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        uniq = ordered[first]
        scores = np.bincount(np.cumsum(first) - 1, weights=allw[order], minlength=uniq.shape[0])
        return uniq.astype(np.int32), scores.astype(np.float64)
