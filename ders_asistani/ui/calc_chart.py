"""The calculator's memory chart: one stacked bar of the parts, and the GPU's memory as a line.

Numbers on the axis and in the tooltips use the Turkish format ("5,9 GB"), like the rest of
the page. The legend sits under the bar, one entry per row, so long labels are never cut.
"""

from __future__ import annotations

from typing import Any

from turkish.number_format import tr_gb, vega_tr_number

BAR = "Bellek"
PLOT_HEIGHT = 80


def memory_chart(rows: list[dict[str, Any]], budget_gb: float | None, fits: bool | None) -> Any:
    """Altair chart for `calculator.breakdown(result)` rows plus the GPU budget (None: no line)."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(
        [{"Bileşen": row["Bileşen"], "GB": float(row["GB"]), "Sıra": i, "Çubuk": BAR,
          "Değer": tr_gb(float(row["GB"]), 2)} for i, row in enumerate(rows)]
    )
    total = float(frame["GB"].sum()) if len(frame) else 0.0
    right = max(total, budget_gb or 0.0) * 1.08 or 1.0
    x_axis = alt.Axis(title="GB", labelExpr=vega_tr_number("datum.value", 1), tickCount=8, grid=True)
    bar = (
        alt.Chart(frame)
        .mark_bar(height=34, yOffset=12)
        .encode(
            x=alt.X("sum(GB):Q", stack="zero", axis=x_axis, scale=alt.Scale(domain=[0, right], nice=False)),
            color=alt.Color(
                "Bileşen:N",
                sort=list(frame["Bileşen"]),
                legend=alt.Legend(title=None, orient="bottom", direction="vertical", columns=1,
                                  labelLimit=0, symbolType="square", labelFontSize=13),
            ),
            order=alt.Order("Sıra:Q"),
            tooltip=[alt.Tooltip("Bileşen:N", title="Bileşen"), alt.Tooltip("Değer:N", title="Bellek")],
        )
    )
    layers = [bar]
    if budget_gb:
        word = "sığıyor" if fits else "sığmıyor"
        label = f"GPU belleği {tr_gb(budget_gb)} · {word}"
        line = pd.DataFrame([{"GB": float(budget_gb), "Etiket": label, "Çubuk": BAR}])
        color = "#1b7f3b" if fits else "#c62828"
        rule = alt.Chart(line).mark_rule(color=color, strokeWidth=3, strokeDash=[6, 3]).encode(
            x=alt.X("GB:Q"),
            tooltip=[alt.Tooltip("Etiket:N", title="GPU")],
        )
        # The label sits above the bar, left of the line when the line is near the right edge.
        near_right = budget_gb > right * 0.6
        text = alt.Chart(line).mark_text(
            align="right" if near_right else "left", dx=-6 if near_right else 6, baseline="top",
            color=color, fontSize=13, fontWeight="bold",
        ).encode(x=alt.X("GB:Q"), y=alt.value(2), text="Etiket:N")
        layers += [rule, text]
    # Plot area plus one legend row per part: the legend is never squeezed or cut.
    return alt.layer(*layers).properties(height=PLOT_HEIGHT + 70 + 20 * len(rows)).configure_view(stroke=None)
