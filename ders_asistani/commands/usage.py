"""`ders-asistani usage`: what the class spent today against the key's limits, and the last days."""

from __future__ import annotations

from datetime import date

import typer


def register(app: typer.Typer) -> None:
    @app.command("usage")
    def usage(
        days: int = typer.Option(7, "--days", help="Kaç günlük geçmiş (bugün dahil, 1-366)"),
        day: str | None = typer.Option(None, "--day", help="Bugün yerine bu gün (YYYY-AA-GG, UTC)"),
        as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
    ) -> None:
        """Kullanım: bugün sınırlara göre, son günler, dil modeli payı, çevrimdışı nedenleri, önbellek."""
        from ders_asistani.output import fail, print_json
        from ders_asistani.settings import load_settings

        if not 1 <= days <= 366:
            fail("--days 1 ile 366 arasında olmalı.")
        if day is not None:
            try:
                date.fromisoformat(day)
            except ValueError:
                fail(f"Geçersiz gün: '{day}'. Biçim YYYY-AA-GG olmalı (ör. 2026-12-03).")
        from ders_asistani.answer_cache_store import AnswerCacheStore
        from ders_asistani.usage_ledger import UsageLedger
        from ders_asistani.usage_report import report_lines, usage_report

        settings = load_settings()
        settings.ensure_storage()
        ledger = UsageLedger(settings.app_database_url)
        cache = AnswerCacheStore(settings.app_database_url)
        try:
            report = usage_report(ledger, settings, days=days, today=day, cache_stats=cache.stats())
        finally:
            ledger.dispose()
            cache.dispose()
        if as_json:
            print_json(report)
            return
        for line in report_lines(report):
            typer.echo(line)
