"""Service commands (serve, users). Filled in by the service issue."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``shondhan`` app."""
