"""Instructor page (AppTest): password gate, upload, delete, re-index, unanswered questions."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support import APP, KNOWLEDGE_PAGE, isolate_app, texts


def _open(**env):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(KNOWLEDGE_PAGE).run()
    return at


def _login(at, password: str):
    at.text_input[0].input(password)
    at.form_submit_button[0].click().run()
    return at


def test_without_password_the_page_explains_and_shows_nothing(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy)
    at = _open()
    assert not at.exception
    assert "ADMIN_PASSWORD" in at.info[0].value
    assert len(at.tabs) == 0 and len(at.text_input) == 0 and len(at.file_uploader) == 0


def test_wrong_password_shows_nothing(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="doğru-parola")
    at = _login(_open(), "yanlış")
    assert not at.exception
    assert at.error[0].value == "Parola yanlış."
    assert len(at.tabs) == 0 and len(at.file_uploader) == 0
    assert "kucuk-dil-modelleri" not in texts(at)


@pytest.mark.slow
def test_upload_reindex_and_delete(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="doğru-parola")
    at = _login(_open(), "doğru-parola")
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Belgeler", "Parçalar ve deneme araması", "Cevapsız sorular", "Kullanım"]
    listing = at.dataframe[0].value
    assert "dizinlenmedi" in set(listing["Son dizinleme"])  # nothing indexed yet

    # Upload: a new file is saved under a sanitized name, an existing one is not replaced silently.
    at.file_uploader[0].set_value([
        ("../../kaçak notlar.md", "# Yeni konu\n\nDistilasyon küçük modele öğretir.".encode(), "text/markdown"),
        ("slm-sunumu.txt", b"ustune yazma", "text/plain"),
    ])
    at.run()
    next(b for b in at.button if b.label == "⬆️ Yükle").click().run()
    assert not at.exception
    assert (course_copy / "kaçak notlar.md").exists()
    assert not (tmp_path / "kaçak notlar.md").exists()
    assert any("zaten var" in e.value for e in at.error)
    assert (course_copy / "slm-sunumu.txt").read_bytes() != b"ustune yazma"

    # Re-index: progress bar then the summary, and the table shows chunks.
    next(b for b in at.button if b.label == "🔄 Yeniden dizinle").click().run(timeout=300)
    assert not at.exception
    summary = at.success[0].value
    assert "Son dizinleme: 6 dosya" in summary
    listing = at.dataframe[0].value
    assert set(listing["Dosya"]) >= {"kaçak notlar.md", "slm-sunumu.txt"}
    assert all(listing["Parça"] > 0)

    # Delete needs an explicit confirmation.
    at.selectbox[0].set_value("kaçak notlar.md").run()
    delete = next(b for b in at.button if b.label == "🗑️ Sil")
    assert delete.disabled
    at.checkbox(key="confirm_delete").check().run()
    next(b for b in at.button if b.label == "🗑️ Sil").click().run()
    assert not (course_copy / "kaçak notlar.md").exists()
    assert "silindi" in texts(at)


def test_unanswered_questions_tab_lists_gaps_newest_first(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    from ders_asistani.appdb import RATING_DOWN, AppDatabase
    from ders_asistani.settings import load_settings

    db = AppDatabase(load_settings().app_database_url)
    db.record_unanswered("Kuantum bilgisayar nedir?", mode="offline")
    db.record_feedback(message_id="m", thread_id="t", question="LoRA rank nasıl seçilir?", answer="...",
                       rating=RATING_DOWN, comment="Örnek yok")
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    at = _login(_open(), "p")
    gaps = at.dataframe[1].value
    assert list(gaps["Soru"]) == ["LoRA rank nasıl seçilir?", "Kuantum bilgisayar nedir?"]
    assert list(gaps["Yorumlar"])[0] == "Örnek yok"


def _keep_failing_until_locked_for(minutes: float) -> None:
    from datetime import UTC, datetime, timedelta

    from ders_asistani.admin_guard import AdminGuard
    from ders_asistani.appdb import AppDatabase
    from ders_asistani.settings import load_settings

    ahead = timedelta(0)
    guard = AdminGuard(AppDatabase(load_settings().app_database_url).engine, 30, lambda: datetime.now(UTC) + ahead)
    while guard.wait_seconds() + ahead.total_seconds() < minutes * 60:  # real-time lock left
        ahead += timedelta(seconds=guard.wait_seconds() + 1)
        assert not guard.attempt("yanlış", "doğru-parola").ok


def test_repeated_wrong_passwords_lock_the_form_even_in_a_new_session(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="doğru-parola")
    at = _open()
    for _ in range(3):
        _login(at, "yanlış")
    assert "deneme" in at.error[0].value and "saniye" in at.error[0].value
    # The third failure locks for only 2 s, less than a slow machine takes to open a session:
    # keep failing (each try after its lock ran out, on a clock that runs ahead) until the
    # lock outlasts the test. Same database, same counter as the page's guard.
    _keep_failing_until_locked_for(minutes=2)
    # A fresh browser session gets no fresh tries, and the right password is refused while locked.
    other = _login(_open(), "doğru-parola")
    assert not other.exception
    assert len(other.tabs) == 0
    assert "sonra yeniden deneyin" in other.error[0].value


def test_logout_and_expiry_close_the_page(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="doğru-parola")
    at = _login(_open(), "doğru-parola")
    assert [t.label for t in at.tabs] == ["Belgeler", "Parçalar ve deneme araması", "Cevapsız sorular", "Kullanım"]
    token = at.session_state["admin_session_token"]
    next(b for b in at.sidebar.button if b.label == "🚪 Çıkış yap").click().run()
    assert len(at.tabs) == 0 and at.success[0].value == "Çıkış yapıldı."
    # An old session that still holds the token (a copied session id) cannot reopen the page.
    at.session_state["admin_session_token"] = token
    at.run()
    assert len(at.tabs) == 0 and "süresi doldu" in at.warning[0].value


def test_login_expires_after_admin_session_minutes(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="doğru-parola", ADMIN_SESSION_MINUTES="0.0001")
    at = _login(_open(), "doğru-parola")  # 6 ms: expired by the time the page reruns after login
    assert len(at.tabs) == 0 and "süresi doldu" in at.warning[0].value


def _seed_gaps():
    from ders_asistani.appdb import RATING_DOWN, AppDatabase
    from ders_asistani.settings import load_settings

    db = AppDatabase(load_settings().app_database_url)
    db.record_unanswered("Kuantum bilgisayar nedir?", mode="offline")
    db.record_feedback(message_id="m", thread_id="t", question="LoRA rank nasıl seçilir?",
                       answer="Rank her zaman 64 olmalıdır.", rating=RATING_DOWN, comment="Yanlış")
    return db


def test_gaps_show_local_time_the_disliked_answer_and_store_solved_marks(monkeypatch, tmp_path, course_copy) -> None:
    from zoneinfo import ZoneInfo

    from ders_asistani import instructor_records as records

    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    db = _seed_gaps()
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    at = _login(_open(), "p")
    assert not at.exception
    gaps = at.dataframe[1].value
    by_question = {row["Soru"]: row for row in gaps.to_dict("records")}
    lora = by_question["LoRA rank nasıl seçilir?"]
    assert lora["Beğenilmeyen cevap"] == "Rank her zaman 64 olmalıdır." and lora["Yorumlar"] == "Yanlış"
    last = next(g.last_at for g in db.knowledge_gaps() if g.question == "LoRA rank nasıl seçilir?")
    assert lora["Son"] == last.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y %H:%M")
    assert lora["Son"] != last.strftime("%d.%m.%Y %H:%M")  # not UTC (Istanbul is UTC+3)
    assert not any(gaps["Çözüldü"])
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["⬇️ Geri bildirimler (CSV)", "⬇️ Cevapsız sorular (CSV)"]

    # Mark one as solved: stored in the app database, shown in the table, hidden on request.
    at.multiselect[0].set_value(["Kuantum bilgisayar nedir?"])
    next(b for b in at.button if b.label == "✅ İşaretleri kaydet").click().run()
    assert not at.exception
    assert list(records.resolved_marks(db)) == ["kuantum bilgisayar nedir"]
    gaps = at.dataframe[1].value
    assert dict(zip(gaps["Soru"], gaps["Çözüldü"])) == {"LoRA rank nasıl seçilir?": False,
                                                         "Kuantum bilgisayar nedir?": True}
    at.toggle(key="hide_resolved").set_value(True).run()
    assert list(at.dataframe[1].value["Soru"]) == ["LoRA rank nasıl seçilir?"]

    # A new session (another instructor, after a restart) sees the same mark.
    other = _login(_open(), "p")
    assert list(other.dataframe[1].value["Çözüldü"]) == [False, True]


def test_display_timezone_setting(monkeypatch, tmp_path, course_copy) -> None:
    from ders_asistani.settings import load_settings

    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p", DISPLAY_TIMEZONE="UTC")
    db = _seed_gaps()
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    at = _login(_open(), "p")
    last = db.knowledge_gaps()[0].last_at
    assert at.dataframe[1].value["Son"][0] == last.strftime("%d.%m.%Y %H:%M")
    with pytest.raises(ValueError, match="DISPLAY_TIMEZONE bilinen bir saat dilimi değil"):
        load_settings(display_timezone="Avrupa/İstanbul")


@pytest.mark.slow
def test_upload_and_index_in_one_step_then_preview_and_test_search(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    at = _login(_open(), "p")
    at.file_uploader[0].set_value([
        ("distilasyon.md", "# Distilasyon\n\nBilgi damıtma, büyük öğretmen modelin bilgisini küçük öğrenci "
         "modele aktarır. Öğrenci model öğretmenin olasılık dağılımını taklit eder.".encode(), "text/markdown"),
    ])
    at.run()
    next(b for b in at.button if b.label == "⬆️ Yükle ve dizini güncelle").click().run(timeout=300)
    assert not at.exception
    assert "'distilasyon.md' yüklendi." in texts(at) and "dizini güncelleyin" not in texts(at)
    assert "Son dizinleme: 6 dosya" in at.success[-1].value  # indexed in the same step
    listing = at.dataframe[0].value
    assert listing.set_index("Dosya").loc["distilasyon.md", "Parça"] > 0

    # Chunk preview of the new document.
    at.selectbox(key="preview_source").set_value("distilasyon.md").run()
    chunks = [e for e in at.expander if e.label.startswith("Parça ")]
    assert chunks and "Distilasyon" in chunks[0].label
    # Test search with the retriever the CLI uses.
    at.text_input(key="test_search_question").input("bilgi damıtma nedir")
    next(b for b in at.button if b.label == "🔍 Ara").click().run(timeout=600)  # first search warms e5 up
    assert not at.exception
    results = at.dataframe[1].value
    assert results["Kaynak"][0].startswith("distilasyon.md")


def test_the_missing_key_hint_is_on_the_instructor_page_not_in_the_chat(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p", LLM_PROVIDER="groq")
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    chat = AppTest.from_file(APP, default_timeout=120).run()
    assert not chat.exception
    assert "GROQ_API_KEY" not in texts(chat) and "dil modeli bağlı değil" in texts(chat)
    at = _login(_open(), "p")
    assert not at.exception
    hints = [w.value for w in at.warning if "GROQ_API_KEY" in w.value]
    assert len(hints) == 1 and ".env" in hints[0]


def test_no_setup_hint_when_offline_was_chosen(monkeypatch, tmp_path, course_copy) -> None:
    isolate_app(monkeypatch, tmp_path, course_copy, ADMIN_PASSWORD="p")
    monkeypatch.setattr("vectorstore.knowledge_base.KnowledgeBase.documents", lambda self: [])
    at = _login(_open(), "p")
    assert not at.exception and not any("Kurulum:" in w.value for w in at.warning)
