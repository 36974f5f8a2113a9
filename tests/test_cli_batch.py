"""The batch CLI end to end on small synthetic sets: happy path, bad rows, missing columns,
atomic output, evaluate, demo and train. Data is generated (synthetic), never real."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import batch
from matcher.fields import AGE_REASON, DATE_REASON, SEX_REASON
from matcher.records import INTERCEPTION_COLUMNS, REPORT_COLUMNS
from training_data.generate import Split, generate, write_csvs


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()
    batch.register(application)
    return application


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    write_csvs(generate(n_reports=300, n_interceptions=40, seed=3, split=Split.TEST), folder)
    return folder


def run(app: typer.Typer, *args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def reconcile_args(folder: Path, out: Path, *extra: str | Path) -> list[str | Path]:
    return [
        "reconcile",
        "--reports",
        folder / "reports.csv",
        "--interceptions",
        folder / "interceptions.csv",
        "--out",
        out,
        "--quiet",
        "--workers",
        "1",
        *extra,
    ]


def test_reconcile_happy_path(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    out, bad = tmp_path / "c.csv", tmp_path / "bad.csv"
    code, stdout, _ = run(app, *reconcile_args(sample, out, "--top-k", "3", "--rejects", bad))
    assert code == batch.EXIT_OK
    rows = read_rows(out)
    assert rows, "no candidates written"
    assert list(rows[0])[:6] == [
        "interception_id",
        "report_id",
        "rank",
        "score",
        "band",
        "explanation",
    ]
    assert {r["rank"] for r in rows} <= {"1", "2", "3"}
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    assert {r["band"] for r in rows} <= {"match", "review", "no_match"}
    assert read_rows(bad) == []  # written (header only) so a stale file never misleads
    assert "300 reports, 40 interceptions" in stdout
    names = {r["name"] for r in read_rows(sample / "reports.csv") if r["name"]}
    assert not any(name in stdout for name in names)  # counts only, never names


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_bad_rows_are_rejected_with_row_field_reason_and_exit_3(
    app: typer.Typer, sample: Path, tmp_path: Path
) -> None:
    reports = read_rows(sample / "reports.csv")
    good = [[r[c] for c in REPORT_COLUMNS] for r in reports]
    bad_age = [*good[0][:5], "abc", *good[0][6:]]
    bad_age[0] = "BAD-AGE"
    bad_date = [*good[1][:6], "31/02/2024", *good[1][7:]]
    bad_date[0] = "BAD-DATE"
    empty_id = ["", *good[2][1:]]
    duplicate = list(good[3])
    write_csv(tmp_path / "r.csv", REPORT_COLUMNS, [*good, bad_age, bad_date, empty_id, duplicate])
    interceptions = read_rows(sample / "interceptions.csv")
    i_rows = [[r[c] for c in INTERCEPTION_COLUMNS] for r in interceptions]
    i_rows[5][4] = "X"  # sex
    write_csv(tmp_path / "i.csv", INTERCEPTION_COLUMNS, i_rows)
    out, bad = tmp_path / "c.csv", tmp_path / "bad.csv"
    code, stdout, stderr = run(
        app,
        "reconcile",
        "--reports",
        tmp_path / "r.csv",
        "--interceptions",
        tmp_path / "i.csv",
        "--out",
        out,
        "--rejects",
        bad,
        "--quiet",
    )
    assert code == batch.EXIT_REJECTED
    n = len(good)
    got = {
        (r["source"], r["row_number"], r["record_id"], r["field"], r["reason"])
        for r in read_rows(bad)
    }
    assert got == {
        ("r.csv", str(n + 2), "BAD-AGE", "age", AGE_REASON),
        ("r.csv", str(n + 3), "BAD-DATE", "report_date", DATE_REASON),
        ("r.csv", str(n + 4), "", "report_id", "id is empty"),
        (
            "r.csv",
            str(n + 5),
            good[3][0],
            "report_id",
            "duplicate id (first seen at row 5)",
        ),
        ("i.csv", "7", i_rows[5][0], "sex", SEX_REASON),
    }
    assert f"{n} reports, {len(i_rows) - 1} interceptions" in stdout
    ids = {r["interception_id"] for r in read_rows(out)}
    assert i_rows[5][0] not in ids
    assert len(ids) >= len(i_rows) // 2  # the good rows were still processed
    assert "rejected" in stderr


@pytest.mark.parametrize(
    ("which", "column"),
    [("reports", "father_name"), ("interceptions", "interception_date")],
    ids=["reports-father", "interceptions-date"],
)
def test_missing_column_exits_2_naming_it_and_writes_nothing(
    app: typer.Typer, sample: Path, tmp_path: Path, which: str, column: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("reports", "interceptions"):
        rows = read_rows(sample / f"{name}.csv")
        cols = [c for c in rows[0] if not (name == which and c == column)]
        write_csv(folder / f"{name}.csv", tuple(cols), [[r[c] for c in cols] for r in rows])
    out = tmp_path / "c.csv"
    code, _, stderr = run(app, *reconcile_args(folder, out))
    assert code == batch.EXIT_USAGE
    assert column in stderr
    assert not out.exists()


def test_missing_input_file_and_missing_options_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    code, _, stderr = run(app, *reconcile_args(tmp_path, tmp_path / "c.csv"))
    assert code == batch.EXIT_USAGE
    assert "no such file" in stderr
    code, _, stderr = run(app, "reconcile", "--out", tmp_path / "c.csv")
    assert code == batch.EXIT_USAGE
    assert "--reports" in stderr


def test_failure_mid_run_leaves_no_partial_output(
    app: typer.Typer, sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.reconcile

    def crashing(*args: object, **kwargs: object) -> object:
        # the CLI queries chunk by chunk, after the header is written: fail there
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(matcher.reconcile, "_query_chunk", crashing)
    out = tmp_path / "c.csv"
    out.write_text("previous run\n")
    code, _, _ = run(app, *reconcile_args(sample, out))
    assert code == batch.EXIT_ERROR
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_evaluate_prints_the_figures(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    assert run(app, *reconcile_args(sample, out))[0] == batch.EXIT_OK
    code, stdout, _ = run(
        app, "evaluate", "--candidates", out, "--truth", sample / "truth.csv", "--k", "5"
    )
    assert code == 0
    figures = dict(line.rsplit(None, 1) for line in stdout.splitlines() if "(" not in line)
    assert figures["interceptions"] == "40"
    recall = float(figures["recall@5"])
    assert 0.0 <= float(figures["recall@1"]) <= recall <= 1.0
    assert "false alarms" in stdout
    assert "recall@5 cross_script" in stdout


def test_evaluate_with_bad_truth_exits_2(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    truth = tmp_path / "t.csv"
    truth.write_text("interception_id\nI1\n", encoding="utf-8")
    code, _, stderr = run(app, "evaluate", "--candidates", sample / "truth.csv", "--truth", truth)
    assert code == batch.EXIT_USAGE
    assert "report_id" in stderr


def test_evaluate_refuses_candidates_of_other_data(
    app: typer.Typer, sample: Path, tmp_path: Path
) -> None:
    """No candidate's interception in the truth: not "recall 0.0000" and exit 0, but a refusal."""
    out = tmp_path / "c.csv"
    assert run(app, *reconcile_args(sample, out))[0] == batch.EXIT_OK
    truth = tmp_path / "other-truth.csv"
    truth.write_text("interception_id,report_id\nOTHER-1,R-1\nOTHER-2,\n", encoding="utf-8")
    code, stdout, stderr = run(app, "evaluate", "--candidates", out, "--truth", truth)
    assert code == batch.EXIT_USAGE
    assert "recall" not in stdout
    assert "none of the" in stderr
    assert "other-truth.csv" in stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_reconcile_refuses_a_file_that_is_not_utf8_by_name(
    app: typer.Typer, sample: Path, tmp_path: Path, encoding: str
) -> None:
    reports = tmp_path / "reports.csv"
    reports.write_text((sample / "reports.csv").read_text("utf-8"), encoding=encoding)
    out = tmp_path / "c.csv"
    code, _, stderr = run(
        app,
        "reconcile",
        "--reports",
        reports,
        "--interceptions",
        sample / "interceptions.csv",
        "--out",
        out,
        "--quiet",
    )
    assert code == batch.EXIT_USAGE
    assert f"reports.csv: this file is {encoding.upper()}; save it as UTF-8" in stderr
    assert "missing required column" not in stderr
    assert not out.exists()


