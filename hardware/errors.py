"""Errors the hardware domain raises; every message is Turkish and ready for students."""

from __future__ import annotations


class HardwareInputError(ValueError):
    """Bad user input (size, quantization, context ...). `message_tr` is shown as is."""

    def __init__(self, message_tr: str) -> None:
        super().__init__(message_tr)
        self.message_tr = message_tr


class UnknownNameError(HardwareInputError):
    """A model, GPU, quantization or task name that the catalog does not know."""

    def __init__(self, kind_tr: str, name: str, suggestions: list[str], extra_tr: str = "") -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Şunları mı kastettiniz: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"'{name}' adlı {kind_tr} katalogda bulunamadı.{hint}{extra_tr}")
