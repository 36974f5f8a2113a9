"""Service settings, read from the environment (prefix ``SHONDHAN_``) or passed explicitly.

Contract: a :class:`Settings` instance is the *only* configuration the app factory reads, so
tests build an app against a temporary database by passing ``Settings(database_url=...)``.
Nothing is read at import time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN_DAYS = 90
"""Default lifetime of an API token, in days (``SHONDHAN_TOKEN_DAYS``)."""
SESSION_HOURS = 12.0
"""Default lifetime of a signed-in web session, in hours (``SHONDHAN_SESSION_HOURS``)."""
SIGN_IN_PER_MINUTE = 20
"""Default sign-in attempts one source may make per minute (``SHONDHAN_SIGN_IN_PER_MINUTE``)."""


class Settings(BaseSettings):
    """What the operator chose; every field can be set as ``SHONDHAN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SHONDHAN_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./shondhan.db",
        description="SQLAlchemy URL. Default: an SQLite file in the current directory (WAL mode).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed by CORS. Empty (the default) means CORS is off.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest JSON request body; larger gets 413."
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest CSV upload (POST /reports/import); larger gets 413.",
    )
    index_sync_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds between polls for reports written by other processes.",
    )
    model_path: Path | None = Field(
        default=None,
        description=(
            "Model JSON written by `shondhan train` (another operating point, or a model fitted "
            "on the deployment's own data); read at start-up. Default: the shipped model."
        ),
    )
    top_k: int = Field(
        default=10, ge=1, le=100, description="Candidates returned per interception."
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs the web pages' session cookies; random per process if unset.",
    )
    run_migrations: bool = Field(
        default=True, description="Upgrade the database schema to the newest version at start-up."
    )
    sync_enabled: bool = Field(
        default=True, description="Run the background loop that picks up other processes' reports."
    )
    reconciliation_chunk: int = Field(
        default=200, ge=1, description="Interceptions per progress update of a batch run."
    )
    token_days: int = Field(
        default=TOKEN_DAYS,
        ge=1,
        le=3650,
        description="Days an API token works after it is issued (then it must be re-issued).",
    )
    session_hours: float = Field(
        default=SESSION_HOURS,
        gt=0,
        le=24 * 30,
        description="Hours a web sign-in lasts (signing out or revocation ends it earlier).",
    )
    sign_in_per_minute: int = Field(
        default=SIGN_IN_PER_MINUTE,
        ge=1,
        le=100_000,
        description=(
            "Sign-in attempts (POST /login) one source address may make in any 60 s; more get "
            "429. Counted per server process."
        ),
    )

    @property
    def token_lifetime(self) -> timedelta:
        """How long a new API token works."""
        return timedelta(days=self.token_days)

    @property
    def session_lifetime(self) -> timedelta:
        """How long a new web session works."""
        return timedelta(hours=self.session_hours)

    job_lease_seconds: float = Field(
        default=120.0,
        ge=1.0,
        description=(
            "A batch run or import whose owner has not renewed its heartbeat for this long is "
            "dead: any process marks it failed and removes what it left half-done."
        ),
    )
    webhook_url: str | None = Field(
        default=None,
        description=(
            "Called (POST, JSON with ids only) when candidates enter the review queue; "
            "http(s) URL; needs webhook_secret. Default: no webhook."
        ),
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC-SHA256 signature on each webhook call (16+ characters).",
    )

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        """A webhook needs an http(s) URL with a host and a secret of 16+ characters; a secret
        alone is refused too (a half-configured webhook fails at start-up, not silently)."""
        if self.webhook_url is None and self.webhook_secret is None:
            return self
        if self.webhook_url is None:
            raise ValueError("webhook_secret is set but webhook_url is not")
        parts = urlsplit(self.webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("webhook_url must be an http:// or https:// URL with a host")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if len(secret) < 16:
            raise ValueError("webhook_secret must be at least 16 characters")
        return self
