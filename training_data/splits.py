"""A generated split end to end: people -> reports and interceptions -> three CSV files.

Why: one place decides which children are reported, which of them are intercepted, who else is
intercepted (never reported, some of them siblings of a reported child), and how the files are
written, so that the in-memory set and the streamed files are the same data. The recipes of the
splits the project ships or trains on (the committed splits, the shipped model's generated
splits) live here too, as arguments of this one generator.

Contract:
- ``generate(n_reports=..., n_interceptions=..., seed=..., split=...)`` is deterministic: the same
  arguments give byte-identical CSVs. Different splits use different random streams *and*
  different given-name vocabularies (:func:`training_data.names.given_names_for`), so the test
  split holds names the model never saw in training.
- ``reported_share`` of the interceptions (capped by the number of reported children) are of a
  reported child; truth gives that child's primary report id. The rest were never reported and
  have a blank report id (false-alarm measurement).
- A child reported twice (two police stations) has one primary report in ``truth.report_id`` and
  the others in ``truth.duplicate_report_ids`` ("|"-separated): a candidate naming any of them is
  the right child.
- Ids are unique across splits: "TRN-R-000001", "VAL-I-000001", "TST-R-000001" ...
- A split folder holds ``reports.csv``, ``interceptions.csv`` and ``truth.csv`` (UTF-8, header
  row, ``\\n`` line ends). ``stream_csvs`` writes the same bytes as ``write_csvs(generate(...))``
  without holding the reports in memory (for 1,000,000-report benchmarks).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from matcher.records import INTERCEPTION_COLUMNS, REPORT_COLUMNS, Interception, Report
from training_data.forms import interception_of, interception_row, report_of, report_row
from training_data.noise import NOISE
from training_data.people import REPORT_END, REPORT_START, Child, Family, People
from training_data.sampling import Split, split_rng
from training_data.truth import TRUTH_COLUMNS, TruthRow, truth_row

T = TypeVar("T")

_ID_PREFIX = {Split.TRAIN: "TRN", Split.VALIDATION: "VAL", Split.TEST: "TST"}


@dataclass(frozen=True, slots=True)
class SyntheticSet:
    """Reports, interceptions and truth of one generated split."""

    reports: list[Report]
    interceptions: list[Interception]
    truth: list[TruthRow]
    split: Split = Split.TRAIN
    seed: int = 0
    #: the generator's own record of each interception's child, in the interceptions' order
    #: (what the child could answer when asked: :func:`training_data.forms.answer_of`)
    children: tuple[Child, ...] = ()


def _id_width(n: int) -> int:
    return max(6, len(str(n)))


def _offer(reservoir: list[T], item: T, *, seen: int, size: int, rng: random.Random) -> None:
    """Reservoir sampling (algorithm R): ``reservoir`` stays a uniform sample of ``size`` of the
    ``seen`` items offered so far (``item`` is the ``seen``-th)."""
    if len(reservoir) < size:
        reservoir.append(item)
    else:
        j = int(rng.random() * seen)
        if j < size:
            reservoir[j] = item


def _generate(
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split,
    reported_share: float,
    sink: Callable[[Report], None],
) -> tuple[list[Interception], list[TruthRow], list[Child]]:
    """Core generator: reports go to ``sink`` one by one; interceptions (with their truth and
    their children, in order) are returned.

    Reported children for interceptions are chosen by reservoir sampling while reports stream
    past, so memory stays proportional to the number of interceptions.
    """
    if n_reports < 0 or n_interceptions < 0:
        raise ValueError("n_reports and n_interceptions must be >= 0")
    if not 0.0 <= reported_share <= 1.0:
        raise ValueError("reported_share must be within 0-1")
    rng = split_rng(split, seed, "reports")
    pick_rng = split_rng(split, seed, "reservoir")
    people = People(split, rng)
    prefix = _ID_PREFIX[split]
    width = _id_width(n_reports)
    k = round(n_interceptions * reported_share)
    reservoir: list[Child] = []
    family_reservoir: list[Family] = []
    n_children = 0
    n_families = 0
    made = 0
    while made < n_reports:
        family = people.family()
        n_families += 1
        _offer(family_reservoir, family, seen=n_families, size=n_interceptions, rng=pick_rng)
        siblings = 2 if rng.random() < NOISE.sibling_family_share else 1
        first_date = rng.randint(REPORT_START, REPORT_END)
        kids = [people.child(family, reported_on=first_date) for _ in range(siblings)]
        for kid in kids:
            kid.has_reported_sibling = siblings > 1
            n_reports_for_kid = 2 if rng.random() < NOISE.duplicate_report_share else 1
            kid.report_bangla = rng.random() < NOISE.report_bangla_script
            for r in range(n_reports_for_kid):
                if made >= n_reports:
                    break
                made += 1
                report_id = f"{prefix}-R-{made:0{width}d}"
                at = first_date if r == 0 else min(REPORT_END, first_date + rng.randint(1, 60))
                bangla = kid.report_bangla if r == 0 else rng.random() < 0.5
                sink(report_of(kid, report_id, at, people=people, bangla=bangla))
                kid.report_ids.append(report_id)
                kid.report_dates.append(at)
            if not kid.report_ids:
                continue
            n_children += 1
            _offer(reservoir, kid, seen=n_children, size=k, rng=pick_rng)

    int_rng = split_rng(split, seed, "interceptions")
    int_people = People(split, int_rng)
    children: list[Child] = list(reservoir)
    while len(children) < n_interceptions:
        if family_reservoir and int_rng.random() < NOISE.unreported_sibling_share:
            family = int_rng.choice(family_reservoir)
            kid = int_people.child(family)
            kid.has_reported_sibling = True
        else:
            kid = int_people.child(int_people.family())
        children.append(kid)
    int_rng.shuffle(children)
    width = _id_width(n_interceptions)
    interceptions: list[Interception] = []
    truth: list[TruthRow] = []
    for i, kid in enumerate(children, start=1):
        interception_id = f"{prefix}-I-{i:0{width}d}"
        record, row = interception_of(kid, interception_id, people=int_people, rng=int_rng)
        interceptions.append(record)
        truth.append(row)
    return interceptions, truth, children


def generate(
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split = Split.TRAIN,
    reported_share: float = 0.75,
) -> SyntheticSet:
    """Generate one synthetic split: reports, interceptions and truth (deterministic in the args).

    ``reported_share`` of the interceptions are of reported children (fewer if there are fewer
    reported children than that); the others were never reported.
    """
    reports: list[Report] = []
    interceptions, truth, children = _generate(
        n_reports=n_reports,
        n_interceptions=n_interceptions,
        seed=seed,
        split=split,
        reported_share=reported_share,
        sink=reports.append,
    )
    return SyntheticSet(reports, interceptions, truth, split, seed, tuple(children))


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_csvs(data: SyntheticSet, out_dir: Path) -> None:
    """Write reports.csv, interceptions.csv and truth.csv (UTF-8, header row) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_rows(out_dir / "reports.csv", REPORT_COLUMNS, map(report_row, data.reports))
    _write_interceptions_and_truth(data.interceptions, data.truth, out_dir)


