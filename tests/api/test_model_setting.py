"""``SHONDHAN_MODEL_PATH`` / ``serve --model``: the service scores with a deployment's own model
(another operating point, or one fitted on its own data), and a bad file stops it at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.app import create_app
from api.roles import Role
from api.settings import Settings
from cli import service
from matcher.model import MatchModel, ModelFormatError
from tests.api.conftest import fresh_database, interception_body, report_body, start_harness


def test_the_service_scores_with_the_configured_model(tmp_path: Path) -> None:
    own = MatchModel.hand_set()
    own.match_threshold_ = 0.999  # another operating point: a different model version
    path = tmp_path / "own-model.json"
    own.save(path)
    assert own.version != MatchModel.default().version

    h, client = start_harness(fresh_database("sqlite", tmp_path, None).url, model_path=path)
    try:
        r = h.call(Role.POLICE_REVIEWER, "POST", "/reports", json=report_body("R-1"))
        assert r.status_code == 201, r.text
        r = h.call(Role.BGB_OFFICER, "POST", "/interceptions", json=interception_body("I-1"))
        assert r.status_code == 201, r.text
        candidates = r.json()["candidates"]
        assert candidates
        assert candidates[0]["report_id"] == "R-1"
        assert {c["model_version"] for c in candidates} == {own.version}
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, FileNotFoundError),
        ("not json {", ValueError),
        ('{"schema_version": 999}', ModelFormatError),
    ],
    ids=["missing-file", "not-json", "foreign-schema"],
)
def test_a_bad_model_file_stops_the_app_factory(
    tmp_path: Path, content: str | None, error: type[Exception]
) -> None:
    path = tmp_path / "model.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(error):
        create_app(Settings(database_url=url, sync_enabled=False, model_path=path))


def test_serve_with_a_bad_model_exits_2_naming_the_file(tmp_path: Path) -> None:
    cli = typer.Typer()
    service.register(cli)
    bad = tmp_path / "broken-model.json"
    bad.write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["serve", "--model", str(bad)],
        env={"SHONDHAN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 2
    assert "cannot read model broken-model.json" in result.stderr
