"""CLI commands of the hardware advisor: `vram` and `recommend`.

Numeric options are read as text and validated by `hardware.estimate.EstimateRequest`,
so a typo like `--context abc` gets a Turkish message instead of click's English one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

_CASE_KEYS = ("model", "params", "quant", "context", "batch", "mode", "gpu", "vram", "gpus",
              "kv_quant", "lora_rank", "lora_targets", "optimizer", "gradient_checkpointing")


def _print_estimate(result: Any) -> None:  # noqa: ANN401 - EstimateResult, imported lazily
    from rich.console import Console
    from rich.table import Table

    from hardware.explain import tr_number

    full = result.to_full_dict()
    console = Console()
    head = Table(title=f"{full['model']} · {full['quant_label']} · {full['mode']}", show_header=False)
    head.add_column("Alan", style="bold")
    head.add_column("Değer")
    head.add_row("Parametre", f"{tr_number(full['params_billion'], 2)} milyar")
    head.add_row("Bağlam × batch", f"{tr_number(full['context'])} token × {full['batch']}")
    if full["gpu"]:
        head.add_row("GPU", f"{full['gpu']} × {full['gpus']} (kullanılabilir {tr_number(full['budget_gb'])} GB)")
    console.print(head)

    parts = Table(title="Bellek dökümü (GB)")
    parts.add_column("Bileşen")
    parts.add_column("GB", justify="right")
    for item in full["breakdown"]:
        parts.add_row(item["label_tr"], tr_number(item["gb"], 2))
    parts.add_row("[bold]Toplam[/bold]", f"[bold]{tr_number(full['total_gb'], 2)}[/bold]")
    parts.add_row("Dersteki kural (parametre × bayt × 1,2)", tr_number(full["course_rule_gb"], 2))
    console.print(parts)

    if full["fits"] is not None:
        verdict = "[green]SIĞAR[/green]" if full["fits"] else "[red]SIĞMAZ[/red]"
        console.print(f"Sonuç: {verdict} · sığan en uzun bağlam: {tr_number(full['max_context'] or 0)} token")
    if full["tokens_per_s"] is not None:
        console.print(f"Tahmini üretim hızı: ≈ {tr_number(full['tokens_per_s'], 0)} token/sn (teorik üst sınır)")
    if full["gpus_that_fit"]:
        console.print("Sığdığı yaygın GPU'lar: " + ", ".join(full["gpus_that_fit"][:10]))
    console.print("\n[bold]Ders kuralı ile karşılaştırma[/bold]\n" + full["course_rule_explanation"])
    if full["notes"]:
        console.print("\n[bold]Notlar[/bold]")
        for note in full["notes"]:
            console.print(f" • {note}")


def _run_cases(path: Path) -> list[dict[str, Any]]:
    from hardware.errors import HardwareInputError
    from hardware.estimate import EstimateRequest, estimate

    results: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            if not isinstance(case, dict):
                raise HardwareInputError("Her satır bir JSON nesnesi olmalı.")
            unknown = sorted(set(case) - set(_CASE_KEYS))
            if unknown:
                raise HardwareInputError(f"Bilinmeyen alan(lar): {', '.join(unknown)}. İzin verilenler: {', '.join(_CASE_KEYS)}.")
            results.append(estimate(EstimateRequest.parse(case)).to_dict())
        except json.JSONDecodeError:
            results.append({"line": number, "error": f"{number}. satır geçerli bir JSON değil."})
        except HardwareInputError as exc:
            results.append({"line": number, "error": exc.message_tr})
        except Exception:  # noqa: BLE001 - one bad case must not stop the others
            results.append({"line": number, "error": f"{number}. satır hesaplanamadı; değerleri kontrol edin."})
    return results


def vram(
    model: str | None = typer.Option(None, "--model", "-m", help="Model adı (ör. 'llama 3.1 8b', 'mistral7b')"),
    params: str | None = typer.Option(None, "--params", "-p", help="Model adı yerine milyar cinsinden parametre sayısı (ör. 13)"),
    quant: str | None = typer.Option(None, "--quant", "-q", help="fp16, bf16, fp8, int8, int4, nf4, gptq, awq, Q2_K … Q8_0 (varsayılan: çıkarımda fp16)"),
    context: str | None = typer.Option(None, "--context", "-c", help="Bağlam uzunluğu, token (varsayılan 4096 ya da modelin sınırı)"),
    batch: str | None = typer.Option(None, "--batch", "-b", help="Batch boyutu (varsayılan 1)"),
    mode: str | None = typer.Option(None, "--mode", help="inference | lora | qlora | full"),
    gpu: str | None = typer.Option(None, "--gpu", "-g", help="GPU adı (ör. '4090', 'rtx 3060', 't4', 'm2 max')"),
    vram_gb: str | None = typer.Option(None, "--vram", help="GPU adı yerine bellek miktarı (GB)"),
    gpus: str | None = typer.Option(None, "--gpus", help="GPU sayısı (varsayılan 1)"),
    kv_quant: str | None = typer.Option(None, "--kv-quant", help="KV önbelleği türü: fp16, fp8, q8_0, q4_0 (varsayılan fp16)"),
    lora_rank: str | None = typer.Option(None, "--lora-rank", help="LoRA rank (varsayılan 16)"),
    lora_targets: str | None = typer.Option(None, "--lora-targets", help="LoRA hedefleri: all | attention | qv"),
    optimizer: str | None = typer.Option(None, "--optimizer", help="adamw | adamw_8bit | sgd | lion"),
    checkpointing: bool = typer.Option(True, "--checkpointing/--no-checkpointing", help="Eğitimde gradyan checkpointing"),
    cases_file: Path | None = typer.Option(None, "--cases-file", help="Her satırı bir hesap olan JSON Lines dosyası"),
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """Bir modelin çalıştırılması ya da ince ayarı için gereken GPU belleğini hesaplar (GB = 2^30 bayt)."""
    from ders_asistani.output import fail, print_json
    from hardware.errors import HardwareInputError
    from hardware.estimate import EstimateRequest, estimate
    from hardware.explain import tr_number

    if cases_file is not None:
        if not cases_file.is_file():
            fail(f"Dosya bulunamadı: {cases_file}")
        try:
            results = _run_cases(cases_file)
        except UnicodeDecodeError:
            fail(f"{cases_file} UTF-8 metin dosyası değil.")
        if as_json:
            print_json(results)
        else:
            for item in results:
                if "error" in item:
                    typer.echo(f"{item['line']}. satır: HATA: {item['error']}")
                else:
                    fits = {True: "sığar", False: "sığmaz", None: "-"}[item["fits"]]
                    typer.echo(f"{item['model']} · {item['quant']} · {item['context']} token · {item['mode']}: "
                               f"{tr_number(item['total_gb'], 2)} GB ({fits})")
        return

    raw = {"model": model, "params": params, "quant": quant, "context": context, "batch": batch,
           "mode": mode, "gpu": gpu, "vram": vram_gb, "gpus": gpus, "kv_quant": kv_quant,
           "lora_rank": lora_rank, "lora_targets": lora_targets, "optimizer": optimizer}
    if not checkpointing:
        raw["gradient_checkpointing"] = False
    try:
        result = estimate(EstimateRequest.parse({k: v for k, v in raw.items() if v is not None}))
    except HardwareInputError as exc:
        fail(exc.message_tr)
    if as_json:
        print_json(result.to_dict())
    else:
        _print_estimate(result)


def recommend(
    vram_gb: str | None = typer.Option(None, "--vram", help="Ekran kartı belleği (GB)"),
    gpu: str | None = typer.Option(None, "--gpu", "-g", help="Bellek yerine GPU adı (ör. 'rtx 4060')"),
    task: str | None = typer.Option(None, "--task", "-t", help="kodlama, turkce, genel, yaratici, ozetleme, matematik, siir, cok_dilli"),
    mode: str = typer.Option("inference", "--mode", help="inference | lora | qlora | full | finetune"),
    context: str = typer.Option("4096", "--context", "-c", help="Gereken bağlam uzunluğu (token)"),
    limit: str = typer.Option("8", "--limit", help="En fazla kaç öneri"),
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """Belleğinize (ya da GPU'nuza) ve görevinize göre sığan modelleri önerir."""
    from ders_asistani.output import fail, print_json
    from hardware.errors import HardwareInputError
    from hardware.recommend import course_recommendations, recommend as run

    try:
        vram_value = _number(vram_gb, "--vram", float) if vram_gb is not None else None
        recs = run(vram_gb=vram_value, gpu=gpu, task=task, mode=mode,
                   context=_number(context, "--context", int), limit=_number(limit, "--limit", int))
        course = course_recommendations(task) if task else []
    except HardwareInputError as exc:
        fail(exc.message_tr)
    if as_json:
        print_json([r.to_dict() for r in recs])
        return
    from rich.console import Console
    from rich.table import Table

    from hardware.explain import tr_number

    console = Console()
    if not recs:
        console.print("Bu bellek ve bağlamla çalışabilecek model bulunamadı; bağlamı kısaltın ya da daha büyük bir GPU deneyin.")
    table = Table(title="Önerilen modeller")
    for column in ("#", "Model", "Nicemleme", "GB", "token/sn", "Gerekçe"):
        table.add_column(column, overflow="fold")
    for i, r in enumerate(recs, start=1):
        speed = tr_number(r.tokens_per_s, 0) if r.tokens_per_s else "-"
        table.add_row(str(i), r.model, r.quant, tr_number(r.total_gb, 1), speed, r.reason)
    console.print(table)
    listed = {r.model_id for r in recs}
    for item in course:
        if item["model"] not in listed:
            console.print(f"Not: {item['reason_tr']} Bu bellek/bağlamla sığmadığı için listede yok.")


def catalog(
    kind: str = typer.Argument("models", help="models | gpus | quants | tasks"),
    as_json: bool = typer.Option(False, "--json", help="JSON çıktısı"),
) -> None:
    """Hesaplayıcının bildiği modelleri, GPU'ları, nicemleme türlerini ya da görevleri listeler."""
    from ders_asistani.output import fail, print_json
    from hardware import catalog as cat
    from hardware.explain import tr_number
    from hardware.recommend import all_tasks

    if kind in {"models", "modeller"}:
        rows = [{"id": m.id, "name": m.name, "params_billion": round(m.params_billion, 3),
                 "max_context": m.max_context, "kv_heads": m.kv_heads, "heads": m.heads, "experts": m.experts}
                for m in cat.all_models()]
        text = [f"{r['id']:20s} {r['name']:32s} {tr_number(r['params_billion'], 2):>8s}B  bağlam {tr_number(r['max_context'])}"
                for r in rows]
    elif kind in {"gpus", "gpular"}:
        rows = [{"id": g.id, "name": g.name, "vram_gb": g.vram_gb, "usable_vram_gb": g.usable_vram_gb,
                 "bandwidth_gb_s": g.bandwidth_gb_s} for g in cat.all_gpus()]
        text = [f"{r['id']:18s} {r['name']:36s} {tr_number(r['vram_gb'], 0):>4s} GB (kullanılabilir {tr_number(r['usable_vram_gb'])}) "
                f"{tr_number(r['bandwidth_gb_s'] or 0, 0)} GB/s" for r in rows]
    elif kind in {"quants", "nicemleme"}:
        rows = [{"id": q.id, "label": q.label, "bits": q.bits, "family": q.family} for q in cat.all_quants()]
        text = [f"{r['id']:10s} {r['label']:40s} {tr_number(r['bits'], 0)} bit" for r in rows]
    elif kind in {"tasks", "gorevler", "görevler"}:
        rows = [{"id": t.id, "label_tr": t.label_tr} for t in all_tasks()]
        text = [f"{r['id']:10s} {r['label_tr']}" for r in rows]
    else:
        fail(f"'{kind}' bilinmiyor; models, gpus, quants ya da tasks yazın.")
    if as_json:
        print_json(rows)
    else:
        typer.echo("\n".join(text))


def _number(text: str, option: str, kind: type) -> Any:  # noqa: ANN401
    from hardware.errors import HardwareInputError

    try:
        value = kind(str(text).replace(",", ".")) if kind is float else kind(str(text))
    except ValueError:
        raise HardwareInputError(f"{option} için geçerli bir {'tam sayı' if kind is int else 'sayı'} girin.") from None
    if kind is float and value != value:  # NaN
        raise HardwareInputError(f"{option} geçerli bir sayı olmalı (NaN olamaz).")
    return value


def register(app: typer.Typer) -> None:
    """Attach this group's commands to the main app."""
    app.command("vram")(vram)
    app.command("recommend")(recommend)
    app.command("catalog")(catalog)
