"""Name keys and transliteration measured on the Dakshina Bangla romanisation lexicon.

Data: ``training_data/sources/dakshina_bn_romanization_lexicon.csv`` (Bangla word -> the
romanisations native speakers typed, with attestation counts) and its name-token subset
``dakshina_bn_name_token_subset.csv`` (rows whose Bangla word is in a public name list).

Split: every Bangla word goes to HELD-OUT when ``sha1(word) mod 100 < 30`` and to DEV otherwise
(:func:`split_of`). The key rules were designed looking at DEV only; HELD-OUT is the figure that
counts, DEV is printed for comparison (a large gap would mean the rules memorise).

Figures, for our key (``token_key`` on ``transliterate``) and, in the same run, for generic
baselines (``anyascii``/``unidecode`` + ``jellyfish.metaphone``):

(a) bangla->latin: share of Bangla name tokens whose key equals the key of at least one of its
    attested romanisations (target >= 0.90);
(b) latin pairs: share of pairs of distinct attested romanisations of the same word that share a
    key (target >= 0.90), over all pairs, and over pairs of romanisations attested at least
    twice each (the typos of a single typist removed);
(c) false collisions: over random pairs of distinct name tokens that share no attested
    romanisation (so spelling variants of one name, e.g. আলি/আলী, are not counted), the share
    whose keys are equal (target <= 0.02); and the same over *near* pairs (Bangla spellings at
    edit distance 1), which is the hard case.

(d) name-list pairs: share of the (Bangla, Latin) spellings of one name in the BanglaNameMaker
    baby-name lists (``banglanamemaker_baby_names.csv``, split by the same hash of the Bangla
    spelling) whose keys are equal; a second, independent source of romanisations (Indian-style
    spellings such as "Vaani", "Bhooshit" are frequent there).

``token_key`` is the default key (final vowel forgotten, see :mod:`matcher.names`);
``token_key(strict)`` keeps the final vowel's class. ``--dev-failures N`` prints DEV misses to
design rules on (never HELD-OUT ones).

Run from the repository root: ``python -m benchmarks.names [--quick] [--dev-failures N]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from matcher.names import token_key, transliterate

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "training_data" / "sources"
HELD_OUT_PERCENT = 30

Keyer = Callable[[str], str]


def split_of(native: str) -> str:
    """``"heldout"`` or ``"dev"``, deterministic from the Bangla word alone."""
    digest = hashlib.sha1(native.encode("utf-8")).hexdigest()
    return "heldout" if int(digest[:8], 16) % 100 < HELD_OUT_PERCENT else "dev"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Bangla word -> {romanisation: attestations}."""

    words: dict[str, dict[str, int]]


def load(path: Path) -> Lexicon:
    words: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            words[row["native"]][row["romanization"].casefold()] = int(row["attestations"])
    return Lexicon(dict(words))


def ours(text: str) -> str:
    """The default key (final vowel forgotten): the one the issue's API and the engine use."""
    return token_key(text)


def ours_strict(text: str) -> str:
    """The strict key (class of the final vowel kept; Rahim != Rahima)."""
    return token_key(text, strict=True)


def dev_failures(lex: Lexicon, words: list[str], keyer: Keyer, limit: int) -> None:
    """Print up to ``limit`` DEV examples of each kind of miss, to design rules on.

    Only ever called on DEV words: looking at HELD-OUT failures would tune the rules to the
    part that measures generalisation.
    """
    rng = random.Random(11)
    split_pairs = [
        (w, r1, keyer(r1), r2, keyer(r2))
        for w in words
        for r1, r2 in itertools.combinations(sorted(lex.words[w]), 2)
        if keyer(r1) != keyer(r2)
    ]
    print(f"  DEV (b) romanisation pairs of one word with different keys: {len(split_pairs)}")
    for w, r1, k1, r2, k2 in rng.sample(split_pairs, min(limit, len(split_pairs))):
        print(f"    {w}: {r1} -> {k1}  vs  {r2} -> {k2}")
    by_key: dict[str, list[str]] = defaultdict(list)
    for w in words:
        by_key[keyer(w)].append(w)
    shared = sorted((ws for ws in by_key.values() if len(ws) > 1), key=len, reverse=True)
    print(f"  DEV keys shared by several Bangla words: {len(shared)} (largest first)")
    for ws in shared[:limit]:
        print(f"    {keyer(ws[0])}: " + ", ".join(f"{w} ({transliterate(w)})" for w in ws[:8]))


def _baseline(ascii_fn: Callable[[str], str]) -> Keyer:
    import jellyfish

    def key(text: str) -> str:
        return str(jellyfish.metaphone(ascii_fn(text)))

    return key


def baselines() -> dict[str, Keyer]:
    out: dict[str, Keyer] = {}
    try:
        from anyascii import anyascii

        out["anyascii+metaphone"] = _baseline(anyascii)
    except ImportError:  # pragma: no cover - optional bench dependency
        print("anyascii not installed: baseline skipped", file=sys.stderr)
    try:
        from unidecode import unidecode

        out["unidecode+metaphone"] = _baseline(unidecode)
    except ImportError:  # pragma: no cover
        print("unidecode not installed: baseline skipped", file=sys.stderr)
    return out


@dataclass(frozen=True, slots=True)
class Figures:
    bangla_to_latin: float
    latin_pairs: float
    latin_pairs_attested2: float
    collisions_random: float
    collisions_near: float
    n_words: int
    n_pairs: int
    n_random: int
    n_near: int


def _share(hits: int, total: int) -> float:
    return hits / total if total else float("nan")


