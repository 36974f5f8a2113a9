"""``shondhan dedupe`` end to end on a small synthetic set: groups, bad rows, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from cli import batch
from matcher.dedupe import GROUP_COLUMNS
from tests.test_cli_batch import read_rows, run
from training_data.generate import Split, generate, write_csvs


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer()
    batch.register(application)
    return application


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dedupe")
    # every reported child intercepted, so the truth names every duplicate report
    data = generate(n_reports=400, n_interceptions=400, seed=11, split=Split.TEST, reported_share=1)
    write_csvs(data, folder)
    return folder


def test_reports_are_grouped(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    code, stdout, _ = run(app, "dedupe", "--reports", sample / "reports.csv", "--out", out)
    assert code == 0, stdout
    rows = read_rows(out)
    assert list(rows[0]) == list(GROUP_COLUMNS)
    reports = read_rows(sample / "reports.csv")
    assert sorted(r["record_id"] for r in rows) == sorted(r["report_id"] for r in reports)
    group_of = {r["record_id"]: r["group_id"] for r in rows}
    dups = [
        (t["report_id"], d)
        for t in read_rows(sample / "truth.csv")
        for d in t["duplicate_report_ids"].split("|")
        if d
    ]
    assert dups, "the sample should hold children reported twice"
    found = sum(group_of[a] == group_of[b] for a, b in dups)
    assert found >= 0.8 * len(dups)
    assert "groups" in stdout


def test_interceptions_file(app: typer.Typer, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    code, _, _ = run(app, "dedupe", "--interceptions", sample / "interceptions.csv", "--out", out)
    assert code == 0
    assert len(read_rows(out)) == len(read_rows(sample / "interceptions.csv"))


def test_bad_rows_are_rejected_with_row_and_field(
    app: typer.Typer, sample: Path, tmp_path: Path
) -> None:
    src = tmp_path / "reports.csv"
    lines = (sample / "reports.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[3].split(",")
    bad[header.index("age")] = "abc"
    src.write_text("\n".join([*lines[:3], ",".join(bad), *lines[4:]]) + "\n", encoding="utf-8")
    out, rejects = tmp_path / "groups.csv", tmp_path / "rejects.csv"
    code, _, stderr_text = run(app, "dedupe", "--reports", src, "--out", out, "--rejects", rejects)
    assert code == 3
    [reject] = read_rows(rejects)
    assert (reject["row_number"], reject["field"]) == ("4", "age")
    assert len(read_rows(out)) == len(lines) - 2
    assert "1 x age" in stderr_text


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "OUT"],
        ["--reports", "R", "--interceptions", "I", "--out", "OUT"],
        ["--reports", "MISSING", "--out", "OUT"],
        ["--reports", "HEADER_ONLY", "--out", "OUT"],
    ],
    ids=["no-input", "both-inputs", "no-such-file", "missing-columns"],
)
def test_usage_errors(app: typer.Typer, sample: Path, tmp_path: Path, args: list[str]) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("report_id,name\n", encoding="utf-8")
    paths = {
        "OUT": tmp_path / "groups.csv",
        "R": sample / "reports.csv",
        "I": sample / "interceptions.csv",
        "MISSING": tmp_path / "nope.csv",
        "HEADER_ONLY": header_only,
    }
    code, _, _ = run(app, "dedupe", *[paths.get(a, a) for a in args])
    assert code == 2
    assert not (tmp_path / "groups.csv").exists()
