"""``shondhan users set-password``: give a user a password for the web pages.

Users are created (with their role and first API token) by ``shondhan users create``; a password
is only needed to sign in to the pages. The password is read from a hidden prompt (twice) or,
for scripts, from standard input with ``--password-stdin``; it is never a command-line argument
(that would leak into shell history and ``ps``). Setting a password also lifts a lock-out.

Registration: ``register(app)`` adds ``set-password`` to the app's existing ``users`` group (so
call it after the service commands are registered), or creates the group if there is none.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from typing import Any

import typer


def set_password(username: str, password: str, *, database_url: str | None = None) -> bool:
    """Store an argon2 hash of ``password`` for ``username``; False if there is no such user.

    Raises ``ValueError`` (with an i18n key) if the password is unacceptable.
    """
    from sqlalchemy import select

    from api.db import make_engine, make_session_factory, session_scope
    from api.models import User
    from api.settings import Settings
    from api.web.security import hash_password, password_problem

    problem = password_problem(password)
    if problem is not None:
        raise ValueError(problem)
    url = database_url or Settings().database_url
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                return False
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
            session.commit()
            return True
    finally:
        engine.dispose()


def issue_passwords(session: Any, usernames: Iterable[str]) -> dict[str, str]:
    """Give each existing user in ``usernames`` a fresh random web password; returns them.

    For ``shondhan serve --demo``: print them next to the API tokens so a newcomer can sign in
    to the pages at once. Commits on ``session``; unknown usernames are skipped.
    """
    from sqlalchemy import select

    from api.models import User
    from api.web.security import hash_password

    issued: dict[str, str] = {}
    for username in usernames:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        password = secrets.token_urlsafe(12)
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        issued[username] = password
    session.commit()
    return issued


def _set_password_command(
    username: str = typer.Option(..., "--username", "-u", help="Existing user's name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Set (or reset) a user's web sign-in password; also lifts a lock-out."""
    from api.web.i18n import translate

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        found = set_password(username, password)
    except ValueError as exc:
        typer.echo(translate(str(exc)), err=True)
        raise typer.Exit(2) from None
    if not found:
        typer.echo("No such user (create it first with `shondhan users create`).", err=True)
        raise typer.Exit(1)
    typer.echo("Password set.")


def register(app: typer.Typer) -> None:
    """Add ``users set-password`` to ``app`` (into its ``users`` group if it has one)."""
    for group in app.registered_groups:
        if group.name == "users" and group.typer_instance is not None:
            group.typer_instance.command("set-password")(_set_password_command)
            return
    users = typer.Typer(help="Users of the service.", no_args_is_help=True)
    users.command("set-password")(_set_password_command)
    app.add_typer(users, name="users")