def test_demo_generates_runs_and_prints_paths(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "DEMO_REPORTS", 200)
    monkeypatch.setattr(batch, "DEMO_INTERCEPTIONS", 20)
    code, stdout, _ = run(app, "reconcile", "--demo", "--quiet", "--workers", "1")
    assert code == batch.EXIT_OK
    paths = [Path(line.strip()) for line in stdout.splitlines() if line.strip().endswith(".csv")]
    assert {p.name for p in paths} >= {"reports.csv", "candidates.csv", "truth.csv"}
    assert all(p.is_file() for p in paths)
    assert "recall@10" in stdout


@pytest.mark.slow
def test_train_writes_a_loadable_model(app: typer.Typer, tmp_path: Path) -> None:
    from matcher.model import MatchModel

    train, val = tmp_path / "train", tmp_path / "val"
    write_csvs(generate(n_reports=400, n_interceptions=120, seed=1, split=Split.TRAIN), train)
    write_csvs(generate(n_reports=300, n_interceptions=100, seed=2, split=Split.VALIDATION), val)
    out = tmp_path / "m.json"
    code, stdout, _ = run(
        app,
        "train",
        "--train-dir",
        train,
        "--validation-dir",
        val,
        "--out",
        out,
        "--max-false-alarm-rate",
        "0.05",
        "--min-precision",
        "0.9",
    )
    assert code == 0, stdout
    model = MatchModel.load(out)
    assert model.match_threshold_ >= model.review_threshold_
    assert model.metadata_["training"]["max_false_alarm_rate"] == 0.05
    assert model.metadata_["training"]["min_precision"] == 0.9
    # the operating-point table, the chosen allowance marked
    assert "false alarm limit" in stdout
    assert any(line.startswith("*") and "5.0%" in line for line in stdout.splitlines())
    assert "model written to" in stdout


