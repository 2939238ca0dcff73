"""Turkish wording for the CLI's usage errors and help panels.

Typer (0.29, with its vendored click) writes its usage errors as English f-strings
and has no translation catalogue, so `run` calls the app with
`standalone_mode=False`, catches the usage error and prints `usage_message(exc)`
instead. The error classes carry what they complain about (option name,
possibilities, parameter), so the Turkish sentence is built from those fields;
only messages without such fields are matched by their English pattern.
"""

from __future__ import annotations

import re

from typer import rich_utils
from typer._click import exceptions as click_errors

# Exit status of a usage error, as click and typer use it.
EXIT_USAGE = 2

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"No such command '(?P<name>.*)'\."), "Böyle bir komut yok: '{name}'."),
    (re.compile(r"Missing command\."), "Bir komut yazın."),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)"), "Beklenmeyen fazladan argüman: {args}."),
    (re.compile(r"Option '(?P<name>.*)' requires an argument\."), "'{name}' seçeneği bir değer ister."),
    (re.compile(r"Option '(?P<name>.*)' requires (?P<n>\d+) arguments\."), "'{name}' seçeneği {n} değer ister."),
    (re.compile(r"Option '(?P<name>.*)' does not take a value\."), "'{name}' seçeneği değer almaz."),
    (re.compile(r"Value '(?P<value>.*)' is not a valid (?P<kind>\w+)\."), "'{value}' geçerli bir değer değil."),
    (re.compile(r"'(?P<value>.*)' is not one of (?P<choices>.*)\."), "'{value}' şunlardan biri olmalı: {choices}."),
)


def _hint(param_hint: object) -> str:
    items = param_hint if isinstance(param_hint, (list, tuple)) else [param_hint] if param_hint else []
    return " / ".join(f"'{str(item).strip(chr(39))}'" for item in items)


def _translate(message: str) -> str:
    for pattern, template in _PATTERNS:
        found = pattern.fullmatch(message.strip())
        if found:
            return template.format(**found.groupdict())
    return message


def usage_message(exc: click_errors.UsageError) -> str:
    """One or two Turkish lines: what was wrong and where the help is."""
    if isinstance(exc, click_errors.NoSuchOption):
        text = f"Böyle bir seçenek yok: {exc.option_name}."
        if exc.possibilities:
            text += f" Şunu mu demek istediniz: {', '.join(sorted(exc.possibilities))}?"
    elif isinstance(exc, click_errors.MissingParameter):
        hint = exc.param_hint or (exc.param.get_error_hint() if exc.param is not None else "")
        text = f"Eksik değer: {_hint(hint)}."
    elif isinstance(exc, click_errors.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint() if exc.param is not None else "")
        text = f"Geçersiz değer {_hint(hint)}: {_translate(exc.message)}"
    else:
        text = _translate(exc.format_message())
    if exc.ctx is not None:
        text += f"\nYardım için: {exc.ctx.command_path} --help"
    return text


def use_turkish_help_panels() -> None:
    """Turkish titles for the help screen's panels (typer reads these module constants when printing)."""
    rich_utils.ARGUMENTS_PANEL_TITLE = "Argümanlar"
    rich_utils.OPTIONS_PANEL_TITLE = "Seçenekler"
    rich_utils.COMMANDS_PANEL_TITLE = "Komutlar"
    rich_utils.ERRORS_PANEL_TITLE = "Hata"
    rich_utils.ABORTED_TEXT = "İptal edildi."
    rich_utils.DEFAULT_STRING = "[varsayılan: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[zorunlu]"
    rich_utils.RICH_HELP = "Yardım için: [blue]'{command_path} {help_option}'[/]"
