"""Batch commands: ``shondhan reconcile``, ``evaluate``, ``train`` and ``dedupe``.

A thin shell: argument parsing, progress bars and exit codes live here; reading, matching,
writing and scoring live in ``matcher`` (csvio, reconcile, evaluate, training).

Exit status (documented in ``--help`` too):
- 0: done, every input row was used;
- 3: done, but some rows were rejected (they are listed in ``--rejects`` when given; the good rows
  were still matched and written);
- 2: usage error: bad option, missing input file, a required CSV column missing, unreadable
  model file. Nothing is written;
- 1: anything unexpected. Outputs are written atomically, so no half-written file is left.

Only counts and file names are printed: never a name, phone number or other field value.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from matcher.csvio import RejectCounter
    from matcher.model import MatchModel
    from matcher.records import Interception, Report

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3

DEMO_REPORTS = 2_000
DEMO_INTERCEPTIONS = 200
DEMO_SEED = 20260101


RejectsOption = Annotated[
    Path | None,
    typer.Option("--rejects", help="Write rejected rows here (source, row, id, field, why)."),
]
ModelOption = Annotated[
    Path | None, typer.Option("--model", help="Model JSON (default: the shipped model).")
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _check_folders(*targets: Path | None) -> None:
    """Exit with a usage error when an output file's folder does not exist."""
    for target in targets:
        if target is not None and not (target.parent if str(target.parent) else Path(".")).is_dir():
            _err(f"error: folder does not exist for {target}")
            raise typer.Exit(EXIT_USAGE)


def _count_rows(path: Path) -> int | None:
    """Data rows in a CSV, by counting newlines (fast; a quoted newline over-counts slightly)."""
    try:
        with path.open("rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return None
    return max(0, lines - 1)


def _load_model(model_path: Path | None) -> MatchModel | None:
    if model_path is None:
        return None
    from matcher.model import MatchModel, ModelFormatError

    try:
        return MatchModel.load(model_path)
    except (OSError, ValueError, ModelFormatError) as exc:
        _err(f"error: cannot read model {model_path.name}: {type(exc).__name__}")
        raise typer.Exit(EXIT_USAGE) from None


def run_reconcile(
    reports: Path,
    interceptions: Path,
    out: Path,
    *,
    top_k: int = 10,
    rejects_path: Path | None = None,
    model_path: Path | None = None,
    workers: int = 1,
    show_progress: bool = True,
    ask_next: bool = False,
) -> int:
    """Reconcile two CSV files into a candidates CSV; returns the exit status (see module doc).

    ``ask_next`` adds the ``ask_next`` column (what to ask each child, best first)."""
    from tqdm import tqdm

    from matcher.csvio import (
        EncodingError,
        MissingColumnError,
        RejectCounter,
        iter_interceptions,
        iter_reports,
        write_rejects,
    )
    from matcher.reconcile import build_index_csv, write_all

    model = _load_model(model_path)
    report_rejects, interception_rejects = RejectCounter(), RejectCounter()
    started = time.perf_counter()
    try:
        # Both headers are checked now, before the long index build.
        iter_reports(reports).close()
        interception_rows = iter_interceptions(interceptions, on_reject=interception_rejects)
    except (MissingColumnError, EncodingError) as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    disable = not show_progress
    counts = Counter[str]()

    def loaded(n: int) -> None:
        counts["reports"] += n
        load_bar.update(n)

    def queried(n: int) -> None:
        counts["interceptions"] += n
        query_bar.update(n)

    with tqdm(desc="reports loaded", unit=" rows", file=sys.stderr, disable=disable) as load_bar:
        # The reports file is read by path: the index is built from slices of it in parallel.
        index = build_index_csv(
            reports,
            model=model,
            workers=workers,
            on_reject=report_rejects,
            on_loaded=loaded,
            keep_reports=False,  # query-only: get() is never called here
        )
    total = _count_rows(interceptions)
    with tqdm(
        desc="interceptions", total=total, unit=" rows", file=sys.stderr, disable=disable
    ) as query_bar:
        # = write_candidates(query_all(...), out), with the rows formatted in the workers
        written = write_all(
            index,
            interception_rows,
            out,
            top_k=top_k,
            workers=workers,
            progress=queried,
            ask_next=ask_next,
        )
    rejects = RejectCounter()
    rejects.rejects.extend(report_rejects.rejects + interception_rejects.rejects)
    if rejects_path is not None:
        write_rejects(rejects.rejects, rejects_path)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"reconciled: {counts['reports']} reports, {counts['interceptions']} interceptions, "
        f"{written} candidates written to {out}; rejected rows: {report_rejects.rows} in "
        f"reports, {interception_rejects.rows} in interceptions; {elapsed:.1f} s"
    )
    return _rejected_status(rejects, rejects_path)


