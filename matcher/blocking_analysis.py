"""Blocking analysis: how well retrieval keeps the true reports, measured on labelled data.

Apart from :mod:`matcher.block` as Splink keeps ``blocking_analysis`` apart from its blocking
rules: blocking decides, this module only measures it (pair completeness before and after the
pre-score cut, candidates per query) through the index's public stage
:meth:`~matcher.index.MatchIndex.retrieve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matcher.index import MatchIndex
from matcher.records import Interception


@dataclass(frozen=True, slots=True)
class BlockingStats:
    """Blocking quality on labelled data.

    ``pair_completeness``: share of true (interception, report) pairs among the kept candidates;
    ``retrieved_completeness``: the same before the pre-score cut; ``mean_retrieved`` /
    ``mean_kept``: rows per query before / after the cut.
    """

    queries: int
    true_pairs: int
    pair_completeness: float
    retrieved_completeness: float
    mean_retrieved: float
    mean_kept: float


def blocking_stats(
    index: MatchIndex,
    interceptions: Iterable[Interception],
    truth: Mapping[str, Iterable[str]],
) -> BlockingStats:
    """Measure blocking on ``interceptions`` given ``truth`` (interception id → report ids).

    Interceptions without a true report still count towards candidates per query.
    """
    queries = true_pairs = found_kept = found_retrieved = 0
    retrieved_total = kept_total = 0
    for it in interceptions:
        found = index.retrieve(it)
        kept, retrieved = index.ids_of(found.rows), index.ids_of(found.retrieved)
        queries += 1
        retrieved_total += len(retrieved)
        kept_total += len(kept)
        wanted = set(truth.get(it.interception_id, ()))
        true_pairs += len(wanted)
        found_kept += len(wanted & set(kept))
        found_retrieved += len(wanted & set(retrieved))
    return BlockingStats(
        queries=queries,
        true_pairs=true_pairs,
        pair_completeness=found_kept / true_pairs if true_pairs else 1.0,
        retrieved_completeness=found_retrieved / true_pairs if true_pairs else 1.0,
        mean_retrieved=retrieved_total / queries if queries else 0.0,
        mean_kept=kept_total / queries if queries else 0.0,
    )
