"""Rule-based reading of Turkish hardware questions."""

from __future__ import annotations

import pytest

from hardware.question_parser import HardwareQuery, parse_hardware_question as parse


def test_full_fit_question():
    q = parse("Llama 3.1 8B modeli 8 GB'lık ekran kartımda 4-bit çalışır mı?")
    assert q.model == "Llama 3.1 8B" and q.model_resolved
    assert q.params_b == pytest.approx(8.03, abs=0.01)
    assert (q.bits, q.vram_gb, q.intent) == (4, 8.0, "fit")
    assert q.is_hardware and not q.followup


@pytest.mark.parametrize(
    ("text", "bits", "quant"),
    [
        ("7B model int8 ile", 8, "int8"),
        ("Qwen2.5 1.5B Q4_K_M", 4, "Q4_K_M"),
        ("mistral 7b fp16", 16, "fp16"),
        ("8-bit olursa", 8, None),
        ("4 bitlik sürüm", 4, None),
        ("nf4 ile QLoRA", 4, "nf4"),
    ],
)
def test_precision_words(text, bits, quant):
    q = parse(text)
    assert q.bits == bits
    if quant:
        assert q.quant.lower() == quant.lower()


@pytest.mark.parametrize(
    ("text", "vram", "ram"),
    [
        ("8 GB'lık ekran kartım var", 8.0, None),
        ("12GB VRAM ile", 12.0, None),
        ("16 GB RAM ve 6 GB VRAM var", 6.0, 16.0),
        ("RAM 32 GB, ekran kartı 8 GB", 8.0, 32.0),
        ("ekran kartım 6,5 GB", 6.5, None),
    ],
)
def test_memory_amounts_tell_vram_from_system_ram(text, vram, ram):
    q = parse(text)
    assert (q.vram_gb, q.ram_gb) == (vram, ram)


def test_gpu_names_resolve_against_the_catalog():
    q = parse("RTX 3060 ile Mistral 7B LoRA yapabilir miyim?")
    assert "3060" in q.gpu and q.model.startswith("Mistral 7B") and q.mode == "lora"
    assert parse("T4 üzerinde gemma 2 2b").gpu.endswith("T4")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("8K bağlam", 8192), ("32k context ile", 32768), ("4096 token bağlam", 4096), ("8 bin token", 8000)],
)
def test_context_lengths(text, tokens):
    assert parse(text).context_tokens == tokens


@pytest.mark.parametrize(
    ("text", "mode"),
    [("QLoRA ile eğitim", "qlora"), ("LoRA yapmak istiyorum", "lora"), ("fine-tune etmek", "full_finetune"),
     ("ince ayar yapacağım", "full_finetune"), ("sadece çıkarım", "inference")],
)
def test_workload_words(text, mode):
    assert parse(text).mode == mode


def test_recommendation_without_details_and_task_words():
    q = parse("Hangi modeli seçmeliyim?")
    assert q.intent == "recommend" and q.is_hardware and q.vram_gb is None
    assert parse("kod yazmak için model öner, 8 GB VRAM").task == "kod"


def test_unknown_model_keeps_its_size():
    q = parse("Foo 3B modeli 6 GB'a sığar mı?")
    assert q.params_b == 3.0 and q.vram_gb == 6.0 and q.intent == "fit"


def test_follow_ups_merge_with_the_previous_question():
    first = parse("Llama 3.1 8B modeli 8 GB'lık ekran kartımda çalışır mı?")
    second = parse("peki 4-bit olursa?")
    assert second.followup and second.model is None
    merged = second.merged_with(first)
    assert (merged.model, merged.bits, merged.vram_gb) == ("Llama 3.1 8B", 4, 8.0)
    third = parse("ya 16 GB'lık kartım olsaydı?").merged_with(merged)
    assert (third.model, third.bits, third.vram_gb) == ("Llama 3.1 8B", 4, 16.0)
    # A new GPU replaces a bare memory amount, and the reverse.
    with_gpu = parse("ya RTX 4090 olsaydı?").merged_with(third)
    assert with_gpu.gpu and with_gpu.vram_gb is None


def test_plain_course_question_is_not_hardware():
    for text in ("LangChain nedir?", "LoRA ile QLoRA farkı ne?", "Açık kaynak modellerin faydaları"):
        assert not parse(text).is_hardware, text


def test_describe_is_short_turkish():
    assert HardwareQuery(model="Llama 3.1 8B", bits=4, vram_gb=8.0).describe() == "model: Llama 3.1 8B, hassasiyet: 4-bit, VRAM: 8 GB"


def test_gpt4_is_not_a_t4_but_a_bare_t4_is() -> None:
    assert parse("GPT-4 ile Llama 3 8B farkı ne?").gpu is None
    assert parse("Elimde bir T4 var, Mistral 7B 4-bit sığar mı?").gpu == "NVIDIA T4"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("4.096 token bağlam ile 12 GB yeter mi?", 4096), ("131.072 token bağlam", 131072),
     ("16.384 token'lık bağlam", 16384), ("2.5k token", 2560)],
)
def test_turkish_thousands_dots_in_context_lengths(text, tokens):
    # The calculator hands its case to the chat as "4.096 token bağlam".
    assert parse(text).context_tokens == tokens


def test_the_calculators_question_parses_back_to_its_case():
    from ders_asistani.ui.calculator import question_for_chat
    from hardware.estimate import EstimateRequest, estimate

    result = estimate(EstimateRequest(model="llama-3.1-8b", quant="Q4_K_M", context=32768, batch=1,
                                      mode="inference", gpu="rtx-3060-12gb")).to_full_dict()
    parsed = parse(question_for_chat(result, "GeForce RTX 3060 12GB"))
    assert parsed.context_tokens == 32768 and parsed.quant == "Q4_K_M" and parsed.gpu == "GeForce RTX 3060 12GB"
