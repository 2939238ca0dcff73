"""`ders-asistani ask`: one question to the tutor from the command line.

With `--thread ID` the conversation is kept between invocations in
`STORAGE_DIR/threads/ID.json` (questions, answers and tool notes only), so
follow-ups like "peki 4-bit olursa?" work from a shell too.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import typer

_THREAD_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _thread_file(storage_dir: Path, thread_id: str) -> Path:
    return storage_dir / "threads" / f"{thread_id}.json"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temp file next to `path`, then rename: a crash or a bad character
    leaves the old file whole instead of a truncated one."""
    data = text.encode("utf-8")  # fails before anything on disk is touched
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask(
        question: str = typer.Argument(..., help="Türkçe soru"),
        thread: str | None = typer.Option(None, "--thread", help="Konuşma kimliği (takip soruları için)"),
        offline_mode: bool = typer.Option(False, "--offline", help="Dil modeli kullanmadan cevapla"),
        as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
    ) -> None:
        """Ders asistanına bir soru sorar; cevap kaynak numaralarıyla gelir."""
        from ders_asistani.output import fail, print_json
        from ders_asistani.settings import load_settings

        from turkish.sanitize import sanitize_text

        question = sanitize_text(question)
        if not question.strip():
            fail("Soru boş olamaz.")
        if thread is not None and not _THREAD_ID.match(thread):
            fail("Konuşma kimliği yalnızca harf, rakam, '.', '_' ve '-' içerebilir (en çok 64 karakter).")
        settings = load_settings()
        if len(question) > settings.max_question_chars:
            fail(f"Soru çok uzun ({len(question)} karakter); en fazla {settings.max_question_chars} karakter olabilir.")

        import logging

        from chains.assistant import build_tutor
        from chains.context import Turn

        # Failures reach the student as Turkish notices; keep English log lines
        # (and any traceback) off the terminal unless logging is configured.
        logging.getLogger("chains").addHandler(logging.NullHandler())

        from ders_asistani.commands.store_access import open_waiting, storage_errors

        # Open the store first (waiting up to STORE_WAIT_S if the app holds it);
        # the tutor's own store shares this process-wide lock.
        store_holder = open_waiting(settings)  # noqa: F841 - kept open for the whole command
        with storage_errors(settings):
            tutor = build_tutor(settings, force_offline=offline_mode)
        thread_id = thread or "cli"
        history_path = _thread_file(settings.storage_dir, thread) if thread else None
        if history_path is not None and history_path.is_file():
            try:
                saved = json.loads(history_path.read_text(encoding="utf-8"))
                tutor.load_history(thread_id, [Turn(**turn) for turn in saved.get("turns", [])], saved.get("hardware"))
            except (ValueError, TypeError, KeyError, AttributeError):
                # Keep the broken file for inspection: this turn is answered but not saved over it.
                typer.echo(
                    f"Uyarı: kayıtlı konuşma ({history_path.name}) okunamadı; dosya olduğu gibi bırakıldı, "
                    "bu soru önceki konuşma olmadan cevaplanıyor ve kaydedilmiyor.",
                    err=True,
                )
                history_path = None

        with storage_errors(settings):
            answer = tutor.ask(question, thread_id)

        if history_path is not None:
            history_path.parent.mkdir(parents=True, exist_ok=True)
            turns, hardware = tutor.export_history(thread_id)
            payload = {"turns": [turn.__dict__ for turn in turns], "hardware": hardware}
            write_atomically(history_path, json.dumps(payload, ensure_ascii=False, indent=1))

        notices = list(answer.notices)
        if answer.generation_off_reason and answer.generation_off_reason not in notices:
            # The JSON has no separate field for it: say why generation is off as the first notice.
            notices.insert(0, answer.generation_off_reason)
        if as_json:
            payload = answer.to_dict()
            payload["notices"] = notices
            print_json(payload)
            return
        mode = {"groq": "Groq", "ollama": "Ollama", "openai-compatible": "Kendi sunucunuz",
                "offline": "çevrimdışı"}.get(answer.mode, answer.mode)
        cached = " · önbellekten" if answer.cached else ""
        typer.echo(f"[{mode}{' · ' + answer.model if answer.model else ''}{cached}]")
        for notice in notices:
            typer.echo(f"Not: {notice}")
        typer.echo("")
        typer.echo(answer.answer)
        for call in answer.tool_calls:
            typer.echo(f"\nAraç: {call['name']} {json.dumps(call['args'], ensure_ascii=False)}")
        if answer.sources:
            typer.echo("\nKaynaklar:")
            for source in answer.sources:
                where = " — ".join(part for part in (source["source"], source["section"]) if part)
                typer.echo(f"  [{source['n']}] {where}")