def _rejected_status(rejects: RejectCounter, rejects_path: Path | None) -> int:
    """Print the commonest reasons rows were rejected (never a value); the exit status."""
    if not rejects.rows:
        return EXIT_OK
    by_reason = Counter((r.field, r.reason) for r in rejects.rejects)
    for (field, reason), n in by_reason.most_common(5):
        _err(f"  rejected: {n} x {field}: {reason}")
    if rejects_path is None:
        _err("  (use --rejects FILE to save the row numbers)")
    else:
        _err(f"  rejects written to {rejects_path}")
    return EXIT_REJECTED


def _demo(top_k: int, workers: int, show_progress: bool) -> int:
    from matcher.csvio import iter_candidates, read_truth
    from matcher.evaluate import evaluate_candidates
    from training_data.generate import Split, generate, write_csvs

    folder = Path(tempfile.mkdtemp(prefix="shondhan-demo-"))
    data = generate(
        n_reports=DEMO_REPORTS,
        n_interceptions=DEMO_INTERCEPTIONS,
        seed=DEMO_SEED,
        split=Split.TEST,
    )
    write_csvs(data, folder)
    out = folder / "candidates.csv"
    code = run_reconcile(
        folder / "reports.csv",
        folder / "interceptions.csv",
        out,
        top_k=top_k,
        rejects_path=folder / "rejects.csv",
        workers=workers,
        show_progress=show_progress,
    )
    truth = read_truth(folder / "truth.csv")
    evaluation = evaluate_candidates(
        iter_candidates(out), truth.matches, k=top_k, slices=truth.slices
    )
    typer.echo(f"demo data (synthetic) and output in {folder}:")
    for name in ("reports.csv", "interceptions.csv", "truth.csv", "candidates.csv"):
        typer.echo(f"  {folder / name}")
    typer.echo("figures against the synthetic truth:")
    for figure, value in evaluation.rows():
        typer.echo(f"  {figure:<38} {value}")
    return code


def reconcile_command(
    reports: Annotated[
        Path | None,
        typer.Option("--reports", help="Reports CSV (report_id, name, father_name, ...)."),
    ] = None,
    interceptions: Annotated[
        Path | None,
        typer.Option("--interceptions", help="Interceptions CSV (interception_id, name, ...)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Candidates CSV to write (atomically).")
    ] = None,
    top_k: Annotated[
        int, typer.Option("--top-k", min=1, max=1000, help="Candidates per interception.")
    ] = 10,
    rejects: RejectsOption = None,
    model: ModelOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes building the index and querying (default: CPUs, max 2).",
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Run on a freshly generated synthetic sample; print paths."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    ask_next: Annotated[
        bool,
        typer.Option(
            "--ask-next",
            help="Add an ask_next column: the empty fields worth asking each child, best first "
            "(|-separated; blank: nothing to ask).",
        ),
    ] = False,
) -> None:
    """Rank the likely reports for every interception and write them to a CSV.

    Exit status: 0 all rows used; 3 some rows rejected (good rows still processed);
    2 usage error or missing column; 1 unexpected failure.
    """
    from matcher.reconcile import default_workers

    n_workers = workers if workers is not None else default_workers()
    if demo:
        raise typer.Exit(_demo(top_k, n_workers, not quiet))
    if reports is None or interceptions is None or out is None:
        named = (("--reports", reports), ("--interceptions", interceptions), ("--out", out))
        missing = ", ".join(flag for flag, value in named if value is None)
        _err(f"error: missing option(s) {missing} (or use --demo)")
        raise typer.Exit(EXIT_USAGE)
    for path in (reports, interceptions):
        if not path.is_file():
            _err(f"error: no such file: {path}")
            raise typer.Exit(EXIT_USAGE)
    _check_folders(out, rejects)
    code = run_reconcile(
        reports,
        interceptions,
        out,
        top_k=top_k,
        rejects_path=rejects,
        model_path=model,
        workers=n_workers,
        show_progress=not quiet,
        ask_next=ask_next,
    )
    raise typer.Exit(code)


