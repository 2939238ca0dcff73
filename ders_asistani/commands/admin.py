"""CLI command for the instructor's own recovery: `admin-unlock`.

The login lock is app-wide (an attacker must not get a counter per session), so a
flood of wrong passwords also locks out the real instructor. Whoever can run a
command on the server is trusted to clear it.
"""

from __future__ import annotations

import typer


def admin_unlock(as_json: bool = typer.Option(False, "--json", help="Sonucu JSON olarak yazdır")) -> None:
    """Eğitmen girişindeki deneme kilidini kaldırır (yanlış parola sayacını sıfırlar)."""
    from ders_asistani.admin_guard import AdminGuard
    from ders_asistani.appdb import AppDatabase
    from ders_asistani.output import print_json
    from ders_asistani.settings import load_settings

    settings = load_settings()
    database = AppDatabase(settings.app_database_url)
    try:
        cleared = AdminGuard(database.engine, settings.admin_session_minutes).unlock()
    finally:
        database.dispose()
    if as_json:
        print_json({"unlocked": True, "failures_cleared": cleared})
        return
    typer.echo(f"Eğitmen girişinin kilidi kaldırıldı ({cleared} yanlış deneme sıfırlandı).")


def register(app: typer.Typer) -> None:
    app.command("admin-unlock")(admin_unlock)
