"""Instructor page tools: a document's chunks, a test search, CSV exports, solved marks.

The test search calls the same retriever as `ders-asistani search` (`KnowledgeBase.retriever()
.search(question, k)`), so what the instructor sees is what the tutor gets.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from ders_asistani import instructor_records as records
from turkish.number_format import tr_number

log = logging.getLogger("ders_asistani.app")

def document_chunks(kb: Any, source: str) -> list[Any]:
    """The stored chunks of one document, in document order."""
    return [chunk for chunk in kb.store.all_chunks() if chunk.metadata.get("source") == source]


def chunk_label(chunk: Any) -> str:
    meta = chunk.metadata
    parts = [f"Parça {int(meta.get('chunk_index') or 0) + 1}"]
    if meta.get("section"):
        parts.append(str(meta["section"]))
    if meta.get("page") is not None:
        parts.append(f"sayfa {meta['page']}")
    if meta.get("slide") is not None:
        parts.append(f"slayt {meta['slide']}")
    return " · ".join(parts)


def chunk_preview(kb: Any, sources: list[str]) -> None:
    st.subheader("Parça önizleme")
    if not sources:
        st.info("Önizlenecek dizinlenmiş belge yok.")
        return
    source = st.selectbox("Belge", sources, key="preview_source")
    try:
        chunks = document_chunks(kb, source)
    except Exception:
        log.exception("chunk preview failed")
        st.error("Parçalar okunamadı. Yeniden dizinlemeyi deneyin.")
        return
    st.caption(f"{len(chunks)} parça · aramada her biri ayrı bir kaynak olarak görünür.")
    for chunk in chunks[:200]:
        with st.expander(chunk_label(chunk)):
            st.text(chunk.text)


def test_search(kb: Any, k: int = 5) -> None:
    st.subheader("Deneme araması")
    st.caption("Öğrencinin sorusu aramada hangi parçaları buluyor? (`ders-asistani search` ile aynı arama)")
    with st.form("test-search", border=False):
        question = st.text_input("Soru", key="test_search_question", placeholder="Örnek: LoRA nedir?")
        asked = st.form_submit_button("🔍 Ara")
    if not asked:
        return
    question = (question or "").strip()
    if not question:
        st.warning("Lütfen aranacak bir soru yazın.")
        return
    try:
        retriever = kb.retriever()
        warm_up = getattr(retriever, "warm_up", None)  # as the CLI does: both halves of the search ready
        if warm_up is not None:
            with st.spinner("Arama hazırlanıyor (yalnız ilk seferde sürer)…"):
                warm_up()
        response = retriever.search(question, k=k)
    except Exception as exc:  # busy store, no index yet: the messages are Turkish
        log.exception("test search failed")
        st.error(f"Arama yapılamadı: {exc}")
        return
    if getattr(response, "off_topic", False):
        relevance = getattr(response, "relevance", getattr(response, "coverage", 0.0))
        st.warning(f"Ders belgeleri bu soruyu kapsamıyor olabilir (ilgi değeri {tr_number(relevance, 2)}).")
    if not response.passages:
        st.info("Sonuç bulunamadı.")
        return
    st.dataframe(
        [{"Sıra": rank, "Puan": tr_number(p.score, 3), "Kaynak": p.location(), "Metin": " ".join(p.text.split())[:400]}
         for rank, p in enumerate(response.passages, start=1)],
        hide_index=True,
        column_config={"Sıra": st.column_config.NumberColumn(width=45),
                       "Puan": st.column_config.TextColumn(width=60),
                       "Kaynak": st.column_config.TextColumn(width=200),
                       "Metin": st.column_config.TextColumn(width=400)},
    )


def exports(db: Any, timezone: str) -> None:
    """Two CSV downloads (UTF-8 with BOM, ';' separated: Excel opens them with Turkish letters)."""
    left, right = st.columns(2)
    feedback = records.export_csv(db, "feedback", timezone)  # the same bytes as `ders-asistani export`
    unanswered = records.export_csv(db, "unanswered", timezone)
    left.download_button("⬇️ Geri bildirimler (CSV)", feedback, file_name="geri-bildirimler.csv",
                         mime="text/csv", key="export-feedback", width="stretch")
    right.download_button("⬇️ Cevapsız sorular (CSV)", unanswered, file_name="cevapsiz-sorular.csv",
                          mime="text/csv", key="export-unanswered", width="stretch")


def gaps_table(db: Any, timezone: str) -> None:
    """Knowledge gaps, their "Çözüldü" marks (stored in the app database) and the disliked answers."""
    from ders_asistani.ui.admin import gap_rows

    gaps = db.knowledge_gaps()
    if not gaps:
        st.info("Henüz cevapsız soru yok.")
        return
    marks = records.resolved_marks(db)
    rows = gap_rows(gaps, timezone, marks, records.disliked_answers(db))
    hide = st.toggle("Çözülenleri gizle", key="hide_resolved")
    shown = [(gap, row) for gap, row in zip(gaps, rows) if not (hide and row["Çözüldü"])]
    open_count = sum(1 for row in rows if not row["Çözüldü"])
    st.caption(f"{len(rows)} soru · {open_count} açık · saatler {timezone} saatine göre.")
    if shown:
        st.dataframe(
            [row for _gap, row in shown],
            hide_index=True,
            width="stretch",
            column_config={  # pixel widths: the table fits a 1366 px laptop screen
                "Çözüldü": st.column_config.CheckboxColumn(width=62),
                "Soru": st.column_config.TextColumn(width=210),
                "Kaç kez": st.column_config.NumberColumn(width=55),
                "Son": st.column_config.TextColumn(width=120),
                "Tür": st.column_config.TextColumn(width=95),
                "Yorumlar": st.column_config.TextColumn(width=140),
                "Beğenilmeyen cevap": st.column_config.TextColumn(width=210),
            },
        )
    else:
        st.info("Açık soru kalmadı.")

    by_question = {gap.question: gap for gap in gaps}
    solved_now = [gap.question for gap, row in zip(gaps, rows) if row["Çözüldü"]]
    with st.form("resolved-marks", border=False):
        chosen = st.multiselect(
            "Çözülen sorular (belgelere eklediğiniz konular)", list(by_question), default=solved_now,
            placeholder="Soru seçin", key=f"resolved-{len(rows)}-{open_count}",
        )
        saved = st.form_submit_button("✅ İşaretleri kaydet")
    if saved:
        for question, gap in by_question.items():
            want = question in chosen
            if want != (question in solved_now):
                records.set_resolved(db, gap.normalized, gap.question, want)
        st.rerun()

    disliked = [(gap, row) for gap, row in shown if row["Beğenilmeyen cevap"] != "—"]
    if disliked:
        with st.expander("Beğenilmeyen cevaplar (tam metin)"):
            for gap, row in disliked:
                st.markdown(f"**{gap.question}** · {row['Son']}")
                st.caption(f"Yorum: {row['Yorumlar']}")
                st.text(row["Beğenilmeyen cevap"])
