"""Rule-based reading of hardware questions written in Turkish (or mixed English).

Pure: no I/O, no LangChain. It finds model names ("Llama 3.1 8B", "Qwen2.5-1.5B",
"7B'lik model"), precision ("4-bit", "int8", "fp16", "Q4_K_M"), graphics memory
("8 GB'lık ekran kartım", "12GB VRAM"), GPU names ("RTX 3060", "T4"), context
lengths ("8K bağlam", "4096 token"), the workload ("LoRA", "fine-tune") and the
intent (fit / estimate / recommend). Names are resolved against
`hardware.catalog` when it knows them; unknown names stay as written.

`HardwareQuery.merged_with(previous)` carries the earlier turn's values into a
follow-up ("peki 4-bit olursa?", "ya 16 GB'lık kartım olsaydı?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Literal

Intent = Literal["fit", "estimate", "recommend"]
Mode = Literal["inference", "lora", "qlora", "full_finetune"]

_FAMILIES = (
    r"llama|tinyllama|mistral|mixtral|qwen|gemma|phi|falcon|nemotron|deepseek|smollm|"
    r"gpt-oss|gpt oss|olmo|yi|command-r|starcoder|codellama|vicuna|bloom|opt|gpt-?2|gpt-?j|stablelm|"
    r"trendyol|turna|cosmos|kanarya"
)
# Family, optional version/variant words, then a size like 8B / 1.5b / 270M.
_MODEL_RE = re.compile(
    rf"\b(?P<name>(?:{_FAMILIES})(?:[\s\-_.]*(?:\d{{1,2}}(?:\.\d+)?(?![\d.,]*\s*[bm]\b)|instruct|chat|mini|small|medium|large|coder|it)\b)*"
    rf"(?:[\s\-_.]*(?P<size>\d+(?:[.,]\d+)?)\s*(?P<unit>[bm]))?)\b",
    re.IGNORECASE,
)
_SIZE_ONLY_RE = re.compile(r"\b(?P<size>\d+(?:[.,]\d+)?)\s*(?P<unit>[bB])\b(?!\w)")
_QUANT_RE = re.compile(r"\b(?P<q>(?:i?q[2-8]_(?:k(?:_[sml])?|[01]|xs|xxs))|gguf)\b", re.IGNORECASE)
_BITS_RE = re.compile(r"\b(?P<bits>2|3|4|5|6|8|16|32)\s*-?\s*(?:bit|bitlik|bitte|bite)\w*", re.IGNORECASE)
_DTYPE_RE = re.compile(r"\b(?P<dt>int4|int8|fp4|nf4|fp8|fp16|bf16|float16|bfloat16|fp32|float32|gptq|awq)\b", re.IGNORECASE)
_DTYPE_BITS = {
    "int4": 4, "fp4": 4, "nf4": 4, "gptq": 4, "awq": 4, "int8": 8, "fp8": 8,
    "fp16": 16, "bf16": 16, "float16": 16, "bfloat16": 16, "fp32": 32, "float32": 32,
}
_MEMORY_RE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>gb|gib|gigabayt)\b",
    re.IGNORECASE,
)
_GPU_RE = re.compile(
    r"\b(?P<gpu>(?:(?:geforce\s+)?(?:rtx|gtx)\s*-?\s*\d{3,4}(?:\s*(?:ti|super))*(?:\s*laptop)?)"
    r"|(?:radeon\s+)?rx\s*\d{4}(?:\s*(?:xtx|xt))?"
    r"|(?:nvidia\s+)?(?:a100|h100|h200|a10g?|a6000|l4|l40s?|t4|v100|p100|k80)"
    r"|apple\s+m[1-4](?:\s+(?:pro|max|ultra))?)\b",
    re.IGNORECASE,
)
_CONTEXT_RE = re.compile(
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:[.,]\d+)?)\s*(?P<k>k|bin)?\s*(?:token(?:['’]?l[ıi]k)?|['’]?l[ıi]k)?\s*"
    r"(?:bağlam|baglam|context|bağlam uzunluğu|pencere)",
    re.IGNORECASE,
)
_CONTEXT_TOKENS_RE = re.compile(r"(?P<num>\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:[.,]\d+)?)\s*(?P<k>k|bin)?\s*token", re.IGNORECASE)
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+")  # Turkish grouping: "131.072" is 131072

_RECOMMEND_WORDS = ("hangi model", "hangi modeli", "model öner", "öneri", "önerir", "seçmeli", "seçeyim", "tavsiye")
_FIT_WORDS = ("sığar", "sığ", "çalışır mı", "çalıştırabilir", "çalıştırır", "yeter mi", "yeterli mi", "kaldırır", "olur mu", "çalışır")
_ESTIMATE_WORDS = ("kaç gb", "kaç gigabayt", "vram gerek", "bellek gerek", "hesapla")
_MEMORY_WORDS = re.compile(r"vram|bellek|belleğ|hafıza|\bram\b|\bgb\b|\d\s*gb|yer kapla|sığ")
# Words that make a short follow-up a hardware question even without numbers ("peki hızı?").
_HARDWARE_WORDS = re.compile(
    r"vram|bellek|belleğ|hafıza|\bram\b|\bgb\b|ekran kart|\bkart|\bgpu|nicemle|quantiz|hız|token/s|sığ|donanım"
)
_FOLLOWUP_STARTS = ("peki", "ya ", "o zaman", "bir de", "ayrıca", "şimdi")
_TASK_WORDS = {
    "kod": "kod", "code": "kod", "programlama": "kod",
    "sohbet": "sohbet", "chat": "sohbet", "asistan": "sohbet",
    "özet": "özetleme", "çeviri": "çeviri", "şiir": "yaratıcı yazım", "hikaye": "yaratıcı yazım",
    "yaratıcı": "yaratıcı yazım", "akademik": "akademik", "matematik": "akıl yürütme", "mantık": "akıl yürütme",
    "rag": "rag", "soru-cevap": "rag", "türkçe": "türkçe",
}


@dataclass(frozen=True)
class HardwareQuery:
    """What a question says about hardware. None means "not mentioned"."""

    model: str | None = None  # canonical catalog name when resolved, else as written
    model_resolved: bool = False
    params_b: float | None = None
    bits: int | None = None
    quant: str | None = None  # e.g. "Q4_K_M", "int8"
    vram_gb: float | None = None
    ram_gb: float | None = None
    gpu: str | None = None
    context_tokens: int | None = None
    mode: Mode | None = None
    task: str | None = None  # the first task word, kept for callers that take one
    tasks: tuple[str, ...] = ()  # every task word, in order ("Türkçe sohbet" -> ("türkçe", "sohbet"))
    intent: Intent | None = None
    followup: bool = False

    @property
    def is_hardware(self) -> bool:
        """True when the question is about memory, fit, speed or model choice."""
        has_target = any(v is not None for v in (self.model, self.params_b))
        has_machine = any(v is not None for v in (self.vram_gb, self.gpu, self.bits, self.quant, self.context_tokens))
        return self.intent is not None and (has_target or has_machine or self.intent == "recommend") or (
            has_target and has_machine
        )

    def merged_with(self, previous: "HardwareQuery | None") -> "HardwareQuery":
        """Fill what this (follow-up) question leaves out from the previous one."""
        if previous is None:
            return self
        values = {}
        for f in fields(self):
            mine = getattr(self, f.name)
            values[f.name] = mine if mine not in (None, False, ()) else getattr(previous, f.name)
        merged = replace(self, **values)
        if self.model is not None and self.params_b is None and not self.model_resolved:
            merged = replace(merged, params_b=None)
        if self.quant is not None and self.bits is None:
            merged = replace(merged, bits=None)
        if self.bits is not None and self.quant is None:
            merged = replace(merged, quant=None)
        if self.gpu is not None and self.vram_gb is None:
            merged = replace(merged, vram_gb=None)
        if self.vram_gb is not None and self.gpu is None:
            merged = replace(merged, gpu=None)
        return merged

    def describe(self) -> str:
        """Short Turkish summary, used as a context hint for the model."""
        parts = []
        if self.model:
            parts.append(f"model: {self.model}")
        elif self.params_b:
            parts.append(f"model boyutu: {self.params_b:g}B parametre")
        if self.quant:
            parts.append(f"nicemleme: {self.quant}")
        elif self.bits:
            parts.append(f"hassasiyet: {self.bits}-bit")
        if self.gpu:
            parts.append(f"GPU: {self.gpu}")
        if self.vram_gb:
            parts.append(f"VRAM: {self.vram_gb:g} GB")
        if self.context_tokens:
            parts.append(f"bağlam: {self.context_tokens} token")
        if self.mode and self.mode != "inference":
            parts.append(f"iş: {self.mode}")
        if self.tasks:
            parts.append(f"görev: {' + '.join(self.tasks)}")
        return ", ".join(parts)


def _lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _resolve(kind: str, name: str) -> str | None:
    """Canonical catalog name, or None when the catalog does not know it."""
    try:
        from hardware import catalog
    except ImportError:
        return None
    resolver = getattr(catalog, f"resolve_{kind}", None)
    if resolver is None:
        return None
    try:
        found = resolver(name)
    except Exception:  # UnknownNameError or an ambiguous name: keep it as written
        return None
    for attr in ("name", "id", "key"):
        value = getattr(found, attr, None)
        if isinstance(value, str) and value:
            return value
    return found if isinstance(found, str) else str(found)


def _catalog_find(kind: str, text: str) -> list:
    try:
        from hardware import catalog
    except ImportError:
        return []
    finder = getattr(catalog, f"find_{kind}_in_text", None)
    try:
        return list(finder(text)) if finder else []
    except Exception:
        return []


def _find_model(text: str) -> tuple[str | None, bool, float | None]:
    found = _catalog_find("models", text)
    if found:
        spec = found[0]
        return spec.name, True, round(spec.params_total / 1e9, 3)
    for match in _MODEL_RE.finditer(text):
        raw = match.group("name").strip(" -_.")
        size = match.group("size")
        params = None
        if size:
            params = _number(size) / (1000 if match.group("unit").lower() == "m" else 1)
        resolved = _resolve("model", raw)
        if resolved:
            return resolved, True, params
        if size or re.search(r"\d", raw):
            return raw, False, params
    size_match = _SIZE_ONLY_RE.search(text)
    if size_match:
        return None, False, _number(size_match.group("size"))
    return None, False, None


def _find_memory(text: str, lowered: str) -> tuple[float | None, float | None]:
    vram = ram = None
    for match in _MEMORY_RE.finditer(text):
        value = _number(match.group("num"))
        tail = re.match(r"(?:['’]\w*)?\s*\w*", text[match.end("unit"):])
        after = _lower(tail.group(0) if tail else "")
        before = _lower(text[max(0, match.start() - 20):match.start()])
        gpu_words = r"vram|ekran|gpu|kart"
        if re.search(gpu_words, after):
            is_ram = False
        elif re.match(r"[\s'’a-zçğıöşü]*?\bram\b|\s*ram", after) or re.search(r"(?<!v)ram|sistem belle", before + " " + after):
            is_ram = True
        else:
            is_ram = False
        if is_ram:
            ram = ram or value
        else:
            vram = vram or value
    return vram, ram


def _find_context(text: str) -> int | None:
    for regex in (_CONTEXT_RE, _CONTEXT_TOKENS_RE):
        match = regex.search(text)
        if match:
            raw = match.group("num")
            value = float(raw.replace(".", "")) if _THOUSANDS_RE.fullmatch(raw) else _number(raw)
            if match.group("k"):
                value *= 1024 if match.group("k").lower() == "k" else 1000
            if value >= 128:
                return int(value)
    return None


def parse_hardware_question(text: str) -> HardwareQuery:
    lowered = _lower(text)
    model, resolved, params = _find_model(text)

    quant = bits = None
    quant_match = _QUANT_RE.search(text)
    if quant_match and quant_match.group("q").lower() != "gguf":
        quant = quant_match.group("q").upper()
        digit = re.search(r"[2-8]", quant)
        bits = int(digit.group()) if digit else None
    dtype_match = _DTYPE_RE.search(text)
    if quant is None and dtype_match:
        dtype = dtype_match.group("dt").lower()
        quant = dtype
        bits = _DTYPE_BITS[dtype]
    bits_match = _BITS_RE.search(text)
    if bits is None and bits_match:
        bits = int(bits_match.group("bits"))
    if quant is not None:
        canonical = _resolve("quant", quant)
        quant = canonical or quant

    gpu = None
    gpu_match = _GPU_RE.search(text)
    gpus = _catalog_find("gpus", gpu_match.group("gpu") if gpu_match else text)
    if gpus:
        gpu = gpus[0].name
    elif gpu_match:
        raw_gpu = " ".join(gpu_match.group("gpu").split())
        gpu = _resolve("gpu", raw_gpu) or raw_gpu.upper()

    vram, ram = _find_memory(text, lowered)
    context = _find_context(text)

    mode: Mode | None = None
    if "qlora" in lowered:
        mode = "qlora"
    elif "lora" in lowered:
        mode = "lora"
    elif re.search(r"fine[\s-]?tun|ince ayar|eğit|egit|train", lowered):
        mode = "full_finetune"
    elif re.search(r"çıkarım|inference|çalıştır|sohbet et", lowered):
        mode = "inference"

    found_tasks = sorted(
        ((match.start(), label) for word, label in _TASK_WORDS.items() if (match := re.search(rf"\b{re.escape(word)}", lowered))),
    )
    tasks = tuple(dict.fromkeys(label for _, label in found_tasks))

    intent: Intent | None = None
    if any(w in lowered for w in _RECOMMEND_WORDS):
        intent = "recommend"
    elif any(w in lowered for w in _FIT_WORDS):
        intent = "fit"
    elif any(w in lowered for w in _ESTIMATE_WORDS) or (
        re.search(r"ne kadar|ihtiya|gerek|ister", lowered) and _MEMORY_WORDS.search(lowered)
    ) or re.search(r"\bvram\b", lowered):
        intent = "estimate"
    if intent is None and (model or params) and (vram or gpu):
        intent = "fit"

    stripped = lowered.strip()
    followup = stripped.startswith(_FOLLOWUP_STARTS) or bool(re.search(r"olursa|olsaydı|olsa\b|ile\s*\?$", stripped))
    # A follow-up carries the hardware context only when it is itself about hardware
    # ("peki 16K bağlamda?", "ya QLoRA?"); "peki Transformer nedir?" starts a new topic.
    # A task word alone counts only as a short "for what" follow-up ("peki Türkçe için?", "ya kod?").
    task_followup = bool(tasks) and (len(stripped.split()) <= 3 or re.search(r"\biçin\b", stripped) is not None)
    numbers = (bits, quant, vram, ram, gpu, context)
    memory_words = _HARDWARE_WORDS.search(lowered) is not None
    # "peki LoRA nedir?" asks what LoRA is, not what it needs: a definition is a course question.
    asks_definition = re.search(r"\bnedir\b|ne demek|ne anlama|ne işe yarar", stripped) is not None
    about_hardware = any(v is not None for v in numbers) or memory_words or (
        not asks_definition and (mode is not None or intent is not None or task_followup)
    )
    followup = followup and model is None and params is None and about_hardware

    return HardwareQuery(
        model=model,
        model_resolved=resolved,
        params_b=params,
        bits=bits,
        quant=quant,
        vram_gb=vram,
        ram_gb=ram,
        gpu=gpu,
        context_tokens=context,
        mode=mode,
        task=tasks[0] if tasks else None,
        tasks=tasks,
        intent=intent,
        followup=followup,
    )
