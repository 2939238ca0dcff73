"""LangChain tools wrapping the calculator and recommender."""

from __future__ import annotations

import json

from chains.hardware_tools import hardware_tools, run_recommend, run_vram


def test_tools_are_named_and_described_in_turkish() -> None:
    tools = hardware_tools()
    assert [t.name for t in tools] == ["vram_hesapla", "model_oner"]
    for t in tools:
        assert "bellek" in t.description.lower() or "gpu" in t.description.lower()
        assert len(t.args_schema.model_json_schema()["properties"]) <= 9


def test_vram_tool_returns_schema_plus_course_rule() -> None:
    tool = hardware_tools()[0]
    out = tool.invoke({"model": "Llama 3.1 8B", "quant": "4-bit", "gpu": "RTX 3060"})
    json.dumps(out, ensure_ascii=False)  # serializable
    # An unqualified "4-bit" is GGUF Q4_K_M everywhere (issue 12), and the note names the other format.
    assert out["fits"] is True and out["quant"] == "Q4_K_M"
    assert any("bitsandbytes 4-bit ile" in note for note in out["notes"])
    assert out["ders_kurali_gb"] > 0 and "Dersteki kural" in out["ders_kurali_aciklamasi"]
    assert "GeForce RTX 3060 12GB" in out["sigdigi_gpular"] or out["sigdigi_gpular"]


def test_tools_return_turkish_error_dicts_instead_of_raising() -> None:
    tool_vram, tool_rec = hardware_tools()
    bad_model = tool_vram.invoke({"model": "lama 3.1 8b"})
    assert "hata" in bad_model and bad_model["oneriler"]
    assert "hata" in tool_vram.invoke({"params": -1})
    assert "hata" in tool_vram.invoke({"model": "llama 3 8b", "context": 0})
    assert "hata" in tool_rec.invoke({"task": "kodlama"})
    assert "hata" in run_vram(model="phi-2", quant="q42")


def test_recommend_tool_mentions_course_pick_that_does_not_fit() -> None:
    out = run_recommend(vram=8, task="genel")
    assert out["oneriler"] and len(out["oneriler"]) <= 5
    assert any("Mixtral" in line for line in out["dersin_onerisi_sigmiyor"])
    fits = hardware_tools()[1].invoke({"gpu": "a100", "task": "genel"})
    assert "dersin_onerisi_sigmiyor" not in fits


def test_schema_violations_come_back_as_hints() -> None:
    tool_vram, tool_rec = hardware_tools()
    out = tool_vram.invoke({"model": "llama 3 8b", "context": "sekiz bin"})
    assert "hata" in str(out)
    assert "hata" in tool_vram.invoke({"model": "llama 3 8b", "mode": "full_finetune_x"})
    assert tool_vram.invoke({"model": "llama 3 8b", "mode": "full_finetune"})["mode"] == "full"
    assert "oneriler" in tool_rec.invoke({"vram": "8", "mode": "finetune", "context": 1024})
