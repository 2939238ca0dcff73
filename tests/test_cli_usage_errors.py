"""Usage errors of the real CLI entry (`ders_asistani.cli.run`) come out in Turkish, exit status 2."""

from __future__ import annotations

import pytest

from ders_asistani.cli import run


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["nope"], "Böyle bir komut yok: 'nope'."),
        (["vram", "--bogus"], "Böyle bir seçenek yok: --bogus."),
        (["vram", "--model"], "'--model' seçeneği bir değer ister."),
        (["ask"], "Eksik değer: 'question'."),
        (["vram", "-m", "llama 3.1 8b", "fazla"], "Beklenmeyen fazladan argüman"),
    ],
)
def test_usage_errors_are_turkish(argv, expected, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Kullanım hatası: ")
    assert expected in err
    for english in ("No such", "Missing", "requires", "Got unexpected", "Try '"):
        assert english not in err


def test_suggestions_and_help_hint(capsys):
    assert run(["vram", "--gpuss"]) == 2
    err = capsys.readouterr().err
    assert "Şunu mu demek istediniz: --gpu" in err
    assert "Yardım için: ders-asistani vram --help" in err


def test_help_panels_are_turkish_and_exit_zero(capsys):
    assert run(["vram", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Seçenekler" in out and "Options" not in out


def test_successful_command_exits_zero(capsys):
    assert run(["vram", "-m", "llama 3.1 8b", "-q", "q4_k_m", "--json"]) == 0
    assert '"quant": "Q4_K_M"' in capsys.readouterr().out
