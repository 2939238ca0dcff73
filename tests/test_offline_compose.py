"""The offline composer quotes the course as written: lists, steps, tables, whole sentences, clean refusals."""

from __future__ import annotations

from chains import offline
from chains.offline_blocks import passage_blocks, quotable
from chains.offline_quote import NOT_COVERED_SHORT, SUGGESTION_LABEL, compose
from conftest import COURSE_DIR
from vectorstore.types import Passage

SLIDES = """Küçük Dil Modelleri Nedir?

- Küçük dil modelleri, daha küçük parametreye ve daha az hesaplama gücüne sahip olan dil modelidir.

Küçük Dil Modelinin Avantajları

- Daha az hesaplama gücü
- Daha hızlı eğitim ve çalıştırma süresi
- Daha az veri ihtiyacı
- Daha az donanımsal gereksinim

Küçük Dil Modelinin Zayıflıkları

- Daha sınırlı dil yeteneği
- Daha az öğrenme kapasitesi
"""

STEPS = """### 1. API Anahtarı Oluşturma
```markdown
1. Groq paneline giriş yapın
2. "API Keys" bölümünü bulun
3. "Create New Key" butonuna tıklayın
4. Anahtarınızı güvenli bir yere kaydedin
```
"""

TABLE = """## GPU Önerileri

| VRAM | Önerilen GPU | Tahmini Maliyet |
|---|---|---|
| 8 GB | RTX 4060 | 300$ |
| 24 GB | RTX 4090 (min. Ampere) | 2000$ |
"""


def _one(text: str, source: str = "d.md", section: str = "") -> list[tuple[int, Passage]]:
    return [(1, Passage(text=text, source=source, section=section))]


def test_a_list_under_its_heading_is_quoted_whole_as_a_list():
    text, cited, answered = compose("küçük dil modellerinin avantajları neler", _one(SLIDES), off_topic=False)
    assert answered and cited == [1]
    for item in ("Daha az hesaplama gücü", "Daha hızlı eğitim ve çalıştırma süresi", "Daha az veri ihtiyacı", "Daha az donanımsal gereksinim"):
        assert f"- {item}" in text
    assert "zayıf" not in text.lower() and "sınırlı dil" not in text


def test_numbered_steps_inside_a_markdown_fence_stay_numbered_steps():
    text, _, answered = compose("Groq API anahtarını nasıl alırım?", _one(STEPS), off_topic=False)
    assert answered
    assert '1. Groq paneline giriş yapın\n2. "API Keys" bölümünü bulun' in text
    assert "4. Anahtarınızı güvenli bir yere kaydedin" in text
    assert "```" not in text


def test_a_table_row_comes_with_its_header_as_a_small_table():
    text, _, answered = compose("24 GB VRAM için hangi GPU önerilir?", _one(TABLE), off_topic=False)
    assert answered
    assert "| VRAM | Önerilen GPU | Tahmini Maliyet |" in text and "|---|---|---|" in text
    assert "| 24 GB | RTX 4090 (min. Ampere) | 2000$ |" in text
    assert "RTX 4060" not in text


def test_greetings_colon_fragments_and_open_parentheses_are_never_quoted():
    assert not quotable("Sevgili öğrenciler, gelin birlikte küçük modellere bakalım.")
    assert not quotable("API anahtarınızı kodunuzda doğrudan yazmak yerine:")
    assert not quotable("Model en az 8 GB bellek ister (min.")
    assert quotable("Küçük modeller daha az bellek ister ve hızlı çalışır.")
    prose = "Sevgili öğrenciler, gelin küçük modellerin belleğine bakalım. Küçük modeller daha az bellek ister ve dizüstünde çalışır."
    text, _, _ = compose("küçük modeller ne kadar bellek ister", _one(prose), off_topic=False)
    assert "Sevgili" not in text and "Küçük modeller daha az bellek ister" in text


def test_prose_is_quoted_as_whole_sentences_in_document_order():
    prose = "Transformer mimarisi paralel işlemeyi mümkün kılar. Bu yüzden eğitim hızlıdır. Kedi sever."
    text, _, _ = compose("Transformer mimarisi nedir", _one(prose), off_topic=False)
    assert text.index("Transformer mimarisi paralel") < text.index("Bu yüzden eğitim hızlıdır.")


def test_off_topic_answer_is_one_sentence_without_sources():
    text, cited, answered = compose("bugün hava nasıl?", _one(SLIDES), off_topic=True)
    assert not answered and cited == [] and text == NOT_COVERED_SHORT


def test_uncovered_question_gets_the_nearest_section_as_a_labelled_suggestion():
    passage = Passage(text="Proje kapsamında 100.000 adet GPU'nun kurulumu gerçekleştirildi.", source="g.md", section="GPU")
    answer = offline.course_answer("Fotosentez nasıl gerçekleşir?", [(1, passage)], off_topic=False)
    assert not answer.answered_from_course and answer.cited == [1]
    assert answer.text.splitlines()[0] == NOT_COVERED_SHORT
    assert f"{SUGGESTION_LABEL}: g.md — GPU [1]" in answer.text


def test_second_source_only_when_it_adds_something():
    first = (1, Passage(text=SLIDES, source="slm.txt", section=""))
    same = (2, Passage(text=SLIDES, source="kopya.txt", section=""))
    text, cited, _ = compose("küçük dil modellerinin avantajları neler", [first, same], off_topic=False)
    assert cited == [1] and text.count("Daha az veri ihtiyacı") == 1


def test_the_real_slide_deck_answers_the_advantages_question_with_its_list():
    deck = (COURSE_DIR / "slm-sunumu.txt").read_text(encoding="utf-8")
    blocks = [b for b in passage_blocks(deck) if b.kind == "list" and "Avantaj" in b.heading]
    assert blocks and blocks[0].items[0] == "Daha az hesaplama gücü" and len(blocks[0].items) == 4


def test_a_question_for_a_figure_is_not_answered_by_a_block_without_one():
    prose = "Groq ücretsiz planında istek sınırı vardır ve dakika başına istek sayısı hesabınıza göre değişir."
    _, _, answered = compose("Groq ücretsiz planda dakikada kaç istek atabilirim?", _one(prose), off_topic=False)
    assert not answered
    with_figure = prose + " Ücretsiz planda dakikada 30 istek atılabilir."
    text, _, answered = compose("Groq ücretsiz planda dakikada kaç istek atabilirim?", _one(with_figure), off_topic=False)
    assert answered and "30 istek" in text


def test_a_refusal_keeps_only_its_suggested_section_as_source():
    passages = [Passage(text=f"metin {i}", source=f"d{i}.md", section="") for i in range(1, 4)]
    text, kept = offline.sources_for_refusal("Bu konu ders belgelerinde yok.\n\nÖneri — en yakın ders bölümü: d2.md [2]", passages, [2])
    assert kept == [passages[1]] and text.endswith("d2.md [1]")
    text, kept = offline.sources_for_refusal(NOT_COVERED_SHORT, passages, [])
    assert kept == [] and text == NOT_COVERED_SHORT
