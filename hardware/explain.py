"""Turkish explanations: notes for an estimate and the course's rule side by side.

The course ("Bellek Hesaplama Formülü", langchain-groq-donanim.md) writes
    Minimum VRAM = (Parametre Sayısı × 2 × Precision) + Ara Bellek (%20)
with Precision = 2 bytes for FP16. Read literally that counts the bytes twice
(8B × 2 × 2 = 32 GB); the course's own table (70B -> 140GB+, 8B -> 16GB+) matches
parameters × 2 bytes. We show the intended rule (parameters × bytes × 1.2).
"""

from __future__ import annotations

from hardware.catalog import ModelSpec, QuantSpec
from turkish.number_format import tr_number  # re-exported: hardware.explain.tr_number

GIB = 1024**3
COURSE_SOURCE = "langchain-groq-donanim.md, 'Bellek Hesaplama Formülü' ve model tablosu"


def course_bytes_per_param(quant: QuantSpec) -> float:
    """The course's 'Precision': 2 bytes for FP16, 1 for INT8, 0.5 for 4-bit (nominal bits / 8)."""
    return quant.bits / 8


def course_rule_bytes(params_total: float, quant: QuantSpec) -> float:
    return params_total * course_bytes_per_param(quant) * 1.2


def course_rule_explanation(
    model: ModelSpec, quant: QuantSpec, course_gib: float, total_gib: float,
    weights_gib: float, kv_gib: float, activations_gib: float, overhead_gib: float, training_gib: float,
    context: int, batch: int, mode: str, effective_bits: float | None = None,
) -> str:
    p = model.params_total / 1e9
    precision = course_bytes_per_param(quant)
    literal_gib = model.params_total * 2 * precision * 1.2 / GIB
    lines = [
        f"Dersteki kural: {tr_number(p, 2)} milyar parametre × {tr_number(precision, 2)} bayt ({quant.label}) "
        f"× 1,2 (%20 ara bellek) ≈ {tr_number(course_gib)} GB.",
    ]
    if quant.bits == 16:
        lines.append(
            f"Not: Formül 'Parametre Sayısı × 2 × Precision' diye yazılmış; FP16 için Precision zaten 2 bayt olduğundan "
            f"harfiyen uygulanırsa baytlar iki kez sayılır (≈ {tr_number(literal_gib)} GB). Dersteki tablo "
            "(70B → 140 GB+, 8B → 16 GB+) parametre × 2 bayt hesabına uyar; burada bu anlamı kullanıyoruz."
        )
    if effective_bits and abs(effective_bits - quant.bits) / quant.bits > 0.03:
        lines.append(
            f"{quant.label} adı {tr_number(quant.bits, 0)} bit dese de bu modelde parametre başına ortalama "
            f"{tr_number(effective_bits, 2)} bit düşüyor (ölçek değerleri, 16-bit kalan ya da daha yüksek bitte "
            "saklanan tensörler yüzünden)."
        )
    lines.append(
        f"Ayrıntılı hesap: ağırlıklar {tr_number(weights_gib, 2)} GB + KV önbelleği {tr_number(kv_gib, 2)} GB "
        f"({tr_number(context)} token × batch {batch}) + aktivasyonlar {tr_number(activations_gib, 2)} GB"
        + (f" + gradyan/optimizer {tr_number(training_gib, 2)} GB" if training_gib else "")
        + f" + çalışma zamanı ek yükü {tr_number(overhead_gib, 2)} GB = {tr_number(total_gib, 2)} GB."
    )
    diff = total_gib - course_gib
    if mode != "inference":
        lines.append(
            "Fark: Dersteki kural yalnızca çıkarım içindir; ince ayarda gradyanlar, optimizer durumları ve "
            "eğitim aktivasyonları eklenir, bu yüzden gerçek ihtiyaç çok daha büyüktür."
        )
    else:
        nominal = model.params_total * precision / GIB
        extras = {"KV önbelleği": kv_gib, "aktivasyonlar": activations_gib, "çalışma zamanı ek yükü": overhead_gib}
        if weights_gib - nominal > 0.005:
            extras["nicemleme ek bitleri (ölçekler, yüksek bitte kalan tensörler)"] = weights_gib - nominal
        largest = max(extras, key=lambda k: extras[k])
        parts = ", ".join(f"{name} {tr_number(value, 2)} GB" for name, value in extras.items())
        lines.append(
            f"Fark: ayrıntılı hesap kuraldan {tr_number(abs(diff), 2)} GB {'fazla' if diff >= 0 else 'az'}. "
            f"Kuralın sabit %20 payı {tr_number(0.2 * nominal, 2)} GB; ayrıntılı hesapta bu payın yerini {parts} alıyor "
            f"(en büyük kalem: {largest}). KV önbelleği bağlam ve batch ile doğrusal büyür; sabit %20 bunu izleyemez."
        )
    return "\n".join(lines)


