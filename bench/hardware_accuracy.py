"""Accuracy of the VRAM calculator against published numbers, beside naive baselines.

Run:  .venv/bin/python -m bench.hardware_accuracy          (table + summary)
      .venv/bin/python -m bench.hardware_accuracy --json   (summary only, JSON)

Ground truth: tests/data/hardware_published.json (copied from llm-hardware-facts.json with
sources). Compared in the same run:
  ours         hardware.estimate / hardware.memory
  course rule  parameters × bytes per weight × 1.2 (the course's "Bellek Hesaplama Formülü")
  no-GQA       our calculator but with num_attention_heads as KV heads (a public calculator's bug)
  stage-only   a calculator that reports only the largest training stage (weights + the larger of
               gradients or optimizer states) and has no KV-cache or activation term at all
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from hardware.catalog import resolve_model, resolve_quant
from hardware.estimate import estimate
from hardware.memory import GIB, kv_cache_bytes, weight_bytes
from hardware.training import OPTIMIZER_STATE_BYTES, lora_params

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "hardware_published.json"
GB_PER_GIB = GIB / 1e9


@dataclass
class Row:
    group: str
    label: str
    published: float
    ours: float
    course: float
    no_gqa: float
    stage_only: float

    def err(self, value: float) -> float:
        return abs(value - self.published) / self.published * 100


def _course_gb(model_id: str, quant: str) -> float:
    model, q = resolve_model(model_id), resolve_quant(quant)
    return model.params_total * (q.bits / 8) * 1.2 / 1e9


def gguf_rows(data: dict) -> list[Row]:
    rows = []
    for r in data["gguf_file_sizes"]:
        if r.get("legacy_rules"):
            continue
        model, quant = resolve_model(r["model_id"]), resolve_quant(r["quant"])
        ours = weight_bytes(model, quant) / 1e9
        naive = model.params_total * quant.bits / 8 / 1e9  # what a bits-only calculator says for the file
        rows.append(Row("GGUF-dosya-boyutu", f"{r['model_id']} {r['quant']}", r["file_size_gb"], ours,
                        _course_gb(r["model_id"], r["quant"]), ours, naive))
    return rows


def kv_rows(data: dict) -> list[Row]:
    rows = []
    for r in data["kv_cache_tables"]:
        if "excluded" in r:
            continue
        model = resolve_model(r["model_id"])
        ours = kv_cache_bytes(model, r["tokens"], 1, 2.0) / GIB
        no_gqa = kv_cache_bytes(model, r["tokens"], 1, 2.0, heads=model.heads) / GIB
        course = 0.2 * model.params_total * 2 / GIB  # the course's only room for KV is the 20% margin
        rows.append(Row("KV-önbelleği", f"{r['model_id']} {r['tokens']} tok", r["kv_gb"], ours, course, no_gqa, 0.0))
    return rows


def inference_rows(data: dict) -> list[Row]:
    rows = []
    for r in data["measured_inference"]:
        req = {"model": r["model_id"], "quant": r["quant"], "context": r["context"], "batch": r["batch"]}
        res = estimate(req)
        model = resolve_model(r["model_id"])
        ours = res.total_gb - (res.overhead_gb if r["excludes_cuda_context"] else 0)
        extra_kv = (kv_cache_bytes(model, r["context"], r["batch"], 2.0, heads=model.heads)
                    - kv_cache_bytes(model, r["context"], r["batch"], 2.0)) / GIB
        rows.append(Row("Ölçülen-çıkarım", f"{r['model_id']} {r['quant']}", r["measured_gib"], ours,
                        _course_gb(r["model_id"], r["quant"]) * 1e9 / GIB, ours + extra_kv, res.weights_gb))
    return rows


def training_rows(data: dict) -> list[Row]:
    rows = []
    for r in data["measured_training"]:
        if not r["comparable"]:
            continue
        req = {"model": r["model_id"], "mode": r["mode"], "quant": r["quant"], "context": r["context"],
               "batch": r["batch"], "lora_rank": r["lora_rank"], "lora_targets": r["lora_targets"]}
        res = estimate(req)
        model = resolve_model(r["model_id"])
        trainable = lora_params(model, r["lora_rank"], r["lora_targets"])
        # Largest stage only: weights plus the bigger of gradients / optimizer states; no activations, no KV.
        stage = res.weights_gb * GB_PER_GIB + trainable * max(4.0, OPTIMIZER_STATE_BYTES["adamw"]) / 1e9
        course = model.params_total * 2 * 1.2 / 1e9
        ours = res.total_gb * GB_PER_GIB
        label = f"{r['model_id']} {r['mode']} {r['framework']} b{r['batch']} {r['context']} tok"
        rows.append(Row("Ölçülen-eğitim", label, r["measured_gb"], ours, course, ours, stage))
    return rows


def summarize(rows: list[Row]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    groups = sorted({r.group for r in rows}) + ["TÜMÜ"]
    for group in groups:
        sel = [r for r in rows if group == "TÜMÜ" or r.group == group]
        entry = {"n": len(sel), "ours_mape": mean(r.err(r.ours) for r in sel),
                 "ours_max": max(r.err(r.ours) for r in sel),
                 "course_mape": mean(r.err(r.course) for r in sel),
                 "no_gqa_mape": mean(r.err(r.no_gqa) for r in sel),
                 "stage_only_mape": mean(r.err(r.stage_only) for r in sel)}
        for key in ("course", "no_gqa", "stage_only"):
            entry[f"{key}_ratio"] = entry[f"{key}_mape"] / entry["ours_mape"] if entry["ours_mape"] else float("inf")
        summary[group] = {k: round(v, 2) for k, v in entry.items()}
    return summary


def informational(data: dict) -> list[tuple[dict, float, float]]:
    """Published estimates and loose reports: shown for transparency, not part of the accuracy score."""
    out = []
    for r in data.get("informational", []):
        res = estimate(r["request"])
        ours = (res.weights_gb if r["compare"] == "weights" else res.total_gb) * GB_PER_GIB
        out.append((r, ours, abs(ours - r["published_gb"]) / r["published_gb"] * 100))
    return out


def main(argv: list[str]) -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rows = gguf_rows(data) + kv_rows(data) + inference_rows(data) + training_rows(data)
    summary = summarize(rows)
    info = informational(data)
    if "--json" in argv:
        summary["bilgi_amacli"] = {"n": len(info), "ours_mape": round(mean(e for _, _, e in info), 2) if info else 0.0}
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print(f"{'grup':18s} {'durum':44s} {'yayımlanan':>10s} {'bizim':>8s} {'hata%':>6s} {'ders%':>7s} {'GQAsız%':>8s} {'evre%':>7s}")
    for r in rows:
        print(f"{r.group:18s} {r.label[:44]:44s} {r.published:10.3f} {r.ours:8.3f} {r.err(r.ours):6.1f} "
              f"{r.err(r.course):7.1f} {r.err(r.no_gqa):8.1f} {r.err(r.stage_only):7.1f}")
    print("\nOrtalama mutlak yüzde hata (MAPE), aynı çalıştırmada:")
    print(f"{'grup':18s} {'n':>3s} {'bizim':>7s} {'en kötü':>8s} {'ders kuralı':>12s} {'GQAsız':>8s} {'evre-yalnız':>12s}  oranlar (taban/bizim)")
    for group, s in summary.items():
        print(f"{group:18s} {s['n']:3.0f} {s['ours_mape']:7.2f} {s['ours_max']:8.2f} {s['course_mape']:12.2f} "
              f"{s['no_gqa_mape']:8.2f} {s['stage_only_mape']:12.2f}  ders×{s['course_ratio']:.1f} "
              f"GQAsız×{s['no_gqa_ratio']:.1f} evre×{s['stage_only_ratio']:.1f}")
    print("\nBilgi amaçlı (yayımlanmış kaba tahminler ve belirsiz raporlar; puana katılmaz), GB:")
    for r, ours, err in info:
        req = " ".join(f"{k}={v}" for k, v in r["request"].items())
        print(f"  {req[:52]:52s} {r['compare']:7s} yayımlanan {r['published_gb']:8.2f} bizim {ours:8.2f} fark {err:6.1f}%  [{r['measurement_type']}]")
    for item in data.get("not_compared", []):
        print(f"  karşılaştırılmadı: {item['rows']} — {item['reason']}")
    skipped = [r for r in data["measured_training"] if not r["comparable"]]
    print(f"\nKarşılaştırılmayan {len(skipped)} Unsloth satırı (özel çekirdekler) ve 2023 tarihli eski Q2_K dosyaları "
          "tabloya alınmadı; KV tablosundaki 405B satırı mimariyle çeliştiği için dışarıda.")


if __name__ == "__main__":
    main(sys.argv[1:])
