from hypothesis import given
from hypothesis import strategies as st

from turkish.sanitize import sanitize_text


def test_drops_surrogates_controls_and_bidi_keeps_turkish_newlines_and_tabs():
    raw = "Lo\udcd2RA\x00 ne\x1bdir?\u202e\tşğüİı\r\nikinci 🙂"
    assert sanitize_text(raw) == "LoRA nedir?\tşğüİı\nikinci 🙂"


def test_nfc():
    assert sanitize_text("s\u0327") == "ş"


@given(st.text())
def test_result_is_always_encodable_and_stable(text):
    clean = sanitize_text(text)
    clean.encode("utf-8")
    assert sanitize_text(clean) == clean
    assert "\x00" not in clean
