"""``shondhan users set-password``: give a user a password for the web pages.

Users are created (with their role and first API token) by ``shondhan users create``; a password
is only needed to sign in to the pages. The password is read from a hidden prompt (twice) or,
for scripts, from standard input with ``--password-stdin``; it is never a command-line argument
(that would leak into shell history and ``ps``). Setting a password also lifts the account's
sign-in back-off and ends the user's web sessions. A password the operator sets is the user's
own (not one-time, unlike one an admin sets on the admin page). The rules (what password is
acceptable, the back-off) are the service's
(:func:`api.services.set_password`); this module only reads the password and reports.

Registration: ``register(app)`` adds ``set-password`` to the app's existing ``users`` group (so
call it after the service commands are registered), or creates the group if there is none.
"""

from __future__ import annotations

import sys

import typer


def set_password(username: str, password: str, *, database_url: str | None = None) -> bool:
    """Store an argon2 hash of ``password`` for ``username``; False if there is no such user.

    Raises ``ValueError`` (with an i18n key) if the password is unacceptable; a missing or
    unmigrated database exits 2 with one line naming the setting
    (:func:`cli.service.open_database`).
    """
    from api import services
    from api.db import make_session_factory, session_scope
    from api.errors import InvalidError, NotFoundError
    from cli.service import open_database

    engine = open_database(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            services.set_password(session, None, username, password)
            return True
    except InvalidError as exc:
        raise ValueError(exc.code) from None
    except NotFoundError:
        return False
    finally:
        engine.dispose()


def _set_password_command(
    username: str = typer.Option(..., "--username", "-u", help="Existing user's name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Set (or reset) a user's web sign-in password; lifts the sign-in back-off and ends the
    user's web sessions."""
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