def near_pairs(words: list[str]) -> Iterator[tuple[str, str]]:
    """Unordered pairs of words at Levenshtein distance exactly 1 (rapidfuzz cdist per length)."""
    by_len: dict[int, list[str]] = defaultdict(list)
    for w in words:
        by_len[len(w)].append(w)
    for n, short in sorted(by_len.items()):
        same_or_longer = short + by_len.get(n + 1, [])
        dist = cdist(short, same_or_longer, scorer=Levenshtein.distance, score_cutoff=1)
        for i, j in zip(*np.nonzero(dist == 1), strict=True):
            if j >= len(short) or i < j:  # each same-length pair once
                yield short[i], same_or_longer[j]


def measure(
    lex: Lexicon, words: list[str], keyer: Keyer, *, n_random: int, seed: int = 7
) -> Figures:
    """The three figures of the module docstring for one keyer on one set of Bangla words."""
    native_key = {w: keyer(w) for w in words}
    roman_key = {r: keyer(r) for w in words for r in lex.words[w]}

    hits = sum(1 for w in words if native_key[w] in {roman_key[r] for r in lex.words[w]})

    pairs = pair_hits = pairs2 = pair2_hits = 0
    for w in words:
        for (r1, c1), (r2, c2) in itertools.combinations(sorted(lex.words[w].items()), 2):
            same = roman_key[r1] == roman_key[r2]
            pairs += 1
            pair_hits += same
            if c1 >= 2 and c2 >= 2:
                pairs2 += 1
                pair2_hits += same

    def distinct(a: str, b: str) -> bool:
        return a != b and not (lex.words[a].keys() & lex.words[b].keys())

    rng = random.Random(seed)
    rand_total = rand_hits = 0
    if len(words) >= 2:
        for _ in range(n_random):
            a, b = rng.sample(words, 2)
            if distinct(a, b):
                rand_total += 1
                rand_hits += native_key[a] == native_key[b]

    near_total = near_hits = 0
    for w, v in near_pairs(words):
        if distinct(w, v):
            near_total += 1
            near_hits += native_key[w] == native_key[v]

    return Figures(
        bangla_to_latin=_share(hits, len(words)),
        latin_pairs=_share(pair_hits, pairs),
        latin_pairs_attested2=_share(pair2_hits, pairs2),
        collisions_random=_share(rand_hits, rand_total),
        collisions_near=_share(near_hits, near_total),
        n_words=len(words),
        n_pairs=pairs,
        n_random=rand_total,
        n_near=near_total,
    )


def load_name_pairs(path: Path) -> list[tuple[str, str]]:
    """(Bangla, Latin) spellings of one name from the BanglaNameMaker lists; blanks skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            (row["name_bn"].strip(), row["name_en"].strip())
            for row in csv.DictReader(fh)
            if row["name_bn"].strip() and row["name_en"].strip()
        ]


def pair_agreement(pairs: list[tuple[str, str]], keyer: Keyer) -> float:
    """Figure (d): share of (Bangla, Latin) pairs whose keys are equal."""
    return _share(sum(keyer(bn) == keyer(en) for bn, en in pairs), len(pairs))


def _print_row(label: str, f: Figures) -> None:
    print(
        f"  {label:<28} (a) {f.bangla_to_latin:6.3f}   (b) {f.latin_pairs:6.3f}"
        f" / att>=2 {f.latin_pairs_attested2:6.3f}   (c) random {f.collisions_random:6.4f}"
        f"  near {f.collisions_near:6.3f} (n={f.n_near})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small sample, for CI")
    parser.add_argument(
        "--dev-failures",
        type=int,
        default=0,
        metavar="N",
        help="also print N examples of DEV misses of the default key (never HELD-OUT ones)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    names = load(SOURCES / "dakshina_bn_name_token_subset.csv")
    full = load(SOURCES / "dakshina_bn_romanization_lexicon.csv")
    rng = random.Random(2026)
    sets: list[tuple[str, Lexicon, list[str], int]] = []
    for title, lex, sample in (("name tokens", names, 400), ("whole lexicon", full, 600)):
        for part in ("heldout", "dev"):
            words = sorted(w for w in lex.words if split_of(w) == part)
            if args.quick:
                words = sorted(rng.sample(words, min(sample, len(words))))
            sets.append((f"{title} / {part.upper()}", lex, words, 2000 if args.quick else 20000))

    keyers: dict[str, Keyer] = {
        "shondhan token_key": ours,
        "shondhan token_key(strict)": ours_strict,
        **baselines(),
    }
    examples = ["ময়মনসিংহ", "মোছাঃ", "রহিমা", "চৌধুরী", "আক্তার", "বিশ্বাস"]
    print("transliterate:", ", ".join(f"{w} -> {transliterate(w)}" for w in examples))
    print("targets: (a) >= 0.90   (b) >= 0.90   (c) random <= 0.02")
    for title, lex, words, n_random in sets:
        n_pairs = sum(len(lex.words[w]) * (len(lex.words[w]) - 1) // 2 for w in words)
        print(f"{title}: {len(words)} Bangla words, {n_pairs} romanisation pairs")
        for label, keyer in keyers.items():
            _print_row(label, measure(lex, words, keyer, n_random=n_random))
        if args.dev_failures and title.endswith("DEV"):
            dev_failures(lex, words, ours, args.dev_failures)
    name_pairs = load_name_pairs(SOURCES / "banglanamemaker_baby_names.csv")
    for part in ("heldout", "dev"):
        pairs = [p for p in name_pairs if split_of(p[0]) == part]
        if args.quick:
            pairs = rng.sample(pairs, min(300, len(pairs)))
        print(f"(d) BanglaNameMaker (Bangla, Latin) pairs / {part.upper()}: {len(pairs)} pairs")
        for label, keyer in keyers.items():
            print(f"  {label:<28} (d) {pair_agreement(pairs, keyer):6.3f}")
    print(f"elapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
