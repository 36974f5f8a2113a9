"""One candidates-CSV format: a service reconciliation's CSV and ``shondhan reconcile``'s file of
the same data have the same header and the same rows, byte for byte (both written by
``matcher.csvio``'s formatter); stored contributions round-trip exactly; migration 0007 reads
the explanations of runs stored before it back into contributions. All data is synthetic.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select
from typer.testing import CliRunner

from api import services
from api.matching import candidate_record, contribution_values, contributions_of
from api.migrate import alembic_config
from api.models import InterceptionRow, Reconciliation, ReconciliationCandidate, User, utcnow
from api.offload import can_fork
from api.roles import Role
from cli import batch
from matcher.csvio import CANDIDATE_EXTRA_COLUMNS, iter_interceptions, iter_reports
from matcher.records import CANDIDATE_COLUMNS, Band, Candidate, Contribution, Verdict
from tests.api.conftest import BACKENDS, Harness, fresh_database
from training_data.generate import Split, generate, write_csvs

A = Role.ANALYST


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parity")
    write_csvs(generate(n_reports=300, n_interceptions=40, seed=11, split=Split.TEST), folder)
    return folder


def _cli_candidates(sample: Path, out: Path) -> str:
    app = typer.Typer()
    batch.register(app)
    args = ["reconcile", "--reports", sample / "reports.csv"]
    args += ["--interceptions", sample / "interceptions.csv", "--out", out, "--quiet"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--workers", "1"]])
    assert result.exit_code == batch.EXIT_OK, result.stderr
    return out.read_bytes().decode("utf-8")


def _service_candidates(h: Harness, sample: Path) -> str:
    """Load the same two files into the service and download a batch run's CSV."""
    now = utcnow()
    with h.app.state.sessions() as s:
        services.bulk_load_reports(s, iter_reports(sample / "reports.csv"))
        s.execute(
            insert(InterceptionRow),
            [
                asdict(i) | {"created_by": h.user_ids[Role.BGB_OFFICER], "created_at": now}
                for i in iter_interceptions(sample / "interceptions.csv")
            ],
        )
        s.commit()
    h.app.state.index.sync_once()
    run = h.call(A, "POST", "/reconciliations").json()["reconciliation_id"]
    deadline = time.monotonic() + 120
    while h.call(A, "GET", f"/reconciliations/{run}").json()["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the batch run did not finish"
        time.sleep(0.05)
    response = h.call(A, "GET", f"/reconciliations/{run}/candidates.csv")
    assert response.status_code == 200
    return response.content.decode("utf-8")


@pytest.mark.parametrize("forked", [True, False], ids=["forked-child", "in-process"])
def test_a_service_run_and_the_cli_write_the_same_candidates_file(
    harness: Harness, sample: Path, tmp_path: Path, forked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's matching works in a forked child where ``fork`` exists, else in the server's
    thread (api.matching.LiveIndex.query_chunks): both store the CLI's candidates."""
    if not forked:
        monkeypatch.setattr("api.matching.can_fork", lambda: False)
    elif not can_fork():
        pytest.skip("no fork on this platform")
    cli_text = _cli_candidates(sample, tmp_path / "cli.csv")
    service_text = _service_candidates(harness, sample)
    cli_lines = cli_text.split("\r\n")
    service_lines = service_text.split("\r\n")
    header = ",".join((*CANDIDATE_COLUMNS, *CANDIDATE_EXTRA_COLUMNS))
    assert cli_lines[0] == service_lines[0] == header
    assert len(cli_lines) > 40  # candidates for most of the 40 interceptions
    # The service lists a run by interception id, the CLI in file order: the same rows.
    assert sorted(service_lines[1:]) == sorted(cli_lines[1:])
    rows = list(csv.DictReader(io.StringIO(service_text)))
    assert all(r["top_field"] and float(r["top_weight"]) for r in rows)  # the CLI's extra columns


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["name", "father_name", "age", "place", "reports_on_file"]),
            st.text(max_size=30),
            st.floats(min_value=-40, max_value=40, allow_nan=False),
        ),
        max_size=13,
    )
)
def test_stored_contributions_rebuild_the_engines_candidate_exactly(
    parts: list[tuple[str, str, float]],
) -> None:
    """What a batch run stores (``contribution_values``, exact weights) gives back the very
    candidate (so the same explanation and top weight); the interactive candidates' 4 decimals
    are for showing only."""
    candidate = Candidate(
        "I-1",
        "R-1",
        1,
        0.5,
        Band.REVIEW,
        tuple(Contribution(f, Verdict.PARTIAL, w, lb) for f, lb, w in parts),
    )
    row = ReconciliationCandidate(
        interception_id="I-1",
        report_id="R-1",
        rank=1,
        score=0.5,
        band=Band.REVIEW,
        contributions=contribution_values(candidate),
    )
    assert candidate_record(row) == candidate
    rounded = contributions_of(contribution_values(candidate, ndigits=4))
    assert [c.weight for c in rounded] == [round(w, 4) for _, _, w in parts]