def formula_notes(
    model: ModelSpec, quant: QuantSpec, context: int, batch: int, kv_bytes: float,
    weights_gib: float, kv_gib: float, bits_per_param: float, mode: str,
) -> list[str]:
    """The two main terms written out with the model's own numbers, so students can redo them."""
    notes = [
        f"Ağırlıklar: {tr_number(model.params_billion, 2)} milyar parametre × {tr_number(bits_per_param, 2)} bit ÷ 8 "
        f"= {tr_number(weights_gib, 2)} GB ({quant.label})."
    ]
    if mode == "inference":
        window = (f" (kayan pencereli katmanlarda en fazla {tr_number(model.sliding_window)} token)"
                  if model.sliding_window else "")
        notes.append(
            f"KV önbelleği: 2 (K ve V) × {model.layers} katman × {model.kv_heads} KV başı × {model.head_dim} boyut × "
            f"{tr_number(kv_bytes, 2)} bayt × {tr_number(context)} token{window} × {batch} batch = {tr_number(kv_gib, 2)} GB."
        )
    return notes


def estimate_notes(
    model: ModelSpec, quant: QuantSpec, context: int, batch: int, mode: str, kv_label: str,
    reference_name: str | None, gpu_kind: str | None, gpus: int, fits: bool | None,
    tokens_per_s: float | None, has_bandwidth: bool,
) -> list[str]:
    notes: list[str] = []
    if model.estimated:
        notes.append(
            f"Model yalnızca boyutuyla verildi; mimari (katman, KV başı) {reference_name or 'benzer bir model'} "
            "modeline benzetilerek tahmin edildi. Ağırlıklar doğru, KV önbelleği yaklaşık."
        )
    if context > model.max_context:
        notes.append(
            f"Uyarı: {tr_number(context)} token, modelin en fazla bağlamından ({tr_number(model.max_context)}) uzun; "
            "model bu uzunlukta eğitilmedi, kalite düşebilir. Hesap yine de bu uzunlukla yapıldı."
        )
    if model.kv_heads < model.heads and mode == "inference":
        ratio = model.heads / model.kv_heads
        kind = "MQA (tek KV başı)" if model.kv_heads == 1 else "GQA"
        notes.append(
            f"{kind}: {model.heads} sorgu başına karşılık {model.kv_heads} KV başı var; KV önbelleği "
            f"tüm başlar saklansaydı olacağından {tr_number(ratio, 0 if ratio.is_integer() else 1)} kat küçük."
        )
    if model.sliding_window:
        notes.append(
            f"Kayan pencere dikkati: yerel katmanlar yalnızca son {tr_number(model.sliding_window)} token'ı saklar "
            "(llama.cpp ve transformers bunu destekler)."
        )
    if model.is_moe:
        notes.append(
            f"MoE: {model.experts} uzmanın hepsi bellekte durur ({tr_number(model.params_billion, 1)}B); "
            f"her token yalnızca {model.experts_per_token} uzmanı kullanır, bu yüzden hız "
            f"{tr_number(model.active_params_billion, 1)}B aktif parametreye göre hesaplandı."
        )
    if quant.family in {"bnb", "gptq", "awq", "fp8"}:
        notes.append(f"{quant.label}: gömme (embedding) ve çıktı katmanı 16-bit kalır; yalnızca doğrusal katmanlar nicemlenir.")
    if quant.is_gguf:
        notes.append(
            f"{quant.label}: llama.cpp bazı tensörleri (çıktı, attn_v, ffn_down) daha yüksek bit ile saklar; "
            "ağırlık boyutu bu karışıma göre hesaplandı. Hesaplama tamponu 512 token'lık parçalarla."
        )
    if kv_label not in ("fp16", "bf16"):
        notes.append(f"KV önbelleği {kv_label} ile saklanıyor.")
    if mode != "inference":
        notes.append("Eğitim aktivasyonları batch × bağlam ile doğrusal büyür; gradyan checkpointing bunu büyük ölçüde azaltır.")
    if gpu_kind == "unified":
        notes.append("Apple birleşik bellek: GPU, RAM'in yalnızca bir kısmını kullanabilir; 'kullanılabilir bellek' buna göre alındı.")
    notes.append("Çalışma zamanı ek yükü (CUDA bağlamı, kütüphane çekirdekleri) ayrı gösterildi; yaklaşık bir değerdir.")
    if gpus > 1:
        notes.append(
            f"{gpus} GPU: model katmanlara bölünerek (device_map='auto' gibi) dağıtıldı varsayıldı; bellek toplanır, "
            "hız tek GPU'nunkine yakın kalır."
        )
    if tokens_per_s is not None:
        notes.append(
            "Hız tahmini: bant genişliği ÷ token başına okunan bayt (ağırlıklar + KV önbelleği). Bu teorik üst "
            "sınırdır; pratikte çoğunlukla %60-80'i elde edilir."
        )
    elif mode == "inference" and fits is False:
        notes.append("Model belleğe sığmıyor: daha düşük bitli nicemleme, daha kısa bağlam ya da daha fazla GPU deneyin.")
    elif mode == "inference" and not has_bandwidth and fits is not None:
        notes.append("Hız tahmini için GPU adı gerekir (yalnızca bellek miktarı verildiğinde bant genişliği bilinmez).")
    return notes
