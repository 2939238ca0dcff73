"""The instructor page's "Kullanım" tab: today against the class key's limits, the last days,
the share answered by the language model and the top reasons for offline answers.

`usage_view(report)` turns `ders_asistani.usage_report.usage_report` (the same data
as `ders-asistani usage --json`) into plain rows with Turkish labels and Turkish
numbers; `render(settings)` draws them.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from ders_asistani.usage_report import tr_percent
from hardware.explain import tr_number

log = logging.getLogger(__name__)

HISTORY_DAYS = 14
# Vega-Lite axis labels in the Turkish format: 12.500 rather than 12,500.
TR_AXIS_LABEL = "replace(format(datum.value, ','), ',', '.')"
SERIES = (("Dil modeli", "llm"), ("Önbellekten", "cache"), ("Çevrimdışı", "offline"))


def _day_label(day: str) -> str:
    year, month, date = day.split("-")
    return f"{date}.{month}"


def usage_view(report: dict[str, Any]) -> dict[str, Any]:
    """Metrics, chart rows and the reasons table, ready to draw."""
    vs, today = report["today_vs_limits"], report["today"]
    metrics = [
        {"label": "İstek (sınıf anahtarı)", "value": f"{tr_number(vs['requests'])} / {tr_number(vs['requests_limit'])}",
         "share": vs["requests_share"]},
        {"label": "Token (sınıf anahtarı)", "value": f"{tr_number(vs['tokens'])} / {tr_number(vs['tokens_limit'])}",
         "share": vs["tokens_share"]},
    ]
    facts = [
        {"label": "Soru (bugün)", "value": tr_number(today["turns"])},
        {"label": "Dil modeli payı", "value": tr_percent(report["llm_share_today"])},
        {"label": "Önbellekten", "value": tr_number(today["cache_hits"])},
        {"label": "Kendi anahtarıyla", "value": tr_number(today["own"]["turns"])},
        {"label": "429 (hız sınırı)", "value": tr_number(today["rate_limited"])},
        {"label": "Sırada bekleyen", "value": tr_number(today["queue_waits"])},
    ]
    chart = []
    for day in report["days"]:
        counts = {"llm": day["llm_turns"] - day["cache_hits"], "cache": day["cache_hits"], "offline": day["offline_turns"]}
        for label, key in SERIES:
            chart.append({"Gün": _day_label(day["day"]), "Cevap": label, "Soru": max(0, counts[key]),
                          "Sayı": tr_number(max(0, counts[key]))})
    reasons = [{"Neden": r["label"], "Sayı": tr_number(r["count"])} for r in report["top_offline_reasons"]]
    limits = report["limits"]
    caption = (
        f"Gün UTC'ye göre ({report['day']}). Sınırlar: {limits['model'] or '—'} için günde "
        f"{tr_number(limits['requests_per_day'])} istek ve {tr_number(limits['tokens_per_day'])} token "
        f"({'Groq’un bildirdiği canlı değerler' if limits['source'] == 'live' else 'ayarlardaki değerler'}). "
        "Önbellekten gelen token'lar sınıra sayılmaz."
    )
    summary = (
        f"Son {len(report['days'])} günde {tr_number(report['turns'])} soru; dil modeliyle cevaplanan "
        f"{tr_percent(report['llm_share'])}, önbellekten {tr_number(report['cache_hits'])}."
    )
    entries = (report.get("cache") or {}).get("entries")
    if entries is not None:
        summary += f" Önbellekte şu an {tr_number(entries)} cevap var (yeniden dizinleme onları geçersiz kılar)."
    return {"metrics": metrics, "facts": facts, "chart": chart, "reasons": reasons, "caption": caption,
            "summary": summary}


def _chart(rows: list[dict[str, Any]]) -> Any:
    import altair as alt

    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("Gün:N", title="Gün", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Soru:Q", title="Soru sayısı", stack=True, axis=alt.Axis(labelExpr=TR_AXIS_LABEL, tickMinStep=1)),
            color=alt.Color("Cevap:N", title="Cevaplayan", sort=[label for label, _ in SERIES]),
            tooltip=[alt.Tooltip("Gün:N"), alt.Tooltip("Cevap:N"), alt.Tooltip("Sayı:N", title="Soru")],
        )
    )


def render(settings: Any) -> None:
    from ders_asistani.answer_cache_store import store_for
    from ders_asistani.usage_ledger import ledger_for
    from ders_asistani.usage_report import usage_report

    settings.ensure_storage()
    try:
        stats = store_for(settings.app_database_url).stats()
        report = usage_report(ledger_for(settings.app_database_url), settings, days=HISTORY_DAYS, cache_stats=stats)
    except Exception:
        log.exception("usage report failed")
        st.error("Kullanım bilgileri şu anda okunamadı (veritabanı). Biraz sonra yeniden deneyin.")
        return
    view = usage_view(report)
    st.subheader("Bugün, sınıf anahtarının sınırlarına göre")
    st.caption(view["caption"])
    columns = st.columns(len(view["metrics"]))
    for column, metric in zip(columns, view["metrics"]):
        with column:
            st.metric(metric["label"], metric["value"])
            share = metric["share"] or 0.0
            st.progress(min(1.0, share), text=f"{tr_percent(metric['share'])} kullanıldı")
    columns = st.columns(len(view["facts"]))
    for column, fact in zip(columns, view["facts"]):
        column.metric(fact["label"], fact["value"])

    st.subheader(f"Son {HISTORY_DAYS} gün")
    st.caption(view["summary"])
    st.altair_chart(_chart(view["chart"]), width="stretch")

    st.subheader("Çevrimdışı cevapların nedenleri")
    if view["reasons"]:
        st.dataframe(view["reasons"], hide_index=True)
    else:
        st.info("Bu dönemde çevrimdışı cevap yok.")
