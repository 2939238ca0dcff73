"""Catalogs of models, GPUs and weight formats, read from the bundled JSON files.

Names are resolved loosely: "llama 3 8b", "mistral7b", "4090", "rtx 3060" all work.
An unknown name raises `UnknownNameError` with the closest suggestions.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from hardware.errors import HardwareInputError, UnknownNameError


@dataclass(frozen=True)
class ModelSpec:
    id: str
    name: str
    family: str
    params_total: int
    params_active: int
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    max_context: int
    tied: bool
    experts: int = 1
    experts_per_token: int = 1
    fused_qkv: bool = False
    gated_mlp: bool = True
    sliding_window: int | None = None
    local_per_global: int | None = None
    legacy: bool = False
    hf_repo: str | None = None
    aliases: tuple[str, ...] = ()
    notes: str | None = None
    source: tuple[str, ...] = ()
    estimated: bool = False  # True when only the size was given and the shape is borrowed

    @property
    def params_billion(self) -> float:
        return self.params_total / 1e9

    @property
    def active_params_billion(self) -> float:
        return self.params_active / 1e9

    @property
    def is_moe(self) -> bool:
        return self.experts > 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "family": self.family,
            "params_billion": round(self.params_billion, 3),
            "active_params_billion": round(self.active_params_billion, 3),
            "layers": self.layers, "hidden": self.hidden, "heads": self.heads,
            "kv_heads": self.kv_heads, "head_dim": self.head_dim, "intermediate": self.intermediate,
            "vocab": self.vocab, "max_context": self.max_context, "tied_embeddings": self.tied,
            "experts": self.experts, "experts_per_token": self.experts_per_token,
            "sliding_window": self.sliding_window, "estimated": self.estimated,
            "hf_repo": self.hf_repo, "source": list(self.source),
        }


@dataclass(frozen=True)
class GpuSpec:
    id: str
    name: str
    kind: str  # discrete | unified | cloud | custom
    vram_gb: float  # as marketed; GPU memory sizes are binary, so this is GiB
    usable_vram_gb: float
    bandwidth_gb_s: float | None
    architecture: str | None = None
    aliases: tuple[str, ...] = ()
    notes: str | None = None
    source: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "vram_gb": self.vram_gb,
            "usable_vram_gb": self.usable_vram_gb, "bandwidth_gb_s": self.bandwidth_gb_s,
            "architecture": self.architecture, "notes": self.notes, "source": list(self.source),
        }


@dataclass(frozen=True)
class QuantSpec:
    id: str
    label: str
    family: str  # float | fp8 | bnb | gptq | awq | gguf
    bits: float
    kv_bytes: float
    quality: float
    linear_bits: float | None = None
    embedding_bits: float | None = None
    mixture: dict[str, Any] | None = None
    dequant_buffer: bool = False
    aliases: tuple[str, ...] = ()
    source: tuple[str, ...] = ()

    @property
    def is_gguf(self) -> bool:
        return self.family == "gguf"


@dataclass(frozen=True)
class QuantTables:
    ggml_type_bits: dict[str, float] = field(default_factory=dict)
    k_quant_fallback: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- loading ----

def _read(name: str) -> dict[str, Any]:
    text = resources.files("hardware").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def all_models() -> tuple[ModelSpec, ...]:
    return tuple(
        ModelSpec(
            id=m["id"], name=m["name"], family=m["family"], params_total=int(m["params_total"]),
            params_active=int(m["params_active"]), layers=m["layers"], hidden=m["hidden"],
            heads=m["heads"], kv_heads=m["kv_heads"], head_dim=m["head_dim"],
            intermediate=m["intermediate"], vocab=m["vocab"], max_context=m["max_context"],
            tied=m["tied"], experts=m.get("experts", 1), experts_per_token=m.get("experts_per_token", 1),
            fused_qkv=m.get("fused_qkv", False), gated_mlp=m.get("gated_mlp", True),
            sliding_window=m.get("sliding_window"), local_per_global=m.get("local_per_global"),
            legacy=m.get("legacy", False), hf_repo=m.get("hf_repo"), aliases=tuple(m.get("aliases", [])),
            notes=m.get("notes"), source=tuple(m.get("source", [])),
        )
        for m in _read("models.json")["models"]
    )


@lru_cache(maxsize=1)
def all_gpus() -> tuple[GpuSpec, ...]:
    return tuple(
        GpuSpec(
            id=g["id"], name=g["name"], kind=g["kind"], vram_gb=float(g["vram_gb"]),
            usable_vram_gb=float(g["usable_vram_gb"]), bandwidth_gb_s=g.get("bandwidth_gb_s"),
            architecture=g.get("architecture"), aliases=tuple(g.get("aliases", [])),
            notes=g.get("notes"), source=tuple(g.get("source", [])),
        )
        for g in _read("gpus.json")["gpus"]
    )


@lru_cache(maxsize=1)
def _quant_data() -> dict[str, Any]:
    return _read("quants.json")


@lru_cache(maxsize=1)
def all_quants() -> tuple[QuantSpec, ...]:
    return tuple(
        QuantSpec(
            id=q["id"], label=q["label"], family=q["family"], bits=float(q["bits"]),
            kv_bytes=float(q["kv_bytes"]), quality=float(q["quality"]),
            linear_bits=q.get("linear_bits"), embedding_bits=q.get("embedding_bits"),
            mixture=q.get("mixture"), dequant_buffer=q.get("dequant_buffer", False),
            aliases=tuple(q.get("aliases", [])), source=tuple(q.get("source", [])),
        )
        for q in _quant_data()["quants"]
    )


@lru_cache(maxsize=1)
def quant_tables() -> QuantTables:
    data = _quant_data()
    return QuantTables(ggml_type_bits=dict(data["ggml_type_bits"]), k_quant_fallback=dict(data["k_quant_fallback"]))


# ------------------------------------------------------------ name keys ----

_TR_FOLD = str.maketrans({"ı": "i", "İ": "i", "ş": "s", "ğ": "g", "ü": "u", "ö": "o", "ç": "c", "Ş": "s", "Ğ": "g", "Ü": "u", "Ö": "o", "Ç": "c"})
_MODEL_NOISE = re.compile(r"(instruct|chat|base|hf|it|gguf|model|modeli)$")
_GPU_NOISE = ("nvidia", "geforce", "tesla", "ekrankarti", "grafikkarti",
              "macbookpro", "macbookair", "macbook", "macmini", "macstudio", "imac", "mac", "apple")


def normalize(text: str) -> str:
    """Lowercase, fold Turkish letters, keep only letters and digits."""
    return re.sub(r"[^a-z0-9]", "", text.translate(_TR_FOLD).lower())


def _model_key(text: str) -> str:
    key = normalize(text)
    previous = None
    while previous != key:  # "llama-3-8b-instruct-hf" -> "llama38b"
        previous = key
        key = _MODEL_NOISE.sub("", key) or key
    return key


def _gpu_key(text: str) -> str:
    key = normalize(text)
    for word in _GPU_NOISE:
        key = key.replace(word, "")
    return key


@lru_cache(maxsize=1)
def _model_index() -> dict[str, ModelSpec]:
    index: dict[str, ModelSpec] = {}
    for model in all_models():  # earlier entries win on collisions
        for name in (model.id, model.name, *model.aliases, model.hf_repo or "", (model.hf_repo or "").split("/")[-1]):
            key = _model_key(name)
            if key:
                index.setdefault(key, model)
    return index


@lru_cache(maxsize=1)
def _gpu_index() -> dict[str, GpuSpec]:
    index: dict[str, GpuSpec] = {}
    for gpu in all_gpus():
        for name in (gpu.id, gpu.name, *gpu.aliases):
            key = _gpu_key(name)
            if key:
                index.setdefault(key, gpu)
                index.setdefault(key.replace("rtx", ""), gpu)
    return index


@lru_cache(maxsize=1)
def _quant_index() -> dict[str, QuantSpec]:
    index: dict[str, QuantSpec] = {}
    for quant in all_quants():
        for name in (quant.id, *quant.aliases):
            index.setdefault(normalize(name), quant)
    return index


MAX_NAME_CHARS = 120


def _check_name(name: object, kind_tr: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise HardwareInputError(f"{kind_tr} boş olamaz.")
    if len(name) > MAX_NAME_CHARS:
        raise HardwareInputError(f"{kind_tr} çok uzun (en fazla {MAX_NAME_CHARS} karakter).")
    return name


def _suggest(key: str, index: dict[str, Any], label: Any, n: int = 3) -> list[str]:
    names: list[str] = []
    for match in difflib.get_close_matches(key, list(index), n=12, cutoff=0.5):
        name = label(index[match])
        if name not in names:
            names.append(name)
    return names[:n]


# ------------------------------------------------------------- resolving ----

_SIZE_ONLY = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([bBmM])?\s*(?:parametre|params?)?\s*$")


def parse_size_billion(text: str) -> float | None:
    """'13B' -> 13.0, '560M' -> 0.56, '7' -> 7.0; None if the text is not just a size."""
    match = _SIZE_ONLY.match(text)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "b").lower()
    return value / 1000 if unit == "m" else value


def resolve_model(name: str) -> ModelSpec:
    """A catalog model by loose name, or an estimated shape for a bare size like '13B'."""
    _check_name(name, "Model adı")
    size = parse_size_billion(name)
    if size is not None:
        return model_from_params(size)
    key = _model_key(name)
    index = _model_index()
    if key in index:
        return index[key]
    if "/" in name and _model_key(name.rsplit("/", 1)[-1]) in index:  # "org/repo" names
        return index[_model_key(name.rsplit("/", 1)[-1])]
    size_in_name = re.search(r"(\d+(?:[.,]\d+)?)\s*[bB]\b", name)
    extra = (
        f" Yalnızca boyutu biliniyorsa parametre sayısıyla hesaplayabilirsiniz (ör. --params {size_in_name.group(1)})."
        if size_in_name else ""
    )
    raise UnknownNameError("model", name.strip(), _suggest(key, index, lambda m: m.name), extra)


def resolve_gpu(name: str) -> GpuSpec:
    _check_name(name, "GPU adı")
    key = _gpu_key(name)
    index = _gpu_index()
    for candidate in (key, key.replace("rtx", ""), key.replace("gb", "")):
        if candidate in index:
            return index[candidate]
    raise UnknownNameError("GPU", name.strip(), _suggest(key, index, lambda g: g.name))


def resolve_quant(name: str) -> QuantSpec:
    _check_name(name, "Nicemleme (quantization) türü")
    key = normalize(name)
    index = _quant_index()
    if key in index:
        return index[key]
    raise UnknownNameError("nicemleme türü", name.strip(), _suggest(key, index, lambda q: q.id))


def custom_gpu(vram_gb: float, bandwidth_gb_s: float | None = None) -> GpuSpec:
    """A GPU known only by its memory size (the user typed '--vram 8')."""
    return GpuSpec(id="custom", name=f"{vram_gb:g} GB bellek", kind="custom", vram_gb=vram_gb,
                   usable_vram_gb=vram_gb, bandwidth_gb_s=bandwidth_gb_s)


# Dense GQA-era models whose shapes stand in for a model given only by size.
_REFERENCE_SHAPES = ("llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "qwen2.5-14b", "qwen2.5-32b",
                     "llama-3.1-70b", "llama-3.1-405b")


def model_from_params(params_billion: float) -> ModelSpec:
    """An estimated model of the given size, shaped like the nearest modern dense model."""
    if not isinstance(params_billion, (int, float)) or math.isnan(params_billion) or math.isinf(params_billion):
        raise HardwareInputError("Parametre sayısı geçerli bir sayı olmalı (ör. 7 ya da 13).")
    if params_billion <= 0:
        raise HardwareInputError("Parametre sayısı sıfırdan büyük olmalı (milyar cinsinden, ör. 7).")
    if params_billion < 0.01 or params_billion > 2000:
        raise HardwareInputError(
            f"{params_billion:g} milyar parametre gerçekçi değil; 0.01 ile 2000 milyar arasında bir değer girin."
        )
    by_id = {m.id: m for m in all_models()}
    ref = min((by_id[i] for i in _REFERENCE_SHAPES),
              key=lambda m: abs(math.log(m.params_total / (params_billion * 1e9))))
    params = int(round(params_billion * 1e9))
    return replace(
        ref, id=f"custom-{params_billion:g}b", name=f"{params_billion:g}B parametreli model (tahmini mimari)",
        family="custom", params_total=params, params_active=params, aliases=(), hf_repo=None,
        notes=f"Mimari {ref.name} modeline benzetilerek tahmin edildi.", source=(f"shape borrowed from {ref.name}",),
        estimated=True, legacy=False,
    )


def reference_model_for(model: ModelSpec) -> str | None:
    """For an estimated model, the catalog model whose shape it borrowed."""
    if not model.estimated:
        return None
    return model.notes.split(" modeline")[0].removeprefix("Mimari ") if model.notes else None


# ------------------------------------------------------------ free text ----

def _fold_with_word_starts(text: str) -> tuple[str, set[int]]:
    """`normalize(text)` plus the positions in it where a word of the original began.

    Short keys ("t4", "m2") are only trusted at a word start, so "GPT-4" does not
    name an NVIDIA T4.
    """
    chars: list[str] = []
    starts: set[int] = set()
    previous_alnum = False
    for ch in text.translate(_TR_FOLD).lower():
        alnum = "a" <= ch <= "z" or "0" <= ch <= "9"
        if alnum:
            if not previous_alnum:
                starts.add(len(chars))
            chars.append(ch)
        previous_alnum = alnum
    return "".join(chars), starts


def _find_in_text(text: str, index: dict[str, Any], min_len: int) -> list[Any]:
    folded, word_starts = _fold_with_word_starts(text)
    found: list[Any] = []
    taken = [False] * len(folded)
    for key in sorted(index, key=len, reverse=True):
        if len(key) < min_len or key.isdigit() and len(key) < 4:
            continue
        start = folded.find(key)
        while start != -1:
            end = start + len(key)
            # A match must not continue a number ("llama 3.1 8b" must not match inside "18b").
            boundary_ok = (start == 0 or not (folded[start - 1].isdigit() and key[0].isdigit())) and (
                end == len(folded) or not (folded[end].isdigit() and key[-1].isdigit())
            )
            if len(key) <= 3 and start not in word_starts:
                boundary_ok = False
            if boundary_ok and not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                if index[key] not in found:
                    found.append((start, index[key]))
                break
            start = folded.find(key, start + 1)
    found.sort(key=lambda pair: pair[0])
    unique: list[Any] = []
    for _, item in found:
        if item not in unique:
            unique.append(item)
    return unique


def find_models_in_text(text: str) -> list[ModelSpec]:
    """Catalog models named in free text, in order of appearance ("Llama 3.1 8B'yi ..." -> [Llama 3.1 8B])."""
    return _find_in_text(text, _model_index(), min_len=4)


def find_gpus_in_text(text: str) -> list[GpuSpec]:
    """GPUs named in free text ("RTX 3060'ım var" -> [GeForce RTX 3060 12GB])."""
    index = {k: v for k, v in _gpu_index().items() if len(k) >= 4 or k in {"t4", "l4", "m1", "m2", "m3"}}
    return _find_in_text(text, index, min_len=2)


def find_quants_in_text(text: str) -> list[QuantSpec]:
    """Weight formats named in free text ("4-bit", "Q4_K_M", "fp16")."""
    return _find_in_text(text, _quant_index(), min_len=2)
