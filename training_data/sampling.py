"""Reproducible randomness for the generator: splits, their random streams, weighted draws.

Why: a generated split must be byte-identical for the same arguments on any machine and any
Python run, and different splits must not share random streams. Everything that derives a seed or
draws from a weighted list goes through this module, so that rule has one home.

Contract:
- :func:`split_rng` seeds a ``random.Random`` from ``(split, seed, stream name)`` with a stable
  hash (``blake2b``, never Python's salted ``hash``): the same triple gives the same stream.
- :func:`stable_hash` is the 64-bit hash used for seeds and for hash partitions (vocabulary
  parts); it is stable across runs and platforms.
- A :data:`WeightedTable` is built once by :func:`weighted` and sampled by :func:`pick` with one
  ``rng.random()`` call and one bisect; items with a weight <= 0 are left out.
- :func:`nfc` is the one text normalisation applied to every Bangla token read from a source
  (NFC, surrounding spaces stripped).
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from bisect import bisect
from collections.abc import Iterable
from enum import StrEnum


class Split(StrEnum):
    """Which dataset split to generate; each has its own id prefix and name vocabulary."""

    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


_SPLIT_SALT = {Split.TRAIN: 11, Split.VALIDATION: 23, Split.TEST: 37}

# (items, cumulative weights, total weight): sampled with one bisect, no per-call arithmetic.
WeightedTable = tuple[tuple[str, ...], tuple[float, ...], float]


def nfc(text: str) -> str:
    """``text`` stripped and in Unicode NFC (how every source token is compared and stored)."""
    return unicodedata.normalize("NFC", text.strip())


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every run and on every platform."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def split_rng(split: Split, seed: int, stream: str) -> random.Random:
    """The random stream ``stream`` ("reports", "interceptions" ...) of one split and seed."""
    return random.Random(stable_hash(f"{split.value}:{_SPLIT_SALT[split]}:{seed}:{stream}"))


def weighted(pairs: Iterable[tuple[str, float]]) -> WeightedTable:
    """A table to :func:`pick` from, keeping the order of ``pairs`` (weights <= 0 dropped)."""
    items: list[str] = []
    cum: list[float] = []
    total = 0.0
    for item, weight in pairs:
        if weight <= 0:
            continue
        total += weight
        items.append(item)
        cum.append(total)
    return tuple(items), tuple(cum), total


def pick(table: WeightedTable, rng: random.Random) -> str:
    """One item of ``table``, drawn with probability proportional to its weight."""
    return table[0][bisect(table[1], rng.random() * table[2])]


def nfc_pairs(pairs: Iterable[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """``(token, weight)`` pairs with every token in :func:`nfc` form."""
    return tuple((nfc(a), w) for a, w in pairs)
