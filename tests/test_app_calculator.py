"""VRAM calculator page (AppTest): inputs, metrics, chart, course rule, hand-over to the chat."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, CALCULATOR_PAGE, Event, FakeTutor, isolate_app, texts
from turkish.number_format import tr_gb, tr_int, tr_number


@pytest.fixture
def at(monkeypatch, tmp_path, course_copy):
    isolate_app(monkeypatch, tmp_path, course_copy)
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page(CALCULATOR_PAGE).run()
    assert not app.exception
    return app


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _expected(**overrides):
    from hardware.estimate import EstimateRequest, estimate

    request = dict(model="llama-3.1-8b", params=None, quant="Q4_K_M", context=4096, batch=1,
                   mode="inference", gpu="rtx-3060-12gb", vram=None, gpus=1)
    request.update(overrides)
    return estimate(EstimateRequest(**request)).to_full_dict()


def test_default_case_shows_the_estimate_metrics_chart_and_rule(at) -> None:
    expected = _expected()
    assert _metric(at, "Toplam VRAM") == tr_gb(expected["total_gb"])
    assert _metric(at, "Sığıyor mu?") == ("Evet ✅" if expected["fits"] else "Hayır ❌")
    assert _metric(at, "Beklenen hız (token/sn)") == f"~{tr_number(expected['tokens_per_s'], 0)}"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "rule", "text"]  # the parts, and the GPU's memory as a line
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert "regexp" in axis["labelExpr"] and axis["title"] == "GB"
    assert spec["layer"][0]["encoding"]["color"]["legend"]["labelLimit"] == 0  # labels never cut
    page = texts(at)
    assert "Ders kuralı" in page and f"### {tr_gb(expected['course_rule_gb'])}" in page
    # The heading and its caption give the same figure, in the same format and unit.
    assert f"≈ {tr_gb(expected['course_rule_gb'])}." in page
    assert _metric(at, "Sığan en uzun bağlam") == f"{tr_int(expected['max_context'])} token"
    assert "GiB" not in page and "2³⁰ bayt" in page
    assert expected["course_rule_explanation"].splitlines()[0] in page
    assert expected["gpus_that_fit"][0] in page


def test_changing_inputs_changes_the_result(at) -> None:
    at.selectbox(key="mode").set_value("full_finetune").run()
    at.selectbox(key="quant").set_value("bf16").run()
    at.select_slider(key="context").set_value(8192).run()
    assert not at.exception
    expected = _expected(mode="full_finetune", context=8192, quant="bf16")
    assert _metric(at, "Toplam VRAM") == tr_gb(expected["total_gb"])
    assert _metric(at, "Sığıyor mu?") == "Hayır ❌"
    assert expected["notes"][0] in texts(at)


def test_bad_input_shows_the_turkish_message_and_no_result(at, monkeypatch) -> None:
    from hardware import estimate as estimate_module
    from hardware.errors import HardwareInputError

    def refuse(request):
        raise HardwareInputError("Bağlam uzunluğu modelin sınırını aşıyor.")

    monkeypatch.setattr(estimate_module, "estimate", refuse)
    at.select_slider(key="context").set_value(131072).run()
    assert not at.exception
    assert at.error[0].value == "Bağlam uzunluğu modelin sınırını aşıyor."
    assert len(at.metric) == 0 and not at.get("vega_lite_chart")


def test_custom_size_and_vram_figure(at) -> None:
    at.radio(key="model_source").set_value("Özel boyut").run()
    at.number_input(key="params").set_value(3.0).run()
    at.radio(key="target").set_value("VRAM gir").run()
    at.number_input(key="vram").set_value(4.0).run()
    expected = _expected(model=None, params=3.0, gpu=None, vram=4.0)
    assert _metric(at, "Toplam VRAM") == tr_gb(expected["total_gb"])


def test_ask_the_assistant_carries_the_case_into_the_chat(at, monkeypatch) -> None:
    from ders_asistani.ui import resources

    tutor = FakeTutor([Event("done", {"answer": "Evet, sığar.", "answered_from_course": True,
                                      "tool_calls": [], "mode": "offline"})])
    monkeypatch.setattr(resources, "tutor", lambda value=None: tutor)
    next(b for b in at.button if "asistana sor" in b.label).click().run()
    assert not at.exception
    question = tutor.calls[0][0]
    assert "Llama 3.1 8B" in question and "GeForce RTX 3060 12GB" in question and "4.096 token" in question
    assert "Evet, sığar." in texts(at)


def test_default_gguf_4bit_says_it_is_the_4bit_default_and_what_bitsandbytes_gives(at) -> None:
    # Same numbers as the chat's unqualified "4-bit" answer (tests/test_conversations.py "4bit-default-named").
    page = texts(at)
    assert "GGUF Q4_K_M ile ≈ 5,9 GB" in page and "bitsandbytes 4-bit ile ≈ 7,2 GB" in page
    at.selectbox(key="quant").set_value("int4").run()
    assert "bitsandbytes 4-bit ile ≈" not in texts(at)
