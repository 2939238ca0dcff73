"""Turkish number format (turkish.number_format) and the calculator chart that uses it."""

from __future__ import annotations

import pytest

from turkish.number_format import tr_gb, tr_int, tr_number, tr_tokens, vega_tr_number


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(5.876, 1, "5,9"), (16.5, 1, "16,5"), (131072, 1, "131.072"), (54267, 1, "54.267"),
     (1234.5, 1, "1.234,5"), (0.301, 2, "0,30"), (12.0, 0, "12"), (2000.0, 1, "2.000")],
)
def test_tr_number(value, digits, text) -> None:
    assert tr_number(value, digits) == text


def test_sizes_and_tokens() -> None:
    assert tr_gb(5.876) == "5,9 GB"
    assert tr_gb(12.0) == "12 GB"
    assert tr_gb(0.5, 2) == "0,50 GB"
    assert tr_gb(1536.25) == "1.536,2 GB" or tr_gb(1536.25) == "1.536,3 GB"
    assert tr_int(54267.4) == "54.267"
    assert tr_tokens(4096) == "4.096 token"


def test_old_import_path_still_works() -> None:
    from hardware.explain import tr_number as old

    assert old is tr_number


def test_vega_expression_writes_turkish_numbers() -> None:
    expr = vega_tr_number("datum.value", 1)
    assert expr.startswith("replace(replace(replace(format(datum.value, ',.1~f')")
    assert "regexp('\\\\.', 'g')" in expr  # every dot, not only the first


def test_memory_chart_has_the_gpu_line_and_an_uncut_legend() -> None:
    from ders_asistani.ui.calc_chart import memory_chart

    rows = [{"Bileşen": "Model ağırlıkları", "GB": 4.58}, {"Bileşen": "KV önbelleği", "GB": 0.5}]
    spec = memory_chart(rows, 12.0, True).to_dict()
    bar, rule, text = spec["layer"]
    assert rule["mark"]["type"] == "rule" and text["mark"]["type"] == "text"
    line = spec["datasets"][rule["data"]["name"]][0]
    assert line["GB"] == 12.0 and line["Etiket"] == "GPU belleği 12 GB · sığıyor"
    parts = spec["datasets"][bar["data"]["name"]]
    assert [p["Değer"] for p in parts] == ["4,58 GB", "0,50 GB"]
    assert bar["encoding"]["color"]["legend"]["labelLimit"] == 0
    assert bar["encoding"]["x"]["scale"]["domain"][1] > 12.0  # the line is inside the chart

    over = memory_chart(rows, 4.0, False).to_dict()
    assert "sığmıyor" in over["datasets"][over["layer"][1]["data"]["name"]][0]["Etiket"]
    assert len(memory_chart(rows, None, None).to_dict()["layer"]) == 1  # no GPU given: no line
