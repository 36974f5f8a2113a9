"""The columnar store behind :class:`matcher.index.MatchIndex`: reports as numpy columns.

A million reports must fit in a few GB and be compared without Python loops, so each report's
prepared fields (:class:`matcher.prepare.Prepared`) are held column-wise: name tokens interned
into one vocabulary and stored as int32 id matrices, sex / age / date / place / phone as numpy
columns, plus the token document frequencies the rarity features read. The raw text needed to
give a report back (:meth:`ReportStore.get`) is one tuple per row with repeated strings shared.

Adding, replacing and removing are incremental: removal tombstones a row (``alive``), replacement
tombstones and appends, so row numbers never change and blocking postings stay valid. Rows are
staged one report at a time (the cheap Python part) and written into the columns in bulk
(:meth:`ReportStore.flush`). :class:`IndexPart` carries a store's rows to another process's
store (a batch builds its index in two processes).

Concurrent readers are safe; a write needs exclusive access (the caller's lock).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.block import KeyColumns, father_head, father_key_hashes, name_key_hashes
from matcher.compare import heaped_age
from matcher.compare_many import CandidateColumns
from matcher.names import common_token_keys
from matcher.places import Place
from matcher.prepare import (
    MAX_TOKENS,
    Prepared,
    age_years,
    home_place,
    name_keys_and_ending,
    normalize_phone,
    phone_number,
    prepare_report,
    sex_code,
)
from matcher.records import Report, Sex

_SEX_FROM_CODE: dict[int, Sex | None] = {0: None, 1: Sex.MALE, 2: Sex.FEMALE}
# A staged row: name / father / mother token ids, sex code, age, day ordinal, place id, phone,
# heaped flag, given-name ending (see ReportStore.stage).
_Row = tuple[list[int], list[int], list[int], int, float, int, int, int, bool, int]


@dataclass(frozen=True, slots=True)
class IndexPart:
    """The rows of one index as plain data, for another index to append
    (:meth:`matcher.index.MatchIndex.to_part` / :meth:`~matcher.index.MatchIndex.extend`).

    Exists so that a batch can build the index in several processes, each over a slice of the
    reports, and send the slices back cheaply (numpy arrays pickle as raw bytes). Token and place
    numbers are the part's own (``vocab`` / ``places`` say what they stand for); rows are
    numbered from 0; ``postings`` are (key hash, row) pairs (hashes agree between a process and
    the processes it forks, which share its hash seed).
    """

    ids: list[str]
    raw: list[tuple[Any, ...]]
    vocab: list[str]
    name_df: npt.NDArray[np.int32]
    parent_df: npt.NDArray[np.int32]
    places: list[Place]
    alive: npt.NDArray[np.bool_]
    name: npt.NDArray[np.int32]
    father: npt.NDArray[np.int32]
    mother: npt.NDArray[np.int32]
    sex: npt.NDArray[np.int8]
    age: npt.NDArray[np.float64]
    day: npt.NDArray[np.int32]
    place: npt.NDArray[np.int32]
    phone: npt.NDArray[np.int64]
    heaped: npt.NDArray[np.bool_]
    ending: npt.NDArray[np.int8]
    posting_hashes: npt.NDArray[np.int64]
    posting_rows: npt.NDArray[np.int32]


class _Names:
    """The distinct texts of one name field (the child's, the father's or the mother's) met by
    one bulk add, each keyed once: padded token ids, and the child's given-name ending and
    ``n``/``nn`` key hashes or the father's own key hashes and head tokens. Code 0 is "no
    name" (blank, missing or not text)."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.codes: dict[object, int] = {None: 0, "": 0}
        self.hashes: list[tuple[int, ...]] = [()]
        self._ids: list[list[int]] = [[-1] * MAX_TOKENS]
        self._endings: list[int] = [0]
        self._heads: list[list[int]] = [[-1] * 3]
        self._table = np.zeros((0, MAX_TOKENS), dtype=np.int32)
        self._heads_np = np.zeros((0, 3), dtype=np.int32)

    def add(self, text: object, store: ReportStore) -> int:
        """The code of a text not met yet, its new tokens interned in order."""
        if not isinstance(text, str) or not text:
            return 0
        tokens, ending = name_keys_and_ending(text)
        vocab = store.vocab
        ids = [vocab[t] if t in vocab else store._intern_token(t) for t in tokens]
        code = len(self._ids)
        self.codes[text] = code
        self._ids.append((ids + [-1] * MAX_TOKENS)[:MAX_TOKENS])
        if self.role == "name":
            self.hashes.append(name_key_hashes(tokens))
            self._endings.append(ending)
        elif self.role == "father":
            self.hashes.append(father_key_hashes(tokens))
            self._heads.append(([vocab[t] for t in father_head(tokens)] + [-1] * 3)[:3])
        return code

    def table(self) -> npt.NDArray[np.int32]:
        """Padded token ids by code (``(codes, MAX_TOKENS)``)."""
        if self._table.shape[0] < len(self._ids):
            new = np.array(self._ids[self._table.shape[0] :], dtype=np.int32)
            self._table = np.concatenate((self._table, new))
        return self._table

    def endings(self) -> npt.NDArray[np.int8]:
        """Given-name ending by code (the child's names)."""
        return np.array(self._endings, dtype=np.int8)

    def heads(self) -> npt.NDArray[np.int32]:
        """Token ids of :func:`matcher.block.father_head` by code (``(codes, 3)``, -1 pads)."""
        if self._heads_np.shape[0] < len(self._heads):
            new = np.array(self._heads[self._heads_np.shape[0] :], dtype=np.int32)
            self._heads_np = np.concatenate((self._heads_np, new))
        return self._heads_np


class BulkMemo:
    """What one bulk add (:meth:`ReportStore.add_block`) has worked out per distinct value, to
    reuse for every report that repeats it: names (a million reports hold ~200,000 distinct
    child names per half million), home places, dates and ages. Lives as long as the add."""

    def __init__(self) -> None:
        self.names = _Names("name")
        self.fathers = _Names("father")
        self.mothers = _Names("mother")
        self.places: dict[tuple[object, object], int] = {}
        self.days: dict[object, tuple[int, int]] = {}
        self.ages: dict[object, tuple[float, bool]] = {}

    def day(self, value: object) -> tuple[int, int]:
        """(ordinal, year) of a report date, (0, 0) when it is not one."""
        out = (value.toordinal(), value.year) if isinstance(value, date) else (0, 0)
        self.days[value] = out
        return out

    def age(self, value: object) -> tuple[float, bool]:
        """(age column value, heaped flag) of an age as given."""
        age = age_years(value)
        out = (age if age is not None else math.nan, heaped_age(age))
        self.ages[value] = out
        return out


def _distinct_counts(ids: npt.NDArray[np.int32], size: int) -> npt.NDArray[np.int64]:
    """How many rows of a token-id matrix hold each token id (-1 pads ignored)."""
    s = np.sort(ids, axis=1)
    keep = s >= 0
    keep[:, 1:] &= s[:, 1:] != s[:, :-1]
    return np.bincount(s[keep], minlength=size)


class ReportStore:
    """Reports as columns; see the module docstring.

    ``keep_reports`` — keep each report's raw fields for :meth:`get`; ``on_new_token(id, key)``
    is told of every token key the vocabulary learns (the blocking index's fuzzy neighbourhood).
    """

    def __init__(
        self, *, keep_reports: bool = True, on_new_token: Callable[[int, str], None] | None = None
    ) -> None:
        self.keep_reports = keep_reports
        self._on_new_token = on_new_token
        self.vocab: dict[str, int] = {}
        self.vocab_list: list[str] = []
        self._common = np.zeros(1024, dtype=bool)  # vocab token is a common surname-like one
        self._name_df = np.zeros(1024, dtype=np.int32)
        self._parent_df = np.zeros(1024, dtype=np.int32)  # reports whose parents' names have it
        self.places: list[Place] = []
        self._place_ids: dict[Place, int] = {}
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self._raw: list[tuple[Any, ...]] = []
        self._strings: dict[str, str] = {}
        self.n_rows = 0
        self.alive_count = 0
        cap0 = 1024
        self.alive = np.zeros(cap0, dtype=bool)
        self.name = np.full((cap0, MAX_TOKENS), -1, dtype=np.int32)
        self.father = np.full((cap0, MAX_TOKENS), -1, dtype=np.int32)
        self.mother = np.full((cap0, MAX_TOKENS), -1, dtype=np.int32)
        self.sex = np.zeros(cap0, dtype=np.int8)
        self.age = np.full(cap0, np.nan)
        self.day = np.zeros(cap0, dtype=np.int32)
        self.place = np.full(cap0, -1, dtype=np.int32)
        self.phone = np.full(cap0, -1, dtype=np.int64)
        self.heaped = np.zeros(cap0, dtype=bool)
        self.ending = np.zeros(cap0, dtype=np.int8)
        self._bits_cache: npt.NDArray[np.float64] | None = None
        self._parent_bits_cache: npt.NDArray[np.float64] | None = None
        self.relation_cache: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ writing

    def _grow(self) -> None:
        size = self.alive.shape[0] * 2
        for attr, fill in (
            ("alive", False),
            ("name", -1),
            ("father", -1),
            ("mother", -1),
            ("sex", 0),
            ("age", np.nan),
            ("day", 0),
            ("place", -1),
            ("phone", -1),
            ("heaped", False),
            ("ending", 0),
        ):
            old = getattr(self, attr)
            new = np.full((size, *old.shape[1:]), fill, dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, attr, new)

    def _intern_token(self, token: str) -> int:
        tid = self.vocab.get(token)
        if tid is None:
            tid = len(self.vocab_list)
            self.vocab[token] = tid
            self.vocab_list.append(token)
            if tid >= self._name_df.shape[0]:
                df = np.zeros(self._name_df.shape[0] * 2, dtype=np.int32)
                df[: self._name_df.shape[0]] = self._name_df
                self._name_df = df
                pdf = np.zeros(df.shape[0], dtype=np.int32)
                pdf[: self._parent_df.shape[0]] = self._parent_df
                self._parent_df = pdf
                common = np.zeros(df.shape[0], dtype=bool)
                common[: self._common.shape[0]] = self._common
                self._common = common
            self._common[tid] = token in common_token_keys()
            if self._on_new_token is not None:
                self._on_new_token(tid, token)
        return tid

    def _intern_str(self, text: str | None) -> str | None:
        if text is None:
            return None
        return self._strings.setdefault(text, text)

    def _place_id(self, place: Place | None) -> int:
        if place is None:
            return -1
        pid = self._place_ids.get(place)
        if pid is None:
            pid = len(self.places)
            self.places.append(place)
            self._place_ids[place] = pid
        return pid

    def _raw_fields(self, report: Report) -> tuple[Any, ...]:
        """What :meth:`get` gives back, repeated strings shared."""
        return (
            report.name,
            self._intern_str(report.father_name),
            self._intern_str(report.mother_name),
            self._intern_str(report.district),
            self._intern_str(report.upazila),
            self._intern_str(report.police_station),
            report.guardian_phone,
            report.age,
            report.report_date,
            report.sex,
        )

    def stage(self, report: Report) -> tuple[int, Prepared, _Row]:
        """Per-report work (keys, interning, raw fields): its row number, prepared fields and the
        staged column values :meth:`flush` writes later."""
        p = prepare_report(report)
        row = self.n_rows
        self.n_rows += 1
        vocab = self.vocab
        intern = self._intern_token
        # The dict look-up inline: almost every token is already interned.
        name_ids = [vocab[t] if t in vocab else intern(t) for t in p.name]
        father_ids = [vocab[t] if t in vocab else intern(t) for t in p.father]
        mother_ids = [vocab[t] if t in vocab else intern(t) for t in p.mother]
        self.ids.append(report.report_id)
        self.row_of[report.report_id] = row
        if self.keep_reports:
            self._raw.append(self._raw_fields(report))
        self.alive_count += 1
        staged = (
            name_ids,
            father_ids,
            mother_ids,
            sex_code(p.sex),
            p.age if p.age is not None else math.nan,
            p.day.toordinal() if p.day is not None else 0,
            self._place_id(p.place),
            phone_number(p.phone),
            heaped_age(p.age),
            p.ending,
        )
        return row, p, staged

    def add_block(self, reports: Sequence[Report], memo: BulkMemo) -> tuple[int, KeyColumns]:
        """Add many reports at once, column by column: what :meth:`stage` then :meth:`flush`
        do for each, with the per-report work done once per distinct value (``memo``: a name's
        token ids, given-name ending and key hashes; a place; a date). Returns the first new
        row and the columns :meth:`matcher.block.BlockIndex.add_columns` keys them by.

        The caller checks first that no report replaces a stored one or another of the block
        (:meth:`stage` one by one handles those). Tokens and places are numbered in the order
        one-by-one staging meets them, so the two give identical stores (a test checks).
        """
        n = len(reports)
        lo = self.n_rows
        names, fathers, mothers = memo.names, memo.fathers, memo.mothers
        name_code, father_code, mother_code = names.codes, fathers.codes, mothers.codes
        nc: list[int] = []
        fc: list[int] = []
        mc: list[int] = []
        # one loop over the three names, so new tokens are numbered row by row as stage() does
        for r in reports:
            x = r.name
            c = name_code.get(x)
            nc.append(c if c is not None else names.add(x, self))
            x = r.father_name
            c = father_code.get(x)
            fc.append(c if c is not None else fathers.add(x, self))
            x = r.mother_name
            c = mother_code.get(x)
            mc.append(c if c is not None else mothers.add(x, self))
        place_of = memo.places
        pids: list[int] = []
        for r in reports:
            where = (r.district, r.upazila)
            pid = place_of.get(where)
            if pid is None:
                pid = place_of[where] = self._place_id(home_place(*where))
            pids.append(pid)
        days = memo.days
        day_year = [days[d] if d in days else memo.day(d) for d in [r.report_date for r in reports]]
        ages = memo.ages
        age_heaped = [ages[a] if a in ages else memo.age(a) for a in [r.age for r in reports]]
        phones = [normalize_phone(r.guardian_phone) for r in reports]
        raws = [self._raw_fields(r) for r in reports] if self.keep_reports else []
        ids = [r.report_id for r in reports]
        # nothing is written above this line but interned tokens and places, as stage() would
        # intern them: a caller may redo the block with stage() after a TypeError
        self.ids.extend(ids)
        self.row_of.update(zip(ids, range(lo, lo + n), strict=True))
        self._raw.extend(raws)
        self.n_rows += n
        self.alive_count += n
        while self.n_rows > self.alive.shape[0]:
            self._grow()
        hi = self.n_rows
        nc_a = np.array(nc, dtype=np.int64)
        name = names.table()[nc_a]
        father_c = np.array(fc, dtype=np.int64)
        father = fathers.table()[father_c]
        mother = mothers.table()[np.array(mc, dtype=np.int64)]
        self.name[lo:hi] = name
        self.father[lo:hi] = father
        self.mother[lo:hi] = mother
        vocab_size = len(self.vocab_list)
        self._name_df[:vocab_size] += _distinct_counts(name, vocab_size)
        parents = np.concatenate((father, mother), axis=1)
        self._parent_df[:vocab_size] += _distinct_counts(parents, vocab_size)
        sex = np.array(
            [1 if r.sex is Sex.MALE else 2 if r.sex is Sex.FEMALE else 0 for r in reports],
            dtype=np.int8,
        )
        self.sex[lo:hi] = sex
        age = np.array([a for a, _ in age_heaped], dtype=np.float64)
        self.age[lo:hi] = age
        self.heaped[lo:hi] = [h for _, h in age_heaped]
        self.day[lo:hi] = [d for d, _ in day_year]
        place = np.array(pids, dtype=np.int32)
        self.place[lo:hi] = place
        self.phone[lo:hi] = [int(p) if p else -1 for p in phones]
        self.ending[lo:hi] = names.endings()[nc_a]
        self.alive[lo:hi] = True
        self._forget_rarity()
        keys = KeyColumns(
            name_hashes=[names.hashes[c] for c in nc],
            father_hashes=[fathers.hashes[c] for c in fc],
            name_first=name[:, 0],
            father_head=fathers.heads()[father_c],
            mother_first=mother[:, 0],
            phone_part=np.array([hash(p) if p else 0 for p in phones], dtype=np.int64),
            place=place,
            places=self.places,
            sex=sex,
            age=age,
            year=np.array([y for _, y in day_year], dtype=np.float64),
        )
        return lo, keys

    def flush(self, buf: list[_Row]) -> None:
        """Write staged rows (the last ``len(buf)`` rows) into the numpy columns."""
        if not buf:
            return
        while self.n_rows > self.alive.shape[0]:
            self._grow()
        lo, hi = self.n_rows - len(buf), self.n_rows
        pad = [-1] * MAX_TOKENS
        self.name[lo:hi] = np.array([(r[0] + pad)[:MAX_TOKENS] for r in buf], dtype=np.int32)
        self.father[lo:hi] = np.array([(r[1] + pad)[:MAX_TOKENS] for r in buf], dtype=np.int32)
        self.mother[lo:hi] = np.array([(r[2] + pad)[:MAX_TOKENS] for r in buf], dtype=np.int32)
        df_ids = [tid for r in buf for tid in set(r[0])]
        if df_ids:
            np.add.at(self._name_df, np.array(df_ids, dtype=np.int64), 1)
        parent_ids = [tid for r in buf for tid in set(r[1] + r[2])]
        if parent_ids:
            np.add.at(self._parent_df, np.array(parent_ids, dtype=np.int64), 1)
        self.sex[lo:hi] = [r[3] for r in buf]
        self.age[lo:hi] = [r[4] for r in buf]
        self.day[lo:hi] = [r[5] for r in buf]
        self.place[lo:hi] = [r[6] for r in buf]
        self.phone[lo:hi] = [r[7] for r in buf]
        self.heaped[lo:hi] = [r[8] for r in buf]
        self.ending[lo:hi] = [r[9] for r in buf]
        self.alive[lo:hi] = True
        self._forget_rarity()

    def _forget_rarity(self) -> None:
        self._bits_cache = None
        self._parent_bits_cache = None

    def to_part(
        self, posting_hashes: npt.NDArray[np.int64], posting_rows: npt.NDArray[np.int32]
    ) -> IndexPart:
        """This store's rows (copies of the used column prefixes) with the given postings."""
        n = self.n_rows
        return IndexPart(
            ids=list(self.ids),
            raw=list(self._raw),
            vocab=list(self.vocab_list),
            name_df=self._name_df[: len(self.vocab_list)].copy(),
            parent_df=self._parent_df[: len(self.vocab_list)].copy(),
            places=list(self.places),
            alive=self.alive[:n].copy(),
            name=self.name[:n].copy(),
            father=self.father[:n].copy(),
            mother=self.mother[:n].copy(),
            sex=self.sex[:n].copy(),
            age=self.age[:n].copy(),
            day=self.day[:n].copy(),
            place=self.place[:n].copy(),
            phone=self.phone[:n].copy(),
            heaped=self.heaped[:n].copy(),
            ending=self.ending[:n].copy(),
            posting_hashes=posting_hashes,
            posting_rows=posting_rows,
        )

    def extend(self, part: IndexPart) -> int:
        """Append a part's rows as if its reports had been staged here, in order, after ours;
        returns the row number of the part's first row. A part's report that replaces one of
        ours tombstones ours."""
        n_new = len(part.ids)
        lo = self.n_rows
        if n_new == 0:
            return lo
        if self.keep_reports and len(part.raw) != n_new:
            raise ValueError("the part was built without its reports (keep_reports=False)")
        every_alive = bool(part.alive.all())
        alive_ids = (
            part.ids
            if every_alive
            else [i for i, ok in zip(part.ids, part.alive.tolist(), strict=True) if ok]
        )
        if not self.row_of.keys().isdisjoint(alive_ids):
            for rid in alive_ids:
                if rid in self.row_of:
                    self.remove(rid)
        # Local token / place numbers -> ours, first-seen order kept (a trailing -1 maps -1).
        tok = np.array([self._intern_token(t) for t in part.vocab] + [-1], dtype=np.int32)
        plc = np.array([self._place_id(p) for p in part.places] + [-1], dtype=np.int32)
        np.add.at(self._name_df, tok[:-1].astype(np.int64), part.name_df)
        np.add.at(self._parent_df, tok[:-1].astype(np.int64), part.parent_df)
        self.n_rows += n_new
        while self.n_rows > self.alive.shape[0]:
            self._grow()
        hi = self.n_rows
        self.name[lo:hi] = tok[part.name]
        self.father[lo:hi] = tok[part.father]
        self.mother[lo:hi] = tok[part.mother]
        self.sex[lo:hi] = part.sex
        self.age[lo:hi] = part.age
        self.day[lo:hi] = part.day
        self.place[lo:hi] = plc[part.place]
        self.phone[lo:hi] = part.phone
        self.heaped[lo:hi] = part.heaped
        self.ending[lo:hi] = part.ending
        self.alive[lo:hi] = part.alive
        self.ids.extend(part.ids)
        if self.keep_reports:
            self._raw.extend(part.raw)
        if every_alive:
            self.row_of.update(zip(alive_ids, range(lo, hi), strict=True))
        else:
            rows = np.flatnonzero(part.alive) + lo
            self.row_of.update(zip(alive_ids, rows.tolist(), strict=True))
        self.alive_count += len(alive_ids)
        self._forget_rarity()
        return lo

    def remove(self, report_id: str) -> None:
        """Tombstone a report's row; unknown ids are ignored (idempotent)."""
        row = self.row_of.pop(report_id, None)
        if row is None:
            return
        self.alive[row] = False
        ids = self.name[row]
        for tid in set(ids[ids >= 0].tolist()):
            self._name_df[tid] -= 1
        parents = np.concatenate((self.father[row], self.mother[row]))
        for tid in set(parents[parents >= 0].tolist()):
            self._parent_df[tid] -= 1
        self.alive_count -= 1
        self._forget_rarity()

    # ------------------------------------------------------------------ reading

    def get(self, report_id: str) -> Report | None:
        """The report as added (None if absent); ``RuntimeError`` without ``keep_reports``."""
        if not self.keep_reports:
            raise RuntimeError("this index does not keep reports (keep_reports=False)")
        row = self.row_of.get(report_id)
        if row is None:
            return None
        name, father, mother, district, upazila, ps, phone, age, day, sex = self._raw[row]
        return Report(
            report_id=report_id,
            name=name,
            father_name=father,
            mother_name=mother,
            sex=sex,
            age=age,
            report_date=day,
            district=district,
            upazila=upazila,
            police_station=ps,
            guardian_phone=phone,
        )

    def _rarity(self, df: npt.NDArray[np.int32]) -> npt.NDArray[np.float64]:
        """log2((N + 1) / (df + 1)) for every vocabulary token, from a document-frequency column."""
        counts = df[: len(self.vocab_list)].astype(np.float64)
        return np.log2((self.alive_count + 1.0) / (counts + 1.0))

    def _rarity_of(self, df: npt.NDArray[np.int32], token: str) -> float:
        tid = self.vocab.get(token)
        count = int(df[tid]) if tid is not None else 0
        return math.log2((self.alive_count + 1.0) / (count + 1.0))

    def name_bits(self) -> npt.NDArray[np.float64]:
        """Rarity (bits) of every vocabulary token among the children's names."""
        if self._bits_cache is None:
            self._bits_cache = self._rarity(self._name_df)
        return self._bits_cache

    def parent_bits(self) -> npt.NDArray[np.float64]:
        """Rarity (bits) of every vocabulary token among the parents' names."""
        if self._parent_bits_cache is None:
            self._parent_bits_cache = self._rarity(self._parent_df)
        return self._parent_bits_cache

    def token_bits(self, token: str) -> float:
        """Rarity of a name token key in bits: log2((N + 1) / (df + 1)) over stored reports."""
        return self._rarity_of(self._name_df, token)

    def parent_token_bits(self, token: str) -> float:
        """Rarity of a token key among parents' names (df over the father and mother names:
        "Abdul" is common there, rarely among children)."""
        return self._rarity_of(self._parent_df, token)

    def columns(self, rows: npt.NDArray[np.int32]) -> CandidateColumns:
        """The given rows as :class:`~matcher.compare_many.CandidateColumns`."""
        return CandidateColumns(
            name=self.name[rows],
            father=self.father[rows],
            mother=self.mother[rows],
            sex=self.sex[rows],
            age=self.age[rows],
            day=self.day[rows],
            place=self.place[rows],
            phone=self.phone[rows],
            heaped=self.heaped[rows],
            ending=self.ending[rows],
            vocab=self.vocab_list,
            common=self._common,
            token_bits=self.name_bits(),
            parent_bits=self.parent_bits(),
            places=self.places,
            relation_cache=self.relation_cache,
        )

    def prepared(self, row: int) -> Prepared:
        """One row's prepared fields, as :func:`matcher.prepare.prepare_report` gave them."""

        def toks(col: npt.NDArray[np.int32]) -> tuple[str, ...]:
            return tuple(self.vocab_list[int(i)] for i in col[row] if i >= 0)

        age = float(self.age[row])
        day = int(self.day[row])
        place = int(self.place[row])
        phone = int(self.phone[row])
        return Prepared(
            name=toks(self.name),
            father=toks(self.father),
            mother=toks(self.mother),
            sex=_SEX_FROM_CODE[int(self.sex[row])],
            age=None if math.isnan(age) else age,
            day=date.fromordinal(day) if day > 0 else None,
            place=self.places[place] if place >= 0 else None,
            phone=f"{phone:010d}" if phone >= 0 else None,
            ending=int(self.ending[row]),
        )

    def row_place(self, row: int) -> Place | None:
        """The resolved home place of one row."""
        pid = int(self.place[row])
        return self.places[pid] if pid >= 0 else None

    def row_names(self, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """Child's name token keys of given rows (the rival rule compares them)."""
        out = []
        for row in rows:
            ids = self.name[int(row)]
            out.append(tuple(self.vocab_list[int(i)] for i in ids if i >= 0))
        return out
