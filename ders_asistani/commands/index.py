"""CLI commands of the knowledge index: `ingest` and `documents`."""

from __future__ import annotations

import sys

import typer


def _summary(report) -> str:  # noqa: ANN001 - IngestReport, imported lazily
    lines = [
        f"İndeksleme tamamlandı ({report.seconds:.1f} sn).",
        f"  Dosya: {report.files}  ·  Parça (chunk): {report.chunks}",
        f"  Yeni: {report.added}  ·  Güncellenen: {report.updated}  ·  "
        f"Değişmeyen: {report.skipped}  ·  Silinen: {report.deleted}",
    ]
    if report.errors:
        lines.append(f"  Sorunlu ya da atlanan dosyalar ({len(report.errors)}):")
        lines.extend(f"    - {error.file}: {error.error}" for error in report.errors)
    if not (report.added or report.updated or report.deleted):
        lines.append("  Değişiklik yok: dizin zaten güncel.")
    return "\n".join(lines)


def ingest(
    as_json: bool = typer.Option(False, "--json", help="Sonucu tek bir JSON nesnesi olarak yazdır"),
    rebuild: bool = typer.Option(False, "--rebuild", help="Koleksiyonu silip baştan oluştur"),
) -> None:
    """Ders klasörünü (KNOWLEDGE_DIR) bilgi dizinine işler; yalnızca değişenler yeniden işlenir."""
    from ders_asistani.output import fail, print_json
    from ders_asistani.commands.store_access import storage_errors
    from ders_asistani.settings import load_settings
    from vectorstore.knowledge_base import KnowledgeBase

    settings = load_settings()
    if not settings.knowledge_dir.is_dir():
        fail(f"Ders klasörü bulunamadı: {settings.knowledge_dir} (KNOWLEDGE_DIR ayarını kontrol edin).")
    kb = KnowledgeBase(settings)
    with storage_errors(settings):
        report = _run_ingest(kb, rebuild, as_json)
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(_summary(report))


def _run_ingest(kb, rebuild: bool, as_json: bool):  # noqa: ANN001, ANN202 - lazily imported types
    """One ingest with a progress bar on a terminal; Turkish failure for known errors."""
    from ders_asistani.output import fail
    from vectorstore.embeddings import EmbeddingModelError
    from vectorstore.indexer import IngestBusyError
    from vectorstore.store import StoreBusyError, StoreUnavailableError

    try:
        if sys.stderr.isatty() and not as_json:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            with Progress(
                TextColumn("[bold]İndeksleniyor[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                transient=True,
            ) as bar:
                task = bar.add_task("", total=None)

                def on_progress(done: int, total: int, source: str) -> None:
                    bar.update(task, completed=done, total=total, description=source)

                report = kb.ingest(rebuild=rebuild, progress=on_progress)
        else:
            report = kb.ingest(rebuild=rebuild)
    except (IngestBusyError, StoreBusyError, StoreUnavailableError, EmbeddingModelError) as exc:
        fail(str(exc))
    finally:
        kb.close()
    return report


def documents(
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """İndekslenmiş dosyaları, parça sayılarını ve uygulanan onarımları listeler."""
    from ders_asistani.output import print_json
    from ders_asistani.settings import load_settings
    from vectorstore.knowledge_base import KnowledgeBase

    from ders_asistani.commands.store_access import storage_errors

    settings = load_settings()
    with storage_errors(settings):
        infos = KnowledgeBase(settings).documents()
    if as_json:
        print_json([info.to_dict() for info in infos])
        return
    if not infos:
        typer.echo("Henüz indekslenmiş belge yok. Önce `ders-asistani ingest` çalıştırın.")
        return
    for info in infos:
        typer.echo(f"{info.source}: {info.chunks} parça, {info.bytes} bayt, {info.indexed_at}")
        for repair in info.repairs:
            typer.echo(f"    onarım: {repair}")
        for warning in info.warnings:
            typer.echo(f"    uyarı: {warning}")


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the main app."""
    app.command("ingest")(ingest)
    app.command("documents")(documents)
