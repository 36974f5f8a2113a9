"""``shondhan train --from-database``: a supervised model from the reviewers' confirmed matches.

The database is seeded with a generated (synthetic) set: its reports, its interceptions, one
candidate per reported child pointing at the true report, and a confirm decision on most of
them (plus rejected, unsure and revoked decisions, which are not labels).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from api import labels, services
from api.db import make_engine, make_session_factory
from api.migrate import upgrade
from api.models import (
    AuditEvent,
    CandidateRow,
    DecisionKind,
    DecisionRow,
    InterceptionRow,
)
from api.roles import Role
from cli import batch
from matcher.model import MatchModel
from matcher.records import Band
from training_data.generate import Split, generate

SEEDED_CONFIRMED = 150


def _cli() -> typer.Typer:
    app = typer.Typer()
    batch.register(app)
    return app


def _train(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        _cli(), ["train", *args], env={"SHONDHAN_DATABASE_URL": url}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """(database URL, interception id -> the decision written for it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('labels') / 'labels.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    data = generate(n_reports=1500, n_interceptions=260, seed=31, split=Split.TRAIN)
    written: dict[str, str] = {}
    with sessions() as s:
        reviewer, _t, _p = services.create_user(s, None, "label-reviewer", Role.POLICE_REVIEWER)
        services.create_user(s, None, "label-analyst", Role.ANALYST)
        services.create_user(s, None, "label-officer", Role.BGB_OFFICER)
        services.bulk_load_reports(s, data.reports)
        kinds = [DecisionKind.CONFIRM] * 9 + [DecisionKind.REJECT, DecisionKind.UNSURE]
        truth = {t.interception_id: t.report_id for t in data.truth}
        for n, it in enumerate(data.interceptions):
            s.add(InterceptionRow(**{f: getattr(it, f) for f in it.__dataclass_fields__}))
            s.flush()  # before its candidate (no ORM relationship orders the inserts)
            true = truth.get(it.interception_id)
            if true is None:
                continue
            cand = CandidateRow(
                interception_id=it.interception_id,
                report_id=true,
                rank=1,
                score=0.9,
                band=Band.MATCH,
                model_version="seeded",
            )
            s.add(cand)
            s.flush()
            kind = kinds[n % len(kinds)]
            decision = DecisionRow(candidate_id=cand.id, decision=kind, decided_by=reviewer.id)
            if kind is DecisionKind.CONFIRM and n % 23 == 0:
                decision.revoked_at = func.now()
                decision.revoked_by = reviewer.id
                written[it.interception_id] = "revoked"
            else:
                written[it.interception_id] = kind.value
            s.add(decision)
        s.commit()
    engine.dispose()
    assert sum(v == "confirm" for v in written.values()) >= SEEDED_CONFIRMED
    return url, written


def test_only_standing_confirmations_are_labels_and_the_split_is_stable(
    seeded: tuple[str, dict[str, str]],
) -> None:
    url, written = seeded
    sessions = make_session_factory(make_engine(url))
    with sessions() as s:
        splits = labels.decision_splits(s, None)
        s.rollback()
    labelled = {i.interception_id for i in splits.train.interceptions} | {
        i.interception_id for i in splits.validation.interceptions
    }
    assert labelled == {k for k, v in written.items() if v == "confirm"}
    assert not {i.interception_id for i in splits.train.interceptions} & {
        i.interception_id for i in splits.validation.interceptions
    }
    for i in splits.validation.interceptions:
        assert labels.in_validation(i.interception_id)
    assert 0.25 < len(splits.validation.interceptions) / splits.confirmed < 0.55
    assert len(splits.train.reports) == 1500  # the whole pool, for realistic look-alikes


def test_train_from_database_writes_a_model_and_audits_it(
    seeded: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, written = seeded
    out = tmp_path / "own.json"
    code, stdout, stderr = _train(
        url, "--from-database", "--username", "label-analyst", "--out", str(out)
    )
    assert code == 0, stderr
    model = MatchModel.load(out)
    meta = model.metadata_["training"]
    assert meta["data"] == "reviewers' confirmed matches"
    assert meta["confirmed_train"] + meta["confirmed_validation"] == sum(
        v == "confirm" for v in written.values()
    )
    assert 0.5 <= model.match_threshold_ <= 1.0
    assert meta["validation_recall_at_10"] > 0.8
    assert "trained on" in stdout
    sessions = make_session_factory(make_engine(url))
    with sessions() as s:
        trained = s.scalars(select(AuditEvent).where(AuditEvent.action == "train")).all()
        reads = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "read", AuditEvent.username == "label-analyst")
        )
    assert [(e.record_type, e.record_id, e.username) for e in trained] == [
        ("model", model.version, "label-analyst")
    ]
    # each labelled interception and each confirmed report: one read
    assert reads == 2 * (meta["confirmed_train"] + meta["confirmed_validation"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from-database",), "needs --username"),
        (("--from-database", "--username", "nobody"), "no user"),
        (("--from-database", "--username", "label-officer"), "may not train"),
        (("--username", "label-analyst"), "--from-database takes"),
        (("--from-database", "--username", "label-analyst", "--unsupervised"), "takes"),
    ],
    ids=["no-user", "unknown-user", "officer", "username-without-flag", "with-unsupervised"],
)
def test_train_from_database_refusals(
    seeded: tuple[str, dict[str, str]], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    url, _ = seeded
    code, _, stderr = _train(url, *args, "--out", str(tmp_path / "m.json"))
    assert code == batch.EXIT_USAGE
    assert message in stderr
    assert not (tmp_path / "m.json").exists()


def test_too_few_confirmations_train_nothing_and_audit_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as s:
        services.create_user(s, None, "lonely-analyst", Role.ANALYST)
    code, _, stderr = _train(
        url, "--from-database", "--username", "lonely-analyst", "--out", str(tmp_path / "m.json")
    )
    assert code == batch.EXIT_USAGE
    assert f"at least {labels.MIN_CONFIRMED}" in stderr
    with make_session_factory(engine)() as s:
        assert not s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.username == "lonely-analyst")
        )
