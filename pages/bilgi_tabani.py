"""Bilgi Tabanı: the instructor's page for course documents and unanswered questions."""

import logging

import streamlit as st

from ders_asistani import uploads
from ders_asistani.ui import admin, admin_tools, chrome, resources
from ders_asistani.ui.navigation import leave_legacy_pages_mode
from turkish.number_format import tr_number

leave_legacy_pages_mode()  # a first visit to this URL gets the real navigation

log = logging.getLogger("ders_asistani.app")
settings = resources.settings()

st.set_page_config(layout="wide")  # the documents table has many columns
st.title("📚 Bilgi Tabanı")
if not admin.require_admin(settings):
    st.stop()

knowledge_dir = settings.knowledge_dir
timezone = settings.display_timezone
admin.setup_hint(settings)
kb = resources.knowledge_base(settings)
documents_tab, search_tab, gaps_tab, usage_panel = st.tabs(
    ["Belgeler", "Parçalar ve deneme araması", "Cevapsız sorular", "Kullanım"]
)


def run_ingest(rebuild: bool) -> bool:
    """Re-index with a progress bar; True when it finished (the summary shows after a rerun)."""
    bar = st.progress(0.0, text="Dizinleme başlıyor…")

    def progress(done: int, total: int, file: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{done}/{total} · {file}")

    try:
        report = kb.ingest(rebuild=rebuild, progress=progress)
    except Exception as exc:  # busy lock, store errors: their messages are Turkish
        log.exception("ingest failed")
        st.error(f"Dizinleme yapılamadı: {exc}")
        return False
    bar.progress(1.0, text="Dizinleme bitti.")
    resources.refresh_search_in_background(settings)
    st.session_state.last_report = report.to_dict()
    return True


with documents_tab:
    for level, text in st.session_state.pop("flash", []):
        getattr(st, level)(text)
    try:
        documents = kb.documents()
    except Exception:
        log.exception("documents() failed")
        documents = []
        st.error("Belge listesi okunamadı. Yeniden dizinlemeyi deneyin.")
    rows = admin.document_rows(documents, uploads.list_course_files(knowledge_dir), timezone)
    st.caption(f"Klasör: `{knowledge_dir}` · {len(rows)} dosya · saatler {timezone} saatine göre")
    if rows:
        st.dataframe(
            rows, hide_index=True, width="stretch",
            # Pixel widths: the six columns fit the content width of a 1366 px laptop screen.
            column_config={
                "Dosya": st.column_config.TextColumn(width=220),
                "Boyut": st.column_config.TextColumn(width=70),
                "Parça": st.column_config.NumberColumn(width=60),
                "Son dizinleme": st.column_config.TextColumn(width=125),
                "Onarımlar": st.column_config.TextColumn(width=170),
                "Uyarılar": st.column_config.TextColumn(width=170),
            },
        )
    else:
        st.info("Henüz belge yok. Aşağıdan yükleyin.")

    st.subheader("Yeniden dizinle")
    rebuild = st.checkbox("Sıfırdan dizinle (tüm belgeleri yeniden işler)", key="rebuild")
    if st.button("🔄 Yeniden dizinle", type="primary"):
        if run_ingest(rebuild):
            st.rerun()
    report = st.session_state.get("last_report")
    if report:
        st.success(
            f"Son dizinleme: {report['files']} dosya, {report['chunks']} parça · "
            f"{report['added']} eklendi, {report['updated']} güncellendi, {report['skipped']} aynı kaldı, "
            f"{report['deleted']} silindi · {tr_number(report['seconds'], 1)} sn"
        )
        for error in report["errors"]:
            st.warning(f"{error['file']}: {error['error']}")

    st.subheader("Belge yükle")
    chrome.turkish_file_uploader(settings.upload_max_mb, uploads.ALLOWED_EXTENSIONS)
    files = st.file_uploader(
        f"Ders belgeleri (en fazla {settings.upload_max_mb:g} MB)",
        type=[ext.lstrip(".") for ext in uploads.ALLOWED_EXTENSIONS],
        accept_multiple_files=True,
        max_upload_size=max(1, int(settings.upload_max_mb)),  # MB; the browser refuses bigger files early
        key=f"uploads-{st.session_state.get('upload_round', 0)}",  # a new key empties the picker
    )
    overwrite = st.checkbox("Var olan dosyaların üzerine yaz", key="overwrite")
    if files:
        save_col, index_col = st.columns(2)
        save_only = save_col.button("⬆️ Yükle", width="stretch")
        save_and_index = index_col.button("⬆️ Yükle ve dizini güncelle", type="primary", width="stretch")
        if save_only or save_and_index:
            flash, saved_any = [], False
            for file in files:
                try:
                    saved = uploads.save_upload(knowledge_dir, file.name, file.getvalue(),
                                                max_mb=settings.upload_max_mb, overwrite=overwrite)
                except uploads.UploadError as exc:
                    flash.append(("error", str(exc)))
                else:
                    saved_any = True
                    verb = "değiştirildi" if saved.replaced else "yüklendi"
                    hint = "" if save_and_index else " Aramaya girmesi için dizini güncelleyin."
                    flash.append(("success", f"'{saved.name}' {verb}.{hint}"))
            if save_and_index and saved_any:
                run_ingest(rebuild=False)
            st.session_state.flash = flash
            st.session_state.upload_round = st.session_state.get("upload_round", 0) + 1
            st.rerun()

    st.subheader("Belge sil")
    on_disk = [path.as_posix() for path in uploads.list_course_files(knowledge_dir)]
    if on_disk:
        victim = st.selectbox("Silinecek belge", on_disk, index=None, placeholder="Bir belge seçin")
        sure = st.checkbox("Evet, bu belgeyi silmek istiyorum", key="confirm_delete")
        if st.button("🗑️ Sil", disabled=not (victim and sure)):
            try:
                uploads.delete_document(knowledge_dir, victim)
            except uploads.UploadError as exc:
                st.session_state.flash = [("error", str(exc))]
            else:
                st.session_state.flash = [
                    ("success", f"'{victim}' silindi. Parçalarının aramadan çıkması için yeniden dizinleyin.")
                ]
            st.rerun()

with search_tab:
    indexed = sorted(doc.source for doc in documents if doc.chunks)
    preview_col, search_col = st.columns(2, gap="large")
    with preview_col:
        admin_tools.chunk_preview(kb, indexed)
    with search_col:
        admin_tools.test_search(kb, k=settings.retrieval_k)

with gaps_tab:
    st.caption("Asistanın dersten cevaplayamadığı sorular ve beğenilmeyen cevaplar; en yenisi üstte. "
               "Belgelere eklediğiniz soruları \"Çözüldü\" olarak işaretleyin; aynı soru yeniden sorulursa açılır.")
    db = resources.appdb(settings)
    admin_tools.gaps_table(db, timezone)
    admin_tools.exports(db, timezone)

with usage_panel:
    from ders_asistani.ui import usage_tab  # imported when drawn: it costs a second before login

    usage_tab.render(settings)
