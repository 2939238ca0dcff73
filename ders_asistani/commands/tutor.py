"""CLI commands: placeholder until its issue lands (see ders_asistani/cli.py)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the main app."""
