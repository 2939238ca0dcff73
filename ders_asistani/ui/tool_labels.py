"""Turkish labels and values for the hardware tools' results (the chat's tool box).

The tools answer JSON with English or ASCII keys (`weights_gb`, `fits`,
`sigdigi_gpular`) and `null`s; a student reads a small table instead:
"Ağırlıklar | 4,6 GB", "Sığıyor mu | Evet". Pure functions, no Streamlit.
"""

from __future__ import annotations

from typing import Any

from hardware.explain import tr_number

# key -> label, in the order the table shows them; keys not listed follow, with their own name.
LABELS: dict[str, str] = {
    "model": "Model",
    "params_billion": "Parametre (milyar)",
    "params": "Parametre (milyar)",
    "quant": "Nicemleme",
    "context": "Bağlam (token)",
    "batch": "Batch",
    "mode": "Kullanım",
    "task": "Görev",
    "gpu": "GPU",
    "gpus": "GPU sayısı",
    "vram": "Bellek",
    "kullanilabilir_bellek_gb": "Kullanılabilir bellek",
    "weights_gb": "Ağırlıklar",
    "kv_cache_gb": "KV önbelleği",
    "activations_gb": "Aktivasyonlar",
    "overhead_gb": "Çalışma zamanı ek yükü",
    "training_gb": "Eğitim için ek bellek",
    "total_gb": "Toplam",
    "fits": "Sığıyor mu",
    "max_context": "Sığan en uzun bağlam (token)",
    "tokens_per_s": "Tahmini hız (token/sn)",
    "ders_kurali_gb": "Ders kuralıyla",
    "sigdigi_gpular": "Sığdığı GPU'lar",
    "reason": "Neden",
    "hata": "Hata",
    "sorgu": "Arama",
    "k": "Parça sayısı",
}
# Long texts shown under the table rather than inside it.
TEXT_KEYS = {"notes": "Notlar", "ders_kurali_aciklamasi": "Ders kuralı"}
HIDDEN_KEYS = {"birim"}  # said once, under the table
LIST_KEYS = {"oneriler": "Öneriler"}

MODE_VALUES = {"inference": "çıkarım", "lora": "LoRA ince ayarı", "qlora": "QLoRA ince ayarı",
               "full": "tam ince ayar", "chat": "sohbet", "code": "kod"}
MISSING = "—"


def unit_of(result: dict[str, Any]) -> str:
    """The unit word of the tools' `birim` ("GB (1 GB = 2^30 bayt)"), GB when missing."""
    unit = str(result.get("birim") or "GB").split()[0]
    return unit or "GB"


def label(key: str) -> str:
    return LABELS.get(key) or TEXT_KEYS.get(key) or LIST_KEYS.get(key) or key.replace("_", " ").capitalize()


def value_text(key: str, value: Any, unit: str = "GB") -> str:
    """One value in Turkish: Evet/Hayır, '—' for missing, decimal commas, the memory unit."""
    if value is None or value == "" or value == []:
        return MISSING
    if isinstance(value, bool):
        return "Evet" if value else "Hayır"
    if isinstance(value, (int, float)):
        if key.endswith("_gb") or key == "vram":
            return f"{tr_number(float(value), 1)} {unit}"
        if isinstance(value, int) or float(value).is_integer():
            return tr_number(int(value)) if abs(value) >= 1000 else str(int(value))
        return tr_number(float(value), 2 if abs(value) < 10 else 1)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(key, item, unit) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{label(k)}: {value_text(k, v, unit)}" for k, v in value.items())
    if key == "mode":
        return MODE_VALUES.get(str(value), str(value))
    return str(value)


def _ordered(keys: list[str]) -> list[str]:
    order = {key: index for index, key in enumerate(LABELS)}
    return sorted(keys, key=lambda key: order.get(key, len(order)))


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the short fields of one result, in a stable order."""
    unit = unit_of(result)
    keys = [k for k in result if k not in TEXT_KEYS and k not in HIDDEN_KEYS and k not in LIST_KEYS]
    return [(label(key), value_text(key, result[key], unit)) for key in _ordered(keys)]


def texts(result: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The long fields (notes, the course rule's explanation) as (label, lines)."""
    found = []
    for key, name in TEXT_KEYS.items():
        value = result.get(key)
        if not value:
            continue
        lines = value if isinstance(value, list) else str(value).splitlines()
        found.append((name, [str(line) for line in lines if str(line).strip()]))
    return found


def table_markdown(pairs: list[tuple[str, str]], header: tuple[str, str] = ("Kalem", "Değer")) -> str:
    """A two-column markdown table (pipes in values escaped)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {cell(name)} | {cell(value)} |" for name, value in pairs]
    return "\n".join(lines)


def list_table_markdown(items: list[dict[str, Any]], unit: str = "GB") -> str:
    """A table with one row per item (model recommendations)."""
    keys = _ordered(list(dict.fromkeys(key for item in items for key in item if key not in TEXT_KEYS)))

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(label(k) for k in keys) + " |", "|" + "---|" * len(keys)]
    for item in items:
        lines.append("| " + " | ".join(cell(value_text(k, item.get(k), unit)) for k in keys) + " |")
    return "\n".join(lines)
