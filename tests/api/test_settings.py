"""Settings come from ``SHONDHAN_*`` variables; CORS is off and limits are finite by default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings


def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "CORS_ORIGINS", "TOP_K"):
        monkeypatch.delenv(f"SHONDHAN_{name}", raising=False)
    s = Settings()
    assert s.cors_origins == []
    assert s.database_url.startswith("sqlite:///")
    assert 0 < s.max_body_bytes < s.max_upload_bytes


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"),
    [
        (
            "SHONDHAN_DATABASE_URL",
            "postgresql+psycopg://u@h/db",
            "database_url",
            "postgresql+psycopg://u@h/db",
        ),
        ("SHONDHAN_CORS_ORIGINS", '["https://a.example"]', "cors_origins", ["https://a.example"]),
        ("SHONDHAN_TOP_K", "5", "top_k", 5),
        ("SHONDHAN_INDEX_SYNC_INTERVAL", "0.5", "index_sync_interval", 0.5),
        ("SHONDHAN_RUN_MIGRATIONS", "false", "run_migrations", False),
    ],
    ids=["database", "cors", "top-k", "sync-interval", "migrations"],
)
def test_environment_overrides(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(env, value)
    assert getattr(Settings(), field) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("top_k", 0), ("index_sync_interval", 0), ("max_body_bytes", 10)],
    ids=["top-k-zero", "interval-zero", "tiny-body-limit"],
)
def test_bad_values_fail_at_construction(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})
