"""`ders-asistani export`: the instructor page's CSV downloads from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ders_asistani.output import fail

KINDS = {"geri-bildirim": "feedback", "feedback": "feedback", "cevapsiz": "unanswered", "cevapsız": "unanswered",
         "unanswered": "unanswered"}


def export(
    kind: str = typer.Argument(..., help="geri-bildirim ya da cevapsiz"),
    out: Optional[Path] = typer.Option(None, "--out", help="CSV dosyası (boşsa standart çıktı)"),
) -> None:
    """Geri bildirimleri ya da cevapsız soruları CSV olarak verir (UTF-8 BOM'lu, ';' ayraçlı; Excel Türkçe harfleri doğru açar)."""
    from ders_asistani.appdb import AppDatabase
    from ders_asistani.instructor_records import export_csv
    from ders_asistani.settings import load_settings

    chosen = KINDS.get(kind.strip().lower())
    if chosen is None:
        fail(f"Bilinmeyen liste: {kind!r}. 'geri-bildirim' ya da 'cevapsiz' yazın.")
    settings = load_settings()
    data = export_csv(AppDatabase(settings.app_database_url), chosen, settings.display_timezone)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"Dosya yazılamadı: {out} ({exc.strerror or exc})", code=3)
    typer.echo(f"{out} yazıldı.", err=True)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