def evaluate_command(
    candidates: Annotated[
        Path, typer.Option("--candidates", help="Candidates CSV written by reconcile.")
    ],
    truth: Annotated[
        Path, typer.Option("--truth", help="Truth CSV: interception_id, report_id, flags.")
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=1000, help="k of recall@k.")] = 10,
) -> None:
    """Print recall@1, recall@k, match-band precision/recall/F1, best F1, false alarms, slices.

    Refuses (exit 2, no figures) when no candidate's interception id is in the truth file: the
    files are not of the same data, and every figure would be a misleading 0.
    """
    from matcher.csvio import EncodingError, MissingColumnError, iter_candidates, read_truth
    from matcher.evaluate import evaluate_candidates

    for path in (candidates, truth):
        if not path.is_file():
            _err(f"error: no such file: {path}")
            raise typer.Exit(EXIT_USAGE)
    try:
        t = read_truth(truth)
        evaluation = evaluate_candidates(
            iter_candidates(candidates), t.matches, k=k, slices=t.slices
        )
    except (MissingColumnError, EncodingError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if evaluation.unrelated:
        _err(
            f"error: none of the {evaluation.candidate_interceptions} interception ids in "
            f"{candidates.name} is in {truth.name} ({evaluation.interceptions} ids): are they "
            "files of the same data? Nothing was evaluated."
        )
        raise typer.Exit(EXIT_USAGE)
    for figure, value in evaluation.rows():
        typer.echo(f"{figure:<38} {value}")


def train_command(
    train_dir: Annotated[
        Path | None,
        typer.Option("--train-dir", help="Folder with reports/interceptions/truth CSVs."),
    ] = None,
    validation_dir: Annotated[
        Path | None,
        typer.Option("--validation-dir", help="Folder used to calibrate and choose bands."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Model JSON to write.")] = Path("model.json"),
    generate_reports: Annotated[
        int,
        typer.Option(
            "--generate-reports",
            min=50,
            help="Without --train-dir/--validation-dir: reports per generated split "
            "(the shipped model used 50,000).",
        ),
    ] = 50_000,
    min_precision: Annotated[
        float | None,
        typer.Option(
            "--min-precision",
            min=0.5,
            max=1.0,
            help="Match-band precision the threshold must reach on validation "
            "(default: 0.985, a margin over 0.98).",
        ),
    ] = None,
    from_database: Annotated[
        bool,
        typer.Option(
            "--from-database",
            help="Learn from the reviewers' confirmed matches in the service's database "
            "(SHONDHAN_DATABASE_URL); needs --username.",
        ),
    ] = False,
    username: Annotated[
        str | None,
        typer.Option("--username", help="With --from-database: the analyst running it (audited)."),
    ] = None,
    unsupervised: Annotated[
        bool,
        typer.Option(
            "--unsupervised",
            help="Fit by EM on your own --reports/--interceptions CSVs, without labels "
            "(a ranking model with no match band).",
        ),
    ] = False,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="With --unsupervised: reports CSV.")
    ] = None,
    interceptions: Annotated[
        Path | None,
        typer.Option("--interceptions", help="With --unsupervised: interceptions CSV."),
    ] = None,
    max_false_alarm_rate: Annotated[
        float | None,
        typer.Option(
            "--max-false-alarm-rate",
            min=0.0,
            max=1.0,
            help="Share of children nobody reported that may get a match candidate, kept with "
            "97.5% confidence on validation (default: 0.005); the printed operating points "
            "show what other choices trade.",
        ),
    ] = None,
) -> None:
    """Train a model (fit, calibrate, choose bands) and write it as JSON.

    Without --train-dir / --validation-dir, fresh synthetic splits are generated with fixed seeds
    (``training_data.splits.generated_splits``; the shipped model used 50,000 reports).
    """
    from matcher import training
    from training_data import splits

    if from_database or username is not None:
        if not from_database or unsupervised or train_dir is not None or validation_dir is not None:
            _err("error: --from-database takes --username and no folders or CSV files")
            raise typer.Exit(EXIT_USAGE)
        _train_from_database(username, out, min_precision=min_precision)
        return
    if unsupervised or reports is not None or interceptions is not None:
        if not unsupervised or train_dir is not None or validation_dir is not None:
            _err("error: --reports/--interceptions go with --unsupervised, without folders")
            raise typer.Exit(EXIT_USAGE)
        _train_unsupervised(reports, interceptions, out)
        return
    for path in (train_dir, validation_dir):
        if path is not None and not (path / "truth.csv").is_file():
            _err(f"error: {path} has no truth.csv (need reports.csv, interceptions.csv, truth.csv)")
            raise typer.Exit(EXIT_USAGE)
    with tempfile.TemporaryDirectory(prefix="shondhan-train-") as tmp:
        generated = train_dir is None and validation_dir is None
        if train_dir is None or validation_dir is None:
            _err("generating synthetic train/validation splits (fixed seeds) ...")
            gen_train, gen_val = splits.generated_splits(Path(tmp), generate_reports)
            train_dir = train_dir or gen_train
            validation_dir = validation_dir or gen_val
        model = training.train_model(
            train_dir,
            validation_dir,
            out=out,
            source={"data": splits.generated_splits_description(generate_reports)}
            if generated
            else None,
            min_precision=(
                training.DEFAULT_MIN_PRECISION if min_precision is None else min_precision
            ),
            max_false_alarm_rate=(
                training.DEFAULT_MAX_FALSE_ALARM_RATE
                if max_false_alarm_rate is None
                else max_false_alarm_rate
            ),
        )
    typer.echo(
        f"thresholds: match >= {model.match_threshold_:.4f}, "
        f"review >= {model.review_threshold_:.4f}"
    )
    fit = model.metadata_.get("training", {})
    for key in ("validation_recall_at_1", "validation_recall_at_10"):
        if key in fit:
            typer.echo(f"{key.replace('_', ' ')}: {fit[key]:.4f}")
    for line in training.operating_point_lines(model):
        typer.echo(line)
    typer.echo(f"model written to {out} ({os.path.getsize(out)} bytes)")


def _train_from_database(username: str | None, out: Path, *, min_precision: float | None) -> None:
    """``train --from-database``: a supervised model from the confirmed decisions (audited)."""
    from api import audit, labels
    from api.audit import AuditAction, RecordType
    from api.db import make_session_factory
    from api.errors import NotFoundError
    from api.roles import Action, allowed
    from api.services import find_user
    from cli.service import open_database
    from matcher import training

    if not username:
        _err("error: --from-database needs --username (the analyst running it)")
        raise typer.Exit(EXIT_USAGE)
    sessions = make_session_factory(open_database())
    with sessions() as session:
        try:
            user = find_user(session, username=username)
        except NotFoundError:
            _err(f"error: no user {username!r}")
            raise typer.Exit(EXIT_USAGE) from None
        if user.disabled or not allowed(user.role, Action.RECONCILIATION_START):
            _err(f"error: {username!r} may not train models (analysts do)")
            raise typer.Exit(EXIT_USAGE)
        splits = labels.decision_splits(session, user)
        n_train, n_val = len(splits.train.interceptions), len(splits.validation.interceptions)
        if splits.confirmed < labels.MIN_CONFIRMED or not n_train or not n_val:
            session.rollback()  # nothing was used: no audited read
            _err(
                f"error: {splits.confirmed} confirmed matches in the database; "
                f"training needs at least {labels.MIN_CONFIRMED}"
            )
            raise typer.Exit(EXIT_USAGE)
        model = training.train_on_splits(
            splits.train,
            splits.validation,
            source={
                "data": "reviewers' confirmed matches",
                "confirmed_train": n_train,
                "confirmed_validation": n_val,
            },
            min_precision=(
                training.DEFAULT_MIN_PRECISION if min_precision is None else min_precision
            ),
        )
        model.save(out)
        audit.record(session, user, AuditAction.TRAIN, RecordType.MODEL, model.version)
        session.commit()
    typer.echo(
        f"trained on {n_train} confirmed matches, bands on {n_val}: match >= "
        f"{model.match_threshold_:.4f}, review >= {model.review_threshold_:.4f}"
    )
    v = model.metadata_.get("validation", {})
    typer.echo(
        f"validation match-band precision {v.get('match_precision')}, "
        f"recall {v.get('match_recall')}"
    )
    typer.echo(f"model written to {out} ({os.path.getsize(out)} bytes)")


def _train_unsupervised(reports: Path | None, interceptions: Path | None, out: Path) -> None:
    """``train --unsupervised``: EM on the deployment's own CSVs (bad rows skipped, counted)."""
    from matcher import training
    from matcher.csvio import (
        EncodingError,
        MissingColumnError,
        RejectCounter,
        iter_interceptions,
        iter_reports,
    )

    if reports is None or interceptions is None:
        _err("error: --unsupervised needs --reports FILE and --interceptions FILE")
        raise typer.Exit(EXIT_USAGE)
    for path in (reports, interceptions):
        if not path.is_file():
            _err(f"error: no such file: {path}")
            raise typer.Exit(EXIT_USAGE)
    report_rejects, interception_rejects = RejectCounter(), RejectCounter()
    try:
        model = training.train_unsupervised(
            iter_reports(reports, on_reject=report_rejects),
            list(iter_interceptions(interceptions, on_reject=interception_rejects)),
            out=out,
        )
    except (MissingColumnError, EncodingError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(
        f"unsupervised (EM) model: match share of best candidates "
        f"{model.metadata_.get('em_lambda', 0.0):.3f}; match band off (no labels to measure "
        f"precision), review >= {model.review_threshold_:.2f}"
    )
    typer.echo(
        f"rejected rows: {report_rejects.rows} in reports, {interception_rejects.rows} in "
        "interceptions"
    )
    typer.echo(f"model written to {out} ({os.path.getsize(out)} bytes)")


def run_dedupe(
    source: Path,
    out: Path,
    *,
    interceptions: bool = False,
    rejects_path: Path | None = None,
    model_path: Path | None = None,
    threshold: float | None = None,
) -> int:
    """Group one CSV's records of the same child (:mod:`matcher.dedupe`) into a groups CSV;
    returns the exit status (see the module docstring)."""
    from matcher.csvio import MissingColumnError, RejectCounter, iter_interceptions, iter_reports
    from matcher.dedupe import dedupe, group_sizes, write_groups

    model = _load_model(model_path)
    rejected = RejectCounter()
    started = time.perf_counter()
    try:
        records: list[Report] | list[Interception] = (
            list(iter_interceptions(source, on_reject=rejected))
            if interceptions
            else list(iter_reports(source, on_reject=rejected))
        )
    except MissingColumnError as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    groups = dedupe(records, model=model, threshold=threshold)
    write_groups(groups, out)
    if rejects_path is not None:
        from matcher.csvio import write_rejects

        write_rejects(rejected.rejects, rejects_path)
    sizes = group_sizes(groups)
    shared = sum(1 for n in sizes.values() if n > 1)
    typer.echo(
        f"deduped: {len(records)} {'interceptions' if interceptions else 'reports'} into "
        f"{len(sizes)} groups ({shared} with more than one record) written to {out}; "
        f"rejected rows: {rejected.rows}; {time.perf_counter() - started:.1f} s"
    )
    return _rejected_status(rejected, rejects_path)


def dedupe_command(
    out: Annotated[Path, typer.Option("--out", help="Groups CSV to write (atomically).")],
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Reports CSV to group (or --interceptions).")
    ] = None,
    interceptions: Annotated[
        Path | None,
        typer.Option("--interceptions", help="Interceptions CSV to group (or --reports)."),
    ] = None,
    rejects: RejectsOption = None,
    model: ModelOption = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Score from which two records are joined (default: the model's match threshold).",
        ),
    ] = None,
) -> None:
    """Group the records of the same child within one file (group_id, record_id,
    score_to_group); a record with no duplicate is a group of its own.

    Exit status: 0 all rows used; 3 some rows rejected (good rows still grouped);
    2 usage error or missing column; 1 unexpected failure.
    """
    if (reports is None) == (interceptions is None):
        _err("error: give exactly one of --reports FILE or --interceptions FILE")
        raise typer.Exit(EXIT_USAGE)
    source = reports if reports is not None else interceptions
    assert source is not None
    if not source.is_file():
        _err(f"error: no such file: {source}")
        raise typer.Exit(EXIT_USAGE)
    _check_folders(out, rejects)
    code = run_dedupe(
        source,
        out,
        interceptions=interceptions is not None,
        rejects_path=rejects,
        model_path=model,
        threshold=threshold,
    )
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the batch commands to the ``shondhan`` app."""
    app.command("reconcile")(reconcile_command)
    app.command("evaluate")(evaluate_command)
    app.command("train")(train_command)
    app.command("dedupe")(dedupe_command)
