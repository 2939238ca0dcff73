"""`ders-asistani models`: the Groq models the configured key may use (`GET /openai/v1/models`)."""

from __future__ import annotations

import typer

# Exit statuses: a setting to fix (no key, refused key) vs. the network or Groq failing.
EXIT_SETTINGS = 2
EXIT_UNREACHABLE = 3


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _table(rows) -> str:  # noqa: ANN001 - ModelRow, imported lazily
    header = ("Model", "Durum", "Rol", "Bağlam", "En çok çıktı")
    body = []
    for row in rows:
        status = row.status_tr
        if row.retired_on:
            status += f" ({row.retired_on})"
        if not row.listed:
            status += ", bu hesapta yok"
        body.append((row.id, status, row.role or "-", _cell(row.context_window), _cell(row.max_completion_tokens)))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in [header, *body]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def models(as_json: bool = typer.Option(False, "--json", help="JSON çıktısı")) -> None:
    """Groq anahtarının kullanabildiği modelleri listeler (emekli ve önizleme modelleri işaretli)."""
    from chains.groq_models import list_models
    from ders_asistani.output import fail, print_json
    from ders_asistani.settings import load_settings

    settings = load_settings()
    listing = list_models(settings)
    if not listing.ok:
        settings_problem = settings.groq_api_key is None or "kabul etmedi" in listing.message
        fail(listing.message, EXIT_SETTINGS if settings_problem else EXIT_UNREACHABLE)
    if as_json:
        print_json(listing.to_dict())
        return
    typer.echo(_table(listing.rows))
    typer.echo("")
    typer.echo(listing.message)
    chosen = [row for row in listing.rows if row.role]
    for row in chosen:
        if row.status == "retired":
            typer.echo(f"Uyarı: {row.id} ({row.role}) {row.retired_on} tarihinde emekli edildi; "
                       "GROQ_MODEL / GROQ_FALLBACK_MODELS ayarını değiştirin.")
        elif row.status == "preview":
            typer.echo(f"Not: {row.id} ({row.role}) bir önizleme modeli; Groq onu haber vermeden kaldırabilir.")


def register(app: typer.Typer) -> None:
    app.command("models")(models)
