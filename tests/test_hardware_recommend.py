"""The recommender: fits, ranks by task, cites the course, rejects bad input in Turkish."""

from __future__ import annotations

import pytest

from hardware.errors import HardwareInputError, UnknownNameError
from hardware.estimate import estimate
from hardware.recommend import all_tasks, course_recommendations, recommend, resolve_task


def test_every_recommendation_fits_and_matches_the_estimate() -> None:
    recs = recommend(vram_gb=8, task="genel", limit=10)
    assert recs
    for rec in recs:
        assert rec.total_gb <= 8
        again = estimate({"model": rec.model_id, "quant": rec.quant, "vram": 8, "context": 4096})
        assert again.fits and again.total_gb == rec.total_gb
        if rec.tokens_per_s:  # the reason says the speed in the calculator's unit
            assert "token/sn (üst sınır)" in rec.reason and "token/s " not in rec.reason


def test_course_recommendation_for_programming_leads_on_8gb() -> None:
    recs = recommend(vram_gb=8, task="kodlama")
    assert recs[0].model_id == "mistral-7b-v0.3"
    assert "Ders" in recs[0].reason and recs[0].course_recommended


def test_nemotron_for_turkish_content() -> None:
    recs = recommend(vram_gb=8, task="Türkçe içerik üretimi")
    assert recs[0].model_id == "nemotron-mini-4b"
    assert "Nemotron" in recs[0].reason


def test_mixtral_for_general_use_when_it_fits() -> None:
    recs = recommend(gpu="a100", task="genel")
    top3 = {r.model_id: r for r in recs[:3]}
    assert "mixtral-8x7b" in top3  # the course's pick is ranked beside larger modern models
    assert "Mixtral" in top3["mixtral-8x7b"].reason and top3["mixtral-8x7b"].course_recommended
    assert all(r.tokens_per_s and r.tokens_per_s > 0 for r in recs)
    assert recommend(vram_gb=8, task="genel")[0].model_id != "mixtral-8x7b"  # does not fit in 8 GB


def test_best_quantization_that_fits_is_chosen() -> None:
    small = {r.model_id: r.quant for r in recommend(vram_gb=6, limit=50)}
    large = {r.model_id: r.quant for r in recommend(vram_gb=24, limit=50)}
    assert large["llama-3.1-8b"] == "Q8_0"
    assert small["llama-3.1-8b"] in {"Q4_K_M", "Q5_K_M", "Q3_K_M"}


def test_more_memory_never_gives_fewer_models() -> None:
    counts = [len(recommend(vram_gb=v, limit=100)) for v in (2, 4, 8, 16, 24, 48)]
    assert counts == sorted(counts)


def test_context_filters_models() -> None:
    recs = recommend(vram_gb=80, context=32768, limit=100)
    assert all(estimate({"model": r.model_id}).model_max_context >= 32768 for r in recs)
    assert "gpt2" not in {r.model_id for r in recs}


def test_finetune_modes() -> None:
    qlora = recommend(gpu="t4", mode="qlora", context=1024, limit=5)
    assert qlora and all(r.quant == "nf4" and r.mode == "qlora" for r in qlora)
    either = recommend(gpu="t4", mode="finetune", context=1024, limit=50)
    assert {r.mode for r in either} <= {"lora", "qlora"}


def test_schema() -> None:
    item = recommend(gpu="rtx 4060", task="ozetleme")[0].to_dict()
    assert list(item) == ["model", "quant", "total_gb", "tokens_per_s", "reason"]
    assert isinstance(item["tokens_per_s"], float)


def test_tasks_are_data_with_turkish_labels_and_course_sources() -> None:
    tasks = all_tasks()
    assert {"kodlama", "turkce", "genel", "yaratici", "ozetleme"} <= {t.id for t in tasks}
    assert all(t.label_tr for t in tasks)
    assert resolve_task("programlama").id == "kodlama"
    course = course_recommendations("genel")
    assert course[0]["model"] == "mixtral-8x7b" and "knowledge/" in course[0]["source"]


@pytest.mark.parametrize("kwargs", [
    {}, {"vram_gb": 0}, {"vram_gb": -4}, {"vram_gb": float("nan")}, {"vram_gb": 8, "context": 0},
    {"vram_gb": 8, "mode": "uçmak"}, {"vram_gb": 8, "gpu": "4090"},
])
def test_bad_input(kwargs: dict) -> None:
    with pytest.raises(HardwareInputError) as info:
        recommend(**kwargs)
    assert info.value.message_tr


def test_unknown_task_suggests() -> None:
    with pytest.raises(UnknownNameError) as info:
        recommend(vram_gb=8, task="uzay yolculuğu")
    assert info.value.suggestions and "görev" in info.value.message_tr
    assert resolve_task("kodlamaa").id == "kodlama"  # small typos still resolve
