"""CLI: `eval offline`, the quality of offline (no language model) course answers.

Builds a private index of KNOWLEDGE_DIR in a temporary folder (as `eval
retrieval` does), retrieves once per question and lets today's composer and
the baseline sentence picker answer from the same passages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ders_asistani.commands.retrieval import WARM_UP_QUERIES, eval_app, private_index
from ders_asistani.output import fail, print_json

TEST_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"


def _load_items(questions: Optional[list[Path]]) -> list[Any]:
    from vectorstore.evaluation import load_eval_set

    paths = questions or sorted(TEST_DATA.glob("retrieval_eval*.jsonl"))
    items: list[Any] = []
    for path in paths:
        try:
            items.extend(load_eval_set(path))
        except FileNotFoundError:
            fail(f"Soru dosyası bulunamadı: {path}")
        except ValueError as exc:
            fail(f"Soru dosyası geçersiz: {exc}")
    if not items:
        fail("Değerlendirilecek soru bulunamadı.")
    return items


def eval_offline(
    questions: Optional[list[Path]] = typer.Option(
        None, "--questions", help="Değerlendirme soruları (JSONL); birden çok kez verilebilir. Varsayılan: tests/data/*.jsonl"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """Çevrimdışı cevapları ölçer: kanıtı içeren cevap oranı, ders dışı sorularda çekimserlik, cevap uzunluğu; eski cümle seçiciyle yan yana."""
    from chains.offline_eval import SCREEN_CHARS, default_composers, evaluate
    from ders_asistani.settings import load_settings
    items = _load_items(questions)
    settings = load_settings()
    if not settings.knowledge_dir.is_dir():
        fail(f"Bilgi klasörü bulunamadı: {settings.knowledge_dir} (KNOWLEDGE_DIR).")
    with private_index(settings) as (retriever, _):
        for query in WARM_UP_QUERIES:
            retriever.search(query, k=settings.retrieval_k)
        result = evaluate(lambda q: retriever.search(q, k=settings.retrieval_k), items, default_composers())
    result["config"] = {"questions": len(items), "k": settings.retrieval_k, "screen_chars": SCREEN_CHARS}
    if as_json:
        print_json(result)
        return
    _print_table(result)


def _row(name: str, group: dict[str, Any]) -> str:
    share = "-" if group["evidence_share"] is None else f"{group['evidence_share']:.2f}"
    abst = f"{group['abstained']}/{group['unanswerable']}" if group["unanswerable"] else "-"
    return (
        f"{name:22} {group['answerable']:>4} {share:>6} {abst:>7} {group['answerable_abstained']:>6}"
        f" {group['mean_chars']:>6} {group['max_chars']:>6} {group['over_screen']:>5}"
    )


def _print_table(result: dict[str, Any]) -> None:
    typer.echo(f"Soru sayısı: {result['config']['questions']} (k={result['config']['k']})")
    header = f"{'':22} {'n':>4} {'kanıt':>6} {'çekim.':>7} {'boş':>6} {'ort.':>6} {'en çok':>6} {'uzun':>5}"
    titles = {"ours": "Bugünkü çevrimdışı cevap", "baseline": "Taban çizgisi (eski cümle seçici)"}
    for name, summary in result.items():
        if name == "config":
            continue
        typer.echo(f"\n{titles.get(name, name)}\n{header}")
        typer.echo(_row("Tümü", summary["overall"]))
        for split, group in summary["splits"].items():
            typer.echo(_row(f"Bölüm: {split}", group))
        for kind, group in summary["kinds"].items():
            typer.echo(_row(f"Tür: {kind}", group))
    typer.echo(
        "\nkanıt: kanıt metnini içeren yanıtlanabilir soru oranı; çekim.: 'derste yok' denen yanıtsız sorular; "
        f"boş: 'derste yok' denen yanıtlanabilir sorular; uzun: {result['config']['screen_chars']} karakterden uzun cevaplar."
    )


def register(app: typer.Typer) -> None:
    """Attach `eval offline` to the `eval` group."""
    eval_app.command("offline")(eval_offline)