@pytest.mark.parametrize(
    "values",
    [None, "text", [{"field": "name"}], [{"field": "name", "label": "x", "weight": "heavy"}]],
    ids=["null", "not-a-list", "no-weight", "bad-weight"],
)
def test_contributions_that_are_not_contributions_are_skipped(values: Any) -> None:
    assert contributions_of(values) == ()


# -- migration 0007 ----------------------------------------------------------------------------
#: Explanations as runs stored them before 0007 (the format of that time).
LEGACY = [
    "father name: the same name, Abdul Karim (+3.1); age: expected 13.6 (heaped), observed 12"
    " (-0.4); reports on file: 1,000,000 reports on file (-1.2)",
    "",
    "name: same key (+0.0)",
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0007_reads_old_explanations_back_and_goes_back(
    backend: str, tmp_path: Path, pg_database: str | None
) -> None:
    """A run stored before 0007 (explanation text only) gets contributions that write the same
    explanation again (weights to the text's one decimal); a text that does not read back stays
    NULL; the downgrade drops the column."""
    db = fresh_database(backend, tmp_path, pg_database)
    engine = create_engine(db.url)
    cfg = alembic_config()
    old = sa.table(
        "reconciliation_candidates",
        *(sa.column(c) for c in ("reconciliation_id", "interception_id", "report_id", "rank")),
        *(sa.column(c) for c in ("score", "band", "explanation")),
    )
    texts = [*LEGACY, "free text; not: an explanation"]
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0006")
            conn.execute(insert(User.__table__), [{"id": "u1", "username": "a", "role": "analyst"}])
            conn.execute(
                insert(Reconciliation.__table__),
                [{"id": "run1", "status": "done", "started_by": "u1"}],
            )
            conn.execute(
                insert(old),
                [
                    {
                        "reconciliation_id": "run1",
                        "interception_id": f"L-I{n}",
                        "report_id": "L-R9",
                        "rank": n,
                        "score": 0.1,
                        "band": "review",
                        "explanation": text,
                    }
                    for n, text in enumerate(texts, start=1)
                ],
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0007")
        with engine.connect() as conn:
            stored = conn.execute(
                select(
                    ReconciliationCandidate.explanation, ReconciliationCandidate.contributions
                ).order_by(ReconciliationCandidate.rank)
            ).all()
        read_back = [
            [(c.field, c.label, c.weight) for c in contributions_of(parts)]
            for _, parts in stored[:-1]
        ]
        assert read_back[0] == [
            ("father_name", "the same name, Abdul Karim", 3.1),
            ("age", "expected 13.6 (heaped), observed 12", -0.4),
            ("reports_on_file", "1,000,000 reports on file", -1.2),
        ]
        assert read_back[2] == [("name", "same key", 0.0)]
        assert stored[0][1][0] == {
            "field": "father_name",
            "label": "the same name, Abdul Karim",
            "weight": 3.1,
        }
        assert stored[1][1] == []
        assert stored[-1][1] is None
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
            columns = {c["name"] for c in sa.inspect(conn).get_columns("reconciliation_candidates")}
        assert "contributions" not in columns
        assert "explanation" in columns
    finally:
        engine.dispose()
        db.cleanup()
