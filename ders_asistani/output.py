"""Shared CLI output helpers: JSON on stdout, Turkish messages on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def print_json(payload: Any) -> None:
    """Print JSON with Turkish characters intact (no \\u escapes)."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop with a Turkish message for the user and a non-zero exit code."""
    typer.echo(f"Hata: {message}", err=True)
    raise typer.Exit(code)
