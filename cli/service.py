"""Service commands: ``shondhan serve [--demo]``, ``shondhan migrate`` and ``shondhan users
create|token|revoke|enable|list``.

``users create`` and ``users token`` print the new token once, on stdout, and nowhere else:
the operator's path to a user's token (the bootstrap of the first admin, or a user without web
access). Through the API and the pages a token is only ever issued to its own user. Tokens
work for ``SHONDHAN_TOKEN_DAYS`` days. Configuration comes from ``SHONDHAN_*`` environment
variables (see ``api.settings``).

The ``users`` commands (and ``users set-password``, ``train --from-database``) work on an
existing, migrated database only (:func:`open_database`): a missing file or schema is refused in
one line naming ``SHONDHAN_DATABASE_URL`` (exit 2), never created empty. ``migrate`` creates or
upgrades the schema; ``serve`` does the same at start-up, and ``serve --demo`` uses its own
``./shondhan-demo.db`` unless ``SHONDHAN_DATABASE_URL`` is set.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.roles import Role
from api.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

users_app = typer.Typer(help="Manage users and their API tokens.", no_args_is_help=True)

DEMO_DATABASE = "sqlite:///./shondhan-demo.db"


def _settings(demo: bool = False) -> Settings:
    if demo and "SHONDHAN_DATABASE_URL" not in os.environ:
        return Settings(database_url=DEMO_DATABASE)
    return Settings()


def open_database(url: str | None = None) -> Engine:
    """The configured database (or ``url``), existing and migrated; otherwise print one line
    naming ``SHONDHAN_DATABASE_URL`` and exit 2 (:func:`api.migrate.open_current`)."""
    from api.migrate import DatabaseNotReadyError, open_current

    try:
        return open_current(url or Settings().database_url)
    except DatabaseNotReadyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _sessions(demo: bool = False) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    from api.db import make_engine, make_read_only_session_factory, make_session_factory
    from api.migrate import upgrade

    if demo:  # the demo makes its own database
        engine = make_engine(_settings(demo=True).database_url)
        upgrade(engine)
    else:
        engine = open_database()
    return make_session_factory(engine), make_read_only_session_factory(engine)


def migrate() -> None:
    """Create the database schema at SHONDHAN_DATABASE_URL, or upgrade it to this version's."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.db import make_engine
    from api.migrate import SETTING, head_revision, shown_url, upgrade

    url = Settings().database_url
    try:
        engine = make_engine(url)
        upgrade(engine)
    except (SQLAlchemyError, OSError, ImportError) as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        typer.echo(f"error: cannot migrate {SETTING}={shown_url(url)}: {reason}", err=True)
        raise typer.Exit(2) from None
    engine.dispose()
    typer.echo(f"database {shown_url(url)} is at schema {head_revision()}")


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the bundled synthetic data; print a token per role")
    ] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model JSON from `shondhan train` (default: SHONDHAN_MODEL_PATH, else the "
            "shipped model).",
        ),
    ] = None,
) -> None:
    """Run the HTTP service (JSON API, OpenAPI at /docs, web pages)."""
    import uvicorn

    from api.app import create_app
    from matcher.model import ModelFormatError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _settings(demo)
    if model is not None:
        settings = settings.model_copy(update={"model_path": model})
    try:
        app = create_app(settings)
    except (OSError, ValueError, ModelFormatError) as exc:
        shown = settings.model_path.name if settings.model_path else "(shipped)"
        typer.echo(f"error: cannot read model {shown}: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    if demo:
        from api import services
        from api.demo import demo_username, has_demo_data, seed_demo

        sessions, read_sessions = _sessions(demo=True)
        if has_demo_data(sessions):
            typer.echo(
                "Demo data already loaded; issuing NEW demo tokens and passwords "
                "(the ones printed before no longer work) ...",
                err=True,
            )
        else:
            typer.echo(
                "Loading the synthetic demo data (this first start takes a minute) ...", err=True
            )
        tokens = seed_demo(sessions, read_sessions)
        typer.echo(f"Demo database: {settings.database_url}")
        typer.echo("Demo tokens, new on every start (use as 'Authorization: Bearer <token>'):")
        for role, token in tokens.items():
            typer.echo(f"  {role.value:16} {token}")
        with sessions() as session:
            passwords = services.issue_passwords(session, [demo_username(role) for role in tokens])
        typer.echo(
            f"Demo sign-in for the web pages at http://{host}:{port}/login (new on every start):"
        )
        for username, password in passwords.items():
            typer.echo(f"  {username:24} {password}")
        typer.echo(f"Open http://{host}:{port}/docs for the API.")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (lower case, digits, . _ -)")],
    role: Annotated[Role, typer.Option(help="The user's role")],
) -> None:
    """Create a user and print their first token (shown once)."""
    from pydantic import ValidationError

    from api import services
    from api.errors import ServiceError
    from api.schemas import UserIn

    try:
        UserIn(username=username, role=role)
    except ValidationError:
        typer.echo(
            "invalid username: use 2-64 lower-case letters, digits, '.', '_' or '-'", err=True
        )
        raise typer.Exit(2) from None
    sessions, _ = _sessions()
    with sessions() as session:
        try:
            user, _token, plain = services.create_user(
                session, None, username, role, lifetime=Settings().token_lifetime
            )
        except ServiceError as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(1) from None
    typer.echo(f"user {user.username} ({role.value}) created; token (shown only now):", err=True)
    typer.echo(plain or "")


@users_app.command("token")
def users_token(username: Annotated[str, typer.Option(help="Login name")]) -> None:
    """Print a new token for an existing user (shown once)."""
    from api import services
    from api.errors import ServiceError

    sessions, _ = _sessions()
    with sessions() as session:
        try:
            user = services.find_user(session, username=username)
            _token, plain = services.new_token(
                session, None, user.id, lifetime=Settings().token_lifetime
            )
        except ServiceError as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(1) from None
    typer.echo(plain)


@users_app.command("revoke")
def users_revoke(
    username: Annotated[str, typer.Option(help="Login name")],
    disable: Annotated[bool, typer.Option(help="Also disable the user")] = False,
) -> None:
    """Revoke every token of a user and end their web sessions (--disable: also disable)."""
    from api import services
    from api.errors import ServiceError

    sessions, _ = _sessions()
    with sessions() as session:
        try:
            user = services.find_user(session, username=username)
            count = services.revoke_user_tokens(session, None, user.id, disable=disable)
        except ServiceError as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(1) from None
    typer.echo(f"{count} token(s) revoked for {username}")


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Option(help="Login name")]) -> None:
    """Re-enable a disabled user (no credential comes back: issue a token or let them sign in)."""
    from api import services
    from api.errors import ServiceError

    sessions, _ = _sessions()
    with sessions() as session:
        try:
            user = services.find_user(session, username=username)
            services.set_disabled(session, None, user.id, False)
        except ServiceError as exc:
            typer.echo(exc.detail, err=True)
            raise typer.Exit(1) from None
    typer.echo(f"{username} enabled")


@users_app.command("list")
def users_list() -> None:
    """List users: username, role, disabled."""
    from api import services

    sessions, _ = _sessions()
    with sessions() as session:
        for user in services.list_users(session, None):
            flag = " (disabled)" if user.disabled else ""
            typer.echo(f"{user.username}\t{user.role.value}{flag}")


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``shondhan`` app."""
    app.command("serve")(serve)
    app.command("migrate")(migrate)
    app.add_typer(users_app, name="users")
