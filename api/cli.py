"""The ``shondhan`` command: a thin shell over ``matcher`` (batch work) and ``api`` (the service).

Each group of commands lives in ``api/commands/``; this module only assembles them.
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
    from api.commands import batch, service
    from api.web import commands as web_commands

    batch.register(app)
    service.register(app)
    web_commands.register(app)  # adds `users set-password` to the service's users group


def main() -> None:
    """Console-script entry point."""
    _register()
    app()
