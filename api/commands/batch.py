"""Batch commands (reconcile, evaluate, train). Filled in by the linkage-engine issue."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the batch commands to the ``shondhan`` app."""
