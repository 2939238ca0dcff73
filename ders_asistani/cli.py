"""`ders-asistani`: one scriptable, JSON-speaking entry to every capability.

Each command group lives in `ders_asistani/commands/` and registers itself
here. Heavy imports (torch, Chroma, LangChain) happen inside the commands, so
`--help` stays fast.
"""

from __future__ import annotations

import typer

from ders_asistani.commands import hardware, index, offline_eval, retrieval, tutor

app = typer.Typer(
    name="ders-asistani",
    help="Küçük dil modelleri dersi için Türkçe ders asistanı.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """Küçük dil modelleri dersi için Türkçe ders asistanı."""


for module in (index, hardware, retrieval, offline_eval, tutor):
    module.register(app)


@app.command("config")
def show_config(as_json: bool = typer.Option(False, "--json", help="JSON çıktısı")) -> None:
    """Geçerli ayarları gösterir (gizli anahtarlar maskelenir)."""
    from ders_asistani.output import print_json
    from ders_asistani.settings import load_settings

    values = load_settings().model_dump(mode="json")
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        typer.echo(f"{key.upper()} = {value}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
