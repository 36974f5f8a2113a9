"""Graded similarity of two person names, either script, in 0-1.

Spec: :func:`name_similarity` ``(a, b) -> float`` in 0-1, symmetric, 0.0 when either side has no
core token. Tokens are compared on strict keys (:func:`matcher.names.keys.token_key`) and aligned
one-to-one (best of two greedy passes, so the score does not depend on argument order); a token
scores 1.0 on equal keys, otherwise at most 0.9 from normalised Levenshtein similarity on keys
and on romanised spellings; an initial ("A.") scores 0.7 against a token with that first letter.
Common tokens weigh half, and the score averages a Dice-like and an overlap-like normalisation,
so a missing surname costs a little and a different given name costs a lot. Per-string work is
cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler, Levenshtein

from matcher.names.keys import token_key
from matcher.names.parse import _parse_normalized
from matcher.names.phonetic import _latin_letters
from matcher.names.text import normalize_text
from matcher.names.transliterate import short_text_cache

__all__ = ["name_similarity"]

# A name has a handful of tokens; beyond this many, extra tokens are ignored when comparing so a
# 10 kB string cannot make the alignment slow.
_MAX_TOKENS = 8


@dataclass(frozen=True, slots=True)
class _Prepared:
    keys: tuple[str, ...]
    latin: tuple[str, ...]
    weights: tuple[float, ...]
    joined: str


_COMMON_WEIGHT = 0.5


@short_text_cache(maxsize=131072)
def _prepare_normalized(norm: str) -> _Prepared | None:
    parsed = _parse_normalized(norm)
    core = parsed.core[:_MAX_TOKENS]
    if not core:
        return None
    common = set(parsed.common)
    keys = tuple(token_key(t, strict=True) for t in core)
    latin = tuple(_latin_letters(t) or t for t in core)
    weights = tuple(_COMMON_WEIGHT if t in common else 1.0 for t in core)
    return _Prepared(keys, latin, weights, "".join(latin))


#: Similarity of two tokens whose keys differ never exceeds this: equal keys are the only way to
#: "the same name"; everything below is graded spelling distance.
_DIFFERENT_KEY_CAP = 0.9
#: An initial ("A." of "A. Rahim") against a token starting with that letter.
_INITIAL_SIM = 0.7


def _token_similarity(ka: str, la: str, kb: str, lb: str) -> float:
    """Similarity of two tokens given their keys ``k`` and romanised spellings ``l``; 0-1.

    Equal keys score 1.0. Otherwise the mean of normalised Levenshtein similarity on the keys
    (the sounds) and on the spellings (the letters), scaled by :data:`_DIFFERENT_KEY_CAP`.
    Levenshtein rather than Jaro-Winkler: on 4-6 letter names Jaro-Winkler rates Rina/Mina or
    Rahim/Rahima above 0.9, which says "same" too loudly.
    """
    if ka == kb:
        return 1.0
    if len(la) == 1 or len(lb) == 1:
        return _INITIAL_SIM if la[:1] == lb[:1] else 0.0
    key_sim = float(Levenshtein.normalized_similarity(ka, kb))
    spelling_sim = float(Levenshtein.normalized_similarity(la, lb))
    return _DIFFERENT_KEY_CAP * (0.5 * key_sim + 0.5 * spelling_sim)


def _greedy_total(a: _Prepared, b: _Prepared) -> float:
    """Best of two greedy one-to-one token alignments (ties broken by a's then by b's order).

    Taking the better of the two tie-break orders makes the total independent of which name
    is ``a``, hence a symmetric similarity; without tied similarities both orders agree and
    one pass is enough.
    """
    cells = [
        (-_token_similarity(a.keys[i], a.latin[i], b.keys[j], b.latin[j]), i, j)
        for i in range(len(a.keys))
        for j in range(len(b.keys))
    ]
    orders = [sorted(cells)]
    if len({c[0] for c in cells}) < len(cells):
        orders.append(sorted(cells, key=lambda c: (c[0], c[2], c[1])))
    best = 0.0
    for order in orders:
        used_a: set[int] = set()
        used_b: set[int] = set()
        total = 0.0
        for neg_sim, i, j in order:
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            total -= neg_sim * (a.weights[i] + b.weights[j]) / 2.0
        best = max(best, total)
    return best


@short_text_cache(maxsize=131072)
def _prepare(text: str) -> _Prepared | None:
    norm = normalize_text(text)
    return None if norm is None else _prepare_normalized(norm)


def name_similarity(a: str | None, b: str | None) -> float:
    """Graded, symmetric, cross-script similarity of two names in 0-1 (see the module spec).

    0.0 when either side has no core token; 1.0 for the same name in any romanisation or
    script ("মোছাঃ রহিমা খাতুন" vs "Rohima Khatoon").
    """
    if not a or not b or not isinstance(a, str) or not isinstance(b, str):
        return 0.0
    pa, pb = _prepare(a), _prepare(b)
    if pa is None or pb is None:
        return 0.0
    if pa.keys == pb.keys:  # same keys imply same weights: the same name
        return 1.0
    matched = _greedy_total(pa, pb)
    wa, wb = sum(pa.weights), sum(pb.weights)
    dice = 2.0 * matched / (wa + wb)
    overlap = matched / min(wa, wb)
    score = 0.5 * (dice + min(1.0, overlap))
    if len(pa.keys) != len(pb.keys):  # "Abdur Rahman" vs "Abdurrahman"
        joined = float(JaroWinkler.normalized_similarity(pa.joined, pb.joined))
        score = max(score, 0.95 * joined if joined >= 0.9 else 0.0)
    return max(0.0, min(1.0, score))
