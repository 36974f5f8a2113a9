"""Synthetic missing-child reports, border interceptions and the truth linking them.

Why: the engine needs labelled pairs to train on and an honest held-out set to be measured on,
and no real data of this kind can be shared. Every record here is synthetic, built from public
Bangla name lists (``training_data/sources/``) and the public gazetteer (``matcher/data/geo/``).
The noise model and its probabilities are documented in ``training_data/DATA_CARD.md``; the
numbers live in :data:`NOISE` so code, card and tests agree.

This module is the generator's front door: its public API, gathered from the modules that own
each concept, and the command line ``python -m training_data.generate``. Of ``matcher`` the
generator uses only the public record types and CSV column lists (``matcher.records``) and the
gazetteer files it ships as package data; ``matcher`` never imports the generator (the CLI's
``shondhan train`` wires generated splits into training). In pipeline order:

- ``sampling``: splits, their random streams, weighted draws (byte-for-byte reproducibility);
- ``names``: name tables, the given-name pool and each split's vocabulary part;
- ``spelling``: a name's Latin spellings and a name rendered in either script;
- ``places``: districts, upazilas, their spellings, neighbours and border posts;
- ``people``: families and children (the population model);
- ``noise``: the rates of the noise model and the slips that apply them;
- ``forms``: a child's police reports and border interception, and their CSV text;
- ``truth``: the answer key and its slice flags;
- ``splits``: one split assembled and written, and the recipes of the splits the project ships
  or trains on (:data:`COMMITTED`, ``generated_splits``).

Contract: ``generate(n_reports=..., n_interceptions=..., seed=..., split=...)`` is deterministic
(the same arguments give byte-identical CSVs), splits differ in random streams *and* given-name
vocabularies, and ``stream_csvs`` writes the same files as ``write_csvs(generate(...))`` in
little memory; see :mod:`training_data.splits` for the whole contract.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from training_data.names import VocabPart, given_names_for, vocab_part
from training_data.noise import NOISE, NoiseModel
from training_data.sampling import Split
from training_data.splits import (
    COMMITTED,
    DATA_ROOT,
    CommittedSplit,
    SyntheticSet,
    generate,
    stream_csvs,
    write_committed,
    write_csvs,
)
from training_data.truth import TRUTH_COLUMNS, TRUTH_FLAGS, TruthRow, read_truth, summarise

__all__ = [
    "COMMITTED",
    "DATA_ROOT",
    "NOISE",
    "TRUTH_COLUMNS",
    "TRUTH_FLAGS",
    "CommittedSplit",
    "NoiseModel",
    "Split",
    "SyntheticSet",
    "TruthRow",
    "VocabPart",
    "fingerprint",
    "generate",
    "given_names_for",
    "main",
    "read_truth",
    "stream_csvs",
    "summarise",
    "vocab_part",
    "write_committed",
    "write_csvs",
]


def fingerprint() -> str:
    """A short hash of the generator's code: use it in cache keys of generated data sets.

    Any change to any module of ``training_data`` changes it, so a benchmark cache keyed on it
    never serves data made by an older generator.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv: Iterator[str] | Sequence[str] | None = None) -> int:
    """``python -m training_data.generate --split test --reports 20000 --interceptions 2000
    --seed 7 --out DIR``: writes the three CSVs and prints counts (no names) to stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m training_data.generate", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--split", choices=[s.value for s in Split], default=Split.TRAIN.value)
    parser.add_argument("--reports", type=int)
    parser.add_argument("--interceptions", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--reported-share", type=float, default=0.75)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--committed",
        action="store_true",
        help="regenerate the committed train/validation/test splits in training_data/",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        metavar="DIR",
        help="print the slice sizes of DIR/truth.csv (counts only) and exit",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.summary is not None:
        for key, (count, share) in summarise(read_truth(args.summary / "truth.csv")).items():
            print(f"{key:28s} {count:7d} {share:7.1%}")
        return 0
    if args.committed:
        write_committed()
        print("regenerated the committed splits", file=sys.stderr)
        return 0
    missing = [
        f"--{name.replace('_', '-')}"
        for name in ("reports", "interceptions", "seed", "out")
        if getattr(args, name) is None
    ]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or use --committed)")
    stream_csvs(
        args.out,
        n_reports=args.reports,
        n_interceptions=args.interceptions,
        seed=args.seed,
        split=Split(args.split),
        reported_share=args.reported_share,
    )
    print(
        f"wrote {args.reports} reports and {args.interceptions} interceptions "
        f"({args.split}, seed {args.seed}) to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
