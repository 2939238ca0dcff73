"""`ders-asistani`: one scriptable, JSON-speaking entry to every capability.

Each command group lives in `ders_asistani/commands/` and registers itself
here. Heavy imports (torch, Chroma, LangChain) happen inside the commands, so
`--help` stays fast.
"""

from __future__ import annotations

import errno
import sys
from typing import Sequence

import typer

from typer._click import exceptions as click_errors
from typer.exceptions import Abort

from ders_asistani.commands import admin, hardware, index, models, offline_eval, retrieval, tutor, usage, records
from ders_asistani.usage_errors import EXIT_USAGE, use_turkish_help_panels, usage_message
from turkish.sanitize import sanitize_text

use_turkish_help_panels()

app = typer.Typer(
    name="ders-asistani",
    help="Küçük dil modelleri dersi için Türkçe ders asistanı.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Exit status when the machine, not the input, failed (disk full, no permission, store busy).
EXIT_ENVIRONMENT = 3


@app.callback()
def _root() -> None:
    """Küçük dil modelleri dersi için Türkçe ders asistanı."""


for module in (index, hardware, retrieval, offline_eval, tutor, admin, models, usage, records):
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


def clean_args(argv: Sequence[str]) -> list[str]:
    """Arguments as the commands see them: a mis-decoded byte ("\\udcff") or a NUL never gets in."""
    return [sanitize_text(arg) for arg in argv]


def friendly_error(exc: BaseException) -> str | None:
    """A Turkish sentence for failures of the machine rather than of the input, or None."""
    text = str(exc).lower()
    if isinstance(exc, PermissionError):
        return f"Dosyaya erişim izni yok ({getattr(exc, 'filename', None) or 'depolama klasörü'}); STORAGE_DIR klasörünün yazılabilir olduğundan emin olun."
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "database or disk is full" in text or "disk full" in text:
        return "Diskte yer kalmadı; biraz yer açıp yeniden deneyin. Kayıtlı veriler bozulmadı."
    if type(exc).__name__ == "StoreBusyError" or "database is locked" in text:
        return "Bilgi deposu şu anda başka bir süreç tarafından kullanılıyor; biraz sonra yeniden deneyin."
    if type(exc).__name__ == "OperationalError":
        return "Veritabanına şu anda erişilemiyor (STORAGE_DIR veya DATABASE_URL); ayarları kontrol edip yeniden deneyin."
    if isinstance(exc, OSError):
        return f"Dosya işlemi başarısız oldu: {exc.strerror or 'bilinmeyen hata'}."
    return None


def run(argv: Sequence[str]) -> int:
    """The CLI with clean arguments and Turkish messages instead of tracebacks; returns the exit status."""
    try:
        result = app(args=clean_args(argv), prog_name="ders-asistani", standalone_mode=False)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except click_errors.NoArgsIsHelpError as help_screen:
        help_screen.show()
        return EXIT_USAGE
    except click_errors.UsageError as wrong:
        typer.echo(f"Kullanım hatası: {usage_message(wrong)}", err=True)
        return EXIT_USAGE
    except Abort:
        typer.echo("İptal edildi.", err=True)
        return 1
    except click_errors.ClickException as failed:
        typer.echo(f"Hata: {failed.format_message()}", err=True)
        return failed.exit_code
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a message
        message = friendly_error(exc)
        if message is None:
            raise
        typer.echo(f"Hata: {message}", err=True)
        return EXIT_ENVIRONMENT
    # Without standalone mode typer returns an explicit `typer.Exit`'s code, else the command's value.
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
