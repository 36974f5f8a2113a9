"""The ``shondhan`` command: a thin shell over ``matcher`` (batch work) and ``api`` (the service).

It lives outside ``api/`` so that the service package is the service alone. Each group of
commands is a module here (``batch``: reconcile, evaluate, train; ``service``: serve and users;
``users``: ``users set-password``); this module only assembles them.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="shondhan",
    help="Match border interceptions against missing-person reports.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    from cli import batch, service, users

    batch.register(app)
    service.register(app)
    users.register(app)  # adds `users set-password` to the service's users group


def main() -> None:
    """Console-script entry point."""
    _register()
    app()