@pytest.mark.slow
def test_train_without_folders_generates_its_own_splits(app: typer.Typer, tmp_path: Path) -> None:
    from matcher.model import MatchModel

    out = tmp_path / "m.json"
    code, _, stderr = run(app, "train", "--generate-reports", "600", "--out", out)
    assert code == 0, stderr
    assert "generating synthetic" in stderr
    assert MatchModel.load(out).is_fitted
    assert MatchModel.load(out).metadata_["training"]["data"] == (
        "generated: 600 reports each, seeds (11, 12)"
    )


@pytest.mark.slow
def test_train_unsupervised_fits_on_csvs_without_truth(app: typer.Typer, tmp_path: Path) -> None:
    from matcher.model import MatchModel

    own = tmp_path / "own"
    write_csvs(generate(n_reports=600, n_interceptions=250, seed=5, split=Split.TEST), own)
    (own / "truth.csv").unlink()  # a deployment's own records: no labels
    with (own / "reports.csv").open("a", encoding="utf-8") as fh:
        fh.write("R-BAD,Rahima,,,F,abc,2020-01-01,,,,\n")  # bad age: skipped, counted
    out = tmp_path / "em.json"
    code, stdout, stderr = run(
        app,
        "train",
        "--unsupervised",
        "--reports",
        own / "reports.csv",
        "--interceptions",
        own / "interceptions.csv",
        "--out",
        out,
    )
    assert code == 0, stderr
    model = MatchModel.load(out)
    assert model.metadata_["training"]["labels"].startswith("none")
    assert model.match_threshold_ > 1.0
    assert "match band off" in stdout
    assert "rejected rows: 1 in reports" in stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--unsupervised",),
        ("--unsupervised", "--reports", "nope.csv", "--interceptions", "nope.csv"),
        ("--reports", "r.csv", "--interceptions", "i.csv"),
    ],
    ids=["no-files", "missing-files", "files-without-flag"],
)
def test_train_unsupervised_usage_errors(
    app: typer.Typer, tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, _, stderr = run(app, "train", *args, "--out", tmp_path / "m.json")
    assert code == batch.EXIT_USAGE
    assert stderr.startswith("error:")


def test_train_rejects_folder_without_truth(app: typer.Typer, tmp_path: Path) -> None:
    code, _, stderr = run(app, "train", "--train-dir", tmp_path, "--validation-dir", tmp_path)
    assert code == batch.EXIT_USAGE
    assert "truth.csv" in stderr


@pytest.mark.parametrize(
    "content",
    [None, "not json", '{"schema_version": 999}'],
    ids=["absent", "not-json", "wrong-schema"],
)
def test_unreadable_model_exits_2_and_writes_nothing(
    app: typer.Typer, sample: Path, tmp_path: Path, content: str | None
) -> None:
    model = tmp_path / "model.json"
    if content is not None:
        model.write_text(content, encoding="utf-8")
    out = tmp_path / "c.csv"
    code, _, stderr = run(app, *reconcile_args(sample, out, "--model", model))
    assert code == batch.EXIT_USAGE
    assert "cannot read model" in stderr
    assert not out.exists()


def test_reconcile_ask_next_column(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    """``--ask-next`` adds one last column: each interception's questions (the engine's
    ``MatchIndex.ask_next`` over the candidates written), on each of its rows; the other columns
    are unchanged, two workers write the same bytes as one, and ``evaluate`` still reads it."""
    from matcher.ask import ASKABLE_FIELDS
    from matcher.csvio import iter_interceptions, iter_reports
    from matcher.index import MatchIndex

    plain, asked, asked2 = tmp_path / "plain.csv", tmp_path / "asked.csv", tmp_path / "a2.csv"
    assert run(app, *reconcile_args(sample, plain))[0] == 0
    assert run(app, *reconcile_args(sample, asked, "--ask-next"))[0] == 0
    args = reconcile_args(sample, asked2, "--ask-next")
    args[args.index("--workers") + 1] = "2"
    assert run(app, *args)[0] == 0
    assert asked2.read_bytes() == asked.read_bytes()
    plain_rows, asked_rows = read_rows(plain), read_rows(asked)
    assert list(asked_rows[0])[-1] == "ask_next"
    assert [{k: v for k, v in r.items() if k != "ask_next"} for r in asked_rows] == plain_rows

    index = MatchIndex()
    index.add_many(iter_reports(sample / "reports.csv"))
    interceptions = {i.interception_id: i for i in iter_interceptions(sample / "interceptions.csv")}
    by_interception: dict[str, set[str]] = {}
    for row in asked_rows:
        by_interception.setdefault(row["interception_id"], set()).add(row["ask_next"])
    some_question = False
    for iid, values in by_interception.items():
        assert len(values) == 1  # the same on every row of the interception
        fields = values.pop()
        interception = interceptions[iid]
        expected = index.ask_next(interception)
        assert fields == "|".join(expected)
        for field in filter(None, fields.split("|")):
            assert field in ASKABLE_FIELDS
            assert not getattr(interception, field)  # never a field the interception has
            some_question = True
    assert some_question
    code, stdout, _ = run(app, "evaluate", "--candidates", asked, "--truth", sample / "truth.csv")
    assert code == 0
    assert "recall@1" in stdout
