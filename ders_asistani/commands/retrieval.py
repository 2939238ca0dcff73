"""CLI: `search` (hybrid retrieval over the built index) and `eval retrieval`.

`search` uses the index under STORAGE_DIR (built first if it is empty).
`eval retrieval` builds a private index of KNOWLEDGE_DIR in a temporary folder,
so it never competes with a running app for the store, and measures it next to
the naive baseline in the same run.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from ders_asistani.output import fail, print_json

DEFAULT_EVAL_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "retrieval_eval.jsonl"
# Untimed queries that load models and caches before latency is measured;
# deliberately not in the evaluation set.
WARM_UP_QUERIES = [
    "Küçük dil modeli nedir?",
    "ekran karti ne kadar bellek ister",
    "Groq API anahtarı nasıl alınır?",
    "açık kaynak model avantajları",
    "transformer mimarisi",
]

eval_app = typer.Typer(help="Ölçümler: arama kalitesi ve hız.", no_args_is_help=True)


def _result_rows(response: Any) -> list[dict[str, Any]]:
    return [
        {
            "rank": rank,
            "text": passage.text,
            "source": passage.source,
            "section": passage.section,
            "score": passage.score,
        }
        for rank, passage in enumerate(response.passages, start=1)
    ]


def _open_retriever(settings: Any) -> Any:
    """The retriever over STORAGE_DIR; builds the index first if it is empty."""
    from vectorstore.embeddings import EmbeddingModelError
    from vectorstore.indexer import IngestBusyError
    from vectorstore.store import StoreBusyError, StoreUnavailableError

    from ders_asistani.commands.store_access import open_waiting, storage_errors

    try:
        kb = open_waiting(settings)
        with storage_errors(settings):
            return _ready_retriever(kb, settings)
    except IngestBusyError as exc:
        # The index is empty and someone else is building it: nothing to search yet.
        fail(f"Dizin henüz hazır değil. {exc}")
    except (StoreBusyError, StoreUnavailableError, EmbeddingModelError) as exc:
        fail(str(exc))


def _ready_retriever(kb: Any, settings: Any) -> Any:
    """Build the index if empty, open the retriever and warm it up."""
    if kb.store.count() == 0:
        if not settings.knowledge_dir.is_dir():
            fail(f"Bilgi klasörü bulunamadı: {settings.knowledge_dir} (KNOWLEDGE_DIR).")
        typer.echo("Dizin boş; ders belgeleri önce dizinleniyor...", err=True)
        report = kb.ingest()
        for error in report.errors:
            typer.echo(f"Uyarı: {error.file}: {error.error}", err=True)
    retriever = kb.retriever()
    second = getattr(retriever, "second", None)
    if second is not None and second.cache_path is not None and not second.cache_path.exists():
        typer.echo("Anlam modeli (e5) vektörleri hazırlanıyor; yalnız ilk açılışta sürer...", err=True)
    warm_up = getattr(retriever, "warm_up", None)
    if warm_up is not None:
        warm_up()
    return retriever


def _print_human(response: Any) -> None:
    typer.echo(f"Soru: {response.query}")
    if response.off_topic:
        relevance = getattr(response, "relevance", response.coverage)
        typer.echo(f"(Ders belgeleri bu soruyu kapsamıyor olabilir; ilgi değeri {relevance:.2f})")
    if not response.passages:
        typer.echo("Sonuç bulunamadı.")
    for rank, passage in enumerate(response.passages, start=1):
        snippet = " ".join(passage.text.split())
        if len(snippet) > 300:
            snippet = snippet[:300] + "…"
        typer.echo(f"\n{rank}. [{passage.score:.3f}] {passage.location()}\n   {snippet}")


def search(
    query: Optional[str] = typer.Argument(None, help="Aranacak soru"),
    k: int = typer.Option(5, "--k", min=1, max=50, help="Kaç sonuç döndürülsün"),
    queries_file: Optional[Path] = typer.Option(
        None, "--queries-file", help="Her satırında bir soru olan UTF-8 dosya"
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """Ders belgelerinde arama yapar (sözcük + anlam tabanlı karma arama)."""
    from ders_asistani.settings import load_settings

    if (query is None) == (queries_file is None):
        fail('Bir soru yazın ya da --queries-file ile bir dosya verin (ikisi birden değil). Örnek: ders-asistani search "SLM nedir?"')
    if queries_file is not None:
        try:
            lines = queries_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            fail(f"Soru dosyası bulunamadı: {queries_file}")
        except UnicodeDecodeError:
            fail(f"Soru dosyası UTF-8 değil: {queries_file}")
        except OSError as exc:
            fail(f"Soru dosyası okunamadı: {exc}")
        queries = [line.strip() for line in lines if line.strip()]
        if not queries:
            fail(f"Soru dosyası boş: {queries_file}")
    else:
        queries = [query.strip()] if query and query.strip() else []
        if not queries:
            fail("Soru boş olamaz.")
    settings = load_settings()
    too_long = [q for q in queries if len(q) > settings.max_question_chars]
    if too_long:
        fail(f"Soru çok uzun ({len(too_long[0])} karakter; sınır {settings.max_question_chars}).")
    retriever = _open_retriever(settings)
    responses = [retriever.search(q, k=k) for q in queries]
    if as_json:
        payload = [{"query": r.query, "results": _result_rows(r)} for r in responses]
        print_json(payload if queries_file is not None else payload[0])
        return
    for index, response in enumerate(responses):
        if index:
            typer.echo("\n" + "-" * 60)
        _print_human(response)


@eval_app.command("retrieval")
def eval_retrieval(
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
    questions: Path = typer.Option(DEFAULT_EVAL_SET, "--questions", help="Değerlendirme soruları (JSONL)"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Basit taban çizgisini de ölç"),
    k: int = typer.Option(5, "--k", min=1, max=20, help="Değerlendirilen sonuç sayısı"),
) -> None:
    """Arama kalitesini ölçer: hit@1/3/5, MRR@5 (%95 güven aralıklı), soru türlerine göre, gecikme; taban çizgisiyle yan yana."""
    from ders_asistani.settings import load_settings
    from vectorstore.evaluation import (
        EvalReport,
        NaiveBaseline,
        hybrid_search_fn,
        load_eval_set,
        run_questions,
        summarize,
        warm,
    )

    try:
        items = load_eval_set(questions)
    except FileNotFoundError:
        fail(f"Soru dosyası bulunamadı: {questions}")
    except ValueError as exc:
        fail(f"Soru dosyası geçersiz: {exc}")
    settings = load_settings()
    if not settings.knowledge_dir.is_dir():
        fail(f"Bilgi klasörü bulunamadı: {settings.knowledge_dir} (KNOWLEDGE_DIR).")

    with private_index(settings) as (retriever, report):
        ours_search = hybrid_search_fn(retriever)
        warm(ours_search, WARM_UP_QUERIES, k)
        ours = summarize(run_questions(ours_search, items, k))
        ours["chunks"] = report.chunks
    base: dict[str, Any] | None = None
    if baseline:
        naive = NaiveBaseline(settings.knowledge_dir)
        warm(naive.search, WARM_UP_QUERIES, k)
        base = summarize(run_questions(naive.search, items, k))
        base["chunks"] = naive.chunks

    config = {
        "embedding_model": settings.embedding_model,
        "fusion": settings.retrieval_fusion,
        "lexical_signal": settings.lexical_signal,
        "lexical_weight": settings.lexical_weight,
        "dense_weight": settings.dense_weight,
        "second_dense_model": settings.second_dense_model,
        "second_dense_share": settings.second_dense_share,
        "offtopic_threshold": settings.offtopic_threshold,
        "prefix_length": settings.lexical_prefix_length,
        "glossary": settings.glossary_expansion,
        "k": k,
        "questions": str(questions),
        "baseline": "all-MiniLM-L6-v2, yalnız yoğun arama, ham metin, 1000/200 karakter bölme",
    }
    result = EvalReport(questions=len(items), ours=ours, baseline=base, config=config)
    if as_json:
        print_json(result.to_dict())
        return
    _print_eval_table(result)


@contextlib.contextmanager
def private_index(settings: Any) -> Iterator[tuple[Any, Any]]:
    """(retriever, ingest report) over KNOWLEDGE_DIR in a temporary folder, warmed up.

    Evaluations use it so they never touch (or wait for) the app's store.
    """
    from vectorstore.knowledge_base import KnowledgeBase

    with tempfile.TemporaryDirectory(prefix="ders-eval-") as tmp:
        values = {name: getattr(settings, name) for name in type(settings).model_fields}
        values.update(storage_dir=Path(tmp), chroma_host=None)
        private = type(settings)(_env_file=None, **values)
        _share_vector_cache(settings.storage_dir, Path(tmp))
        kb = KnowledgeBase(private)
        try:
            report = kb.ingest()
            retriever = kb.retriever()
            warm_up = getattr(retriever, "warm_up", None)
            if warm_up is not None:
                warm_up()  # e5 vectors complete before anything is measured
            yield retriever, report
        finally:
            kb.close()
        _share_vector_cache(Path(tmp), settings.storage_dir, only_if_missing=True)


def _share_vector_cache(source_dir: Path, target_dir: Path, only_if_missing: bool = False) -> None:
    """Copy the e5 passage-vector cache so a private eval index starts fast."""
    import shutil

    from vectorstore.retriever import SecondDense

    name = f"dense-{SecondDense.MODEL_ID}.npz"
    source, target = source_dir / name, target_dir / name
    if not source.is_file() or not target_dir.is_dir() or (only_if_missing and target.exists()):
        return
    try:
        shutil.copy2(source, target)
    except OSError:
        pass  # only a cache


def _fmt(q: dict[str, Any], name: str) -> str:
    if not q or not q.get("n"):
        return "-"
    low, high = q[f"{name}_ci95"]
    return f"{q[name]:.2f} [{low:.2f}-{high:.2f}]"


def _print_eval_table(result: Any) -> None:
    ours, base = result.ours, result.baseline
    typer.echo(f"Soru sayısı: {result.questions} (yanıtlanabilir: {ours['overall']['n']})")
    second = result.config.get("second_dense_model") or "yok"
    typer.echo(
        f"Yöntem: Türkçe BM25 + {result.config['embedding_model']} (Chroma) + {second}, "
        f"birleştirme: {result.config['fusion']} ({result.config['lexical_weight']}/{result.config['dense_weight']}), "
        f"sözcük puanı: {result.config.get('lexical_signal', 'bm25')}"
    )
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [("Tümü", ours["overall"], base and base["overall"])]
    for split, q in ours["splits"].items():
        rows.append((f"Bölüm: {split}", q, base and base["splits"].get(split)))
    for kind, q in ours["kinds"].items():
        rows.append((f"Tür: {kind}", q, base and base["kinds"].get(kind)))
    header = f"{'':24} {'n':>4}  {'hit@1':>17} {'hit@5':>17} {'MRR@5':>17}"
    for title, pick in (("Bizim yöntem", 1), ("Taban çizgisi (MiniLM, yalnız yoğun)", 2)):
        if pick == 2 and base is None:
            continue
        typer.echo(f"\n{title}\n{header}")
        for name, q_ours, q_base in rows:
            q = q_ours if pick == 1 else q_base
            if not q:
                continue
            typer.echo(f"{name:24} {q['n']:>4}  {_fmt(q, 'hit@1'):>17} {_fmt(q, 'hit@5'):>17} {_fmt(q, 'mrr@5'):>17}")
    abst = ours.get("abstention")
    if abst:
        typer.echo(
            f"\nDers dışı sinyali: AUC {abst['signal_auc']}, işaretlenen yanıtsız {abst['unanswerable_flagged']}/{abst['unanswerable']}"
            f" (bariz ders dışı {abst['obvious_flagged']}/{abst['obvious']}), yanlışlıkla işaretlenen yanıtlanabilir {abst['answerable_flagged']}/{abst['answerable']}"
        )
    typer.echo(f"\nGecikme (ısınma sonrası): bizim p50 {ours['latency']['p50_ms']} ms, p95 {ours['latency']['p95_ms']} ms")
    if base:
        typer.echo(f"Gecikme taban çizgisi: p50 {base['latency']['p50_ms']} ms, p95 {base['latency']['p95_ms']} ms")
    if ours["misses"]:
        typer.echo(f"İlk 5'te bulunamayan sorular: {', '.join(ours['misses'])}")


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the main app."""
    app.command("search")(search)
    app.add_typer(eval_app, name="eval")