def _write_interceptions_and_truth(
    interceptions: list[Interception], truth: list[TruthRow], out_dir: Path
) -> None:
    _write_rows(
        out_dir / "interceptions.csv", INTERCEPTION_COLUMNS, map(interception_row, interceptions)
    )
    _write_rows(out_dir / "truth.csv", TRUTH_COLUMNS, map(truth_row, truth))


def stream_csvs(
    out_dir: Path,
    *,
    n_reports: int,
    n_interceptions: int,
    seed: int,
    split: Split = Split.TRAIN,
    reported_share: float = 0.75,
) -> None:
    """Same files as ``write_csvs(generate(...), out_dir)``, streaming reports straight to disk.

    For big benchmark sets (1,000,000 reports): memory stays proportional to the interceptions.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "reports.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        interceptions, truth, _children = _generate(
            n_reports=n_reports,
            n_interceptions=n_interceptions,
            seed=seed,
            split=split,
            reported_share=reported_share,
            sink=lambda r: writer.writerow(report_row(r)),
        )
    _write_interceptions_and_truth(interceptions, truth, out_dir)


@dataclass(frozen=True, slots=True)
class CommittedSplit:
    """The recipe of one split committed under ``training_data/<split>/``."""

    split: Split
    n_reports: int
    n_interceptions: int
    seed: int


COMMITTED: tuple[CommittedSplit, ...] = (
    CommittedSplit(Split.TRAIN, 6000, 3000, 20261),
    CommittedSplit(Split.VALIDATION, 4000, 1500, 20262),
    CommittedSplit(Split.TEST, 4000, 1500, 20263),
)
DATA_ROOT = Path(__file__).resolve().parent


def write_committed(root: Path = DATA_ROOT) -> None:
    """Regenerate the committed splits (``root/train``, ``root/validation``, ``root/test``)."""
    for c in COMMITTED:
        stream_csvs(
            root / c.split.value,
            n_reports=c.n_reports,
            n_interceptions=c.n_interceptions,
            seed=c.seed,
            split=c.split,
        )


#: Seeds of the generated train and validation splits a model is trained on by default
#: (``shondhan train --generate-reports N``; the shipped model used N = 50,000).
GENERATED_SEEDS = (11, 12)


def generated_splits(directory: Path, n_reports: int) -> tuple[Path, Path]:
    """Write train and validation splits of ``n_reports`` reports each; return their folders.

    The committed splits are small, but a model's thresholds must be chosen on candidate pools as
    crowded as the ones it will face (more reports, more namesakes), so the shipped model is
    trained on generated splits of benchmark size. The validation split gets more interceptions
    (40% of ``n_reports`` against 12%, at least 50 each): the band thresholds are set by its
    rarest events (a false alarm on one unreported child in a thousand), which a few hundred
    children cannot measure. Fixed seeds (:data:`GENERATED_SEEDS`): the same ``n_reports`` gives
    the same files, so a model's recipe is its ``n_reports``. Folders ``directory/train`` and
    ``directory/validation`` are created (or overwritten).
    """
    train, val = directory / "train", directory / "validation"
    seed_t, seed_v = GENERATED_SEEDS
    n_t, n_v = max(n_reports * 12 // 100, 50), max(n_reports * 40 // 100, 50)
    stream_csvs(train, n_reports=n_reports, n_interceptions=n_t, seed=seed_t, split=Split.TRAIN)
    stream_csvs(val, n_reports=n_reports, n_interceptions=n_v, seed=seed_v, split=Split.VALIDATION)
    return train, val


def generated_splits_description(n_reports: int) -> str:
    """How :func:`generated_splits` made its data, for a model's training metadata (no names)."""
    return f"generated: {n_reports} reports each, seeds {GENERATED_SEEDS}"
