"""Reports find children: a report added after the child was intercepted is matched against the
open interceptions at once.

The forward query (:meth:`matcher.index.MatchIndex.query`) is the one rule that scores,
bands, ranks and explains a pair. This module adds no second rule; it only decides *which*
interceptions a new report could change, and then asks the forward query again:

1. :class:`InterceptionIndex` files each open interception under the exact blocking keys its
   forward query looks up (:func:`matcher.block.query_keys`, as hashes). A new report's own keys
   (:func:`matcher.block.report_key_hashes`, what the reports' index files it under) hit the
   interceptions whose forward query would retrieve it by an exact key. Keys shared by more than
   ``cap`` interceptions are skipped (as the forward retrieval skips over-common keys).
2. :func:`find_children` scores each (new report, hit interception) pair with the engine's own
   comparison and model (:meth:`MatchIndex.compare` / :meth:`MatchIndex.score` over the given
   rows: the same numbers the forward query computes for that row), and only for an
   interception where a new report reaches the review threshold runs the forward query itself.
   The new reports among its top ``k`` in the match or review band are the result: the same
   candidate (rank, score, band with the rival rule, explanation) the interception would get if
   it were submitted now, so a pair scores the same whichever record arrived first.

Not found this way: a pair linked only by a fuzzy name token (the forward query's
edit-distance neighbours) or only by an over-common key; a batch run still finds those.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from matcher.block import query_keys, report_key_hashes
from matcher.index import MatchIndex
from matcher.prepare import Prepared, prepare_interception
from matcher.records import Band, Candidate, Interception

__all__ = ["InterceptionIndex", "find_children"]


@dataclass(slots=True)
class InterceptionIndex:
    """Open interceptions filed under the hashes of their forward query's exact keys.

    ``cap`` — a key shared by more interceptions than this retrieves none (too common to tell
    anyone apart). Add (or replace by id) and remove are incremental; not thread-safe (the
    service guards it with its index lock).
    """

    cap: int = 2000
    _records: dict[str, Interception] = field(default_factory=dict)
    _keys: dict[str, tuple[int, ...]] = field(default_factory=dict)
    _postings: dict[int, set[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, interception_id: object) -> bool:
        return interception_id in self._records

    def get(self, interception_id: str) -> Interception | None:
        """The interception as added (None if absent)."""
        return self._records.get(interception_id)

    def add(self, interception: Interception) -> None:
        """Insert an interception, or replace the one with the same id (an edit)."""
        iid = interception.interception_id
        self.remove(iid)
        hashes = tuple({hash(k) for k in query_keys(prepare_interception(interception))})
        self._records[iid] = interception
        self._keys[iid] = hashes
        for h in hashes:
            self._postings.setdefault(h, set()).add(iid)

    def remove(self, interception_id: str) -> None:
        """Remove an interception (matched); unknown ids are ignored (idempotent)."""
        if self._records.pop(interception_id, None) is None:
            return
        for h in self._keys.pop(interception_id, ()):
            ids = self._postings.get(h)
            if ids is not None:
                ids.discard(interception_id)
                if not ids:
                    del self._postings[h]

    def hits(self, report: Prepared) -> set[str]:
        """Ids of the interceptions whose forward query would retrieve ``report`` (prepared as
        the reports' index prepares it) by an exact, not over-common key."""
        out: set[str] = set()
        for h in report_key_hashes(report):
            ids = self._postings.get(h)
            if ids is not None and len(ids) <= self.cap:
                out.update(ids)
        return out


def find_children(
    index: MatchIndex,
    interceptions: InterceptionIndex,
    report_ids: Iterable[str],
    *,
    top_k: int = 10,
    exclude: Mapping[str, Collection[str]] | None = None,
) -> list[Candidate]:
    """The candidates new reports make for already open interceptions (see the module doc).

    ``report_ids`` — reports already in ``index`` (added just now); ids not there are skipped.
    ``exclude`` — per interception id, report ids a reviewer ruled out (the forward query
    excludes them too, so ranks agree with a re-ranking). Returns match- and review-band
    candidates only, grouped by interception id (sorted), each group by rank.
    """
    new = [rid for rid in dict.fromkeys(report_ids) if rid in index]
    if not new or not len(interceptions):
        return []
    per_interception: dict[str, list[str]] = {}
    for rid in new:
        report = index.prepared_of(rid)
        if report is None:
            continue
        for iid in interceptions.hits(report):
            per_interception.setdefault(iid, []).append(rid)
    threshold = index.model.review_threshold_
    out: list[Candidate] = []
    for iid in sorted(per_interception):
        record = interceptions.get(iid)
        if record is None:
            continue
        rids = per_interception[iid]
        ruled_out = (exclude or {}).get(iid, ())
        rows = index.rows_of([r for r in rids if r not in ruled_out])
        if not rows:
            continue
        # The engine's own pair scores (the numbers the forward query gives these rows): only
        # an interception a new report could enter the queue of pays for a full query.
        scored = index.score(index.compare(index.given_rows(record, rows)))
        if not scored.scores.size or float(scored.scores.max()) < threshold:
            continue
        wanted = set(rids)
        out.extend(
            c
            for c in index.query(record, top_k=top_k, exclude=ruled_out)
            if c.report_id in wanted and c.band is not Band.NO_MATCH
        )
    return out
