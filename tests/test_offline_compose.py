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


def test_an_offline_answer_lists_only_the_passages_it_quotes_renumbered():
    passages = [Passage(text=f"metin {i}", source=f"d{i}.md", section="") for i in range(1, 4)]
    text, kept = offline.cited_sources("Bu konu ders belgelerinde yok.\n\nÖneri — en yakın ders bölümü: d2.md [2]", passages)
    assert kept == [passages[1]] and text.endswith("d2.md [1]")
    text, kept = offline.cited_sources(NOT_COVERED_SHORT, passages)
    assert kept == [] and text == NOT_COVERED_SHORT
    text, kept = offline.cited_sources("Önce üçüncü [3]\n\n| a |\n\n[3]\n\nSonra birinci [1] ve yok [9]", passages)
    assert kept == [passages[2], passages[0]]
    assert text == "Önce üçüncü [1]\n\n| a |\n\n[1]\n\nSonra birinci [2] ve yok"


# --- block reading: headings without a blank line, colon lines, fenced legends, label paragraphs ------------
RNN = """RNN, Transformer ve Attention Mekanizmaları
LLM'lerin başarısının arkasında çeşitli teknolojiler ve mimariler bulunmaktadır. Bunlardan bazıları RNN (Recurrent Neural Networks), Transformer ve Attention mekanizmalarıdır.

RNN (Recurrent Neural Networks)
RNN'ler, sıralı verilerle çalışmak için tasarlanmış nöral ağlardır. Her adımda, girdiyi ve önceki gizli durumu alarak yeni bir gizli durum üretirler. Bu şekilde, geçmiş bilgileri hatırlayabilir ve sıralı veriler üzerinde işlem yapabilirler. Ancak, RNN'ler uzun dizilerdeki bağımlılıkları öğrenmede zorlanabilirler ve bu da performanslarını sınırlayabilir.
"""

FLEX = """## Açık Modellerin Faydaları

**Esneklik** - Açık modellerle çalışmak, farklı modelleri kullanma veya birleştirme konusunda esneklik sağlar. Bunun bir örneği, kullanıcıların arayüzde doğrudan kullanılan modeli seçebildiği [HuggingChat Asistanlarıdır](https://huggingface.co/chat):

![Choose Model](model.png)

## Farklı Açık Modelleri Keşfetmek
"""

FORMULA = """### Bellek Hesaplama Formülü
```
Minimum VRAM = (Parametre Sayısı × 2 × Precision) + Ara Bellek
- Parametre Sayısı: Modelin milyar cinsinden boyutu
- Precision: FP16 için 2 byte, INT8 için 1 byte
- Ara Bellek: Yaklaşık model boyutunun %20'si
```
"""

LOGIC = """## Mantıksal Düşünme Karşılaştırması

*En Mantıklı Model:* Mistral 7B, mantıksal problemleri çözmede ve adım adım düşünmede en başarılı model. Özellikle matematik ve programlama problemlerinde çok iyi.

*Yakın Takipçi:* Mixtral, mantıksal düşünmede Mistral'e yakın performans gösteriyor ve bazı durumlarda daha detaylı açıklamalar yapabiliyor.
"""

OPEN = """## Açık Kaynak Modeller Nedir?

Bu, toplulukta çokça tartışmaya yol açmıştır. Bir modelin açık kaynak tanımıyla uyumlu olması için aşağıdaki bilgilerin kamuya açık olması gerekir:

- Modeli eğitmek için kullanılan veri setleri.
- Değerlendirme kodu.
"""


def test_a_title_line_right_above_its_paragraph_is_a_heading_not_a_sentence():
    blocks = passage_blocks(RNN)
    assert {b.heading for b in blocks} == {"RNN, Transformer ve Attention Mekanizmaları", "RNN (Recurrent Neural Networks)"}
    assert not any(b.search_text.startswith(("RNN (Recurrent", "RNN, Transformer")) for b in blocks)
    text, _, answered = compose("rnn geçmiş adımları nasıl aklında tutuyor", _one(RNN), off_topic=False, relevance=0.55)
    assert answered and "Her adımda, girdiyi ve önceki gizli durumu alarak yeni bir gizli durum üretirler." in text


def test_a_colon_line_that_introduces_no_list_is_still_a_sentence():
    text, _, answered = compose(
        "kullanıcının hangi modelle konuşacağını kendisinin seçtiği bir örnek var mı", _one(FLEX), off_topic=False, relevance=0.58
    )
    assert answered and "doğrudan kullanılan modeli seçebildiği" in text
    assert "Asistanlarıdır](https://huggingface.co/chat)." in text and ":" not in text.split("[1]")[0][-3:]
    # A colon line pointing at what follows ("şu alanlarda") is never turned into a sentence.
    assert not any("şu alanlarda" in b.search_text for b in passage_blocks("Mistral şu alanlarda başarılı:\n\n## Sonra\n"))


def test_only_the_colon_sentence_introduces_the_list_the_sentences_before_it_stay_prose():
    blocks = passage_blocks(OPEN)
    listed = next(b for b in blocks if b.kind == "list")
    assert listed.intro.startswith("Bir modelin açık kaynak tanımıyla") and "tartışmaya" not in listed.intro
    assert any(b.kind == "prose" and "tartışmaya" in b.search_text for b in blocks)


def test_a_formula_fence_with_its_legend_is_read_as_text():
    text, _, answered = compose("FP16'da her parametre kaç byte tutuyor", _one(FORMULA), off_topic=False, relevance=0.66)
    assert answered and "- Precision: FP16 için 2 byte, INT8 için 1 byte" in text
    assert "Minimum VRAM = (Parametre Sayısı × 2 × Precision) + Ara Bellek:" in text


def test_label_paragraphs_in_a_row_are_quoted_as_one_list():
    text, _, answered = compose("mantık sorularında mistral 7b mi mixtral mi", _one(LOGIC), off_topic=False, relevance=0.9)
    assert answered
    assert "- *En Mantıklı Model:* Mistral 7B, mantıksal problemleri çözmede" in text
    assert "- *Yakın Takipçi:* Mixtral, mantıksal düşünmede" in text


def test_a_short_root_with_another_suffix_counts_a_little():
    from chains.offline_scoring import soft_matches

    assert soft_matches({"adiml", "kuruy", "tranf"}, {"adimd", "kurul", "trans", "model"}) == {"adiml", "kuruy", "tranf"}
    assert soft_matches({"gecmi"}, {"girdi"}) == set()


FAQ = """## 🤔 Sık Sorulan Sorular

> "API anahtarım çalışmıyor, ne yapmalıyım?"
* Anahtarın tam olarak kopyalandığından emin olun
* Boşluk ve özel karakterleri kontrol edin
* Hesabınızın aktif olduğundan emin olun
"""

LANGCHAIN = """## 📚 LangChain Nedir?
LangChain, büyük dil modellerini (LLM) uygulamalarla entegre etmek için kullanılan açık kaynak bir framework'tür. 2022'de Harrison Chase tarafından oluşturulmuş ve kısa sürede AI geliştirme dünyasının vazgeçilmez araçlarından biri haline gelmiştir.

### 💻 Kaynak ve Dokümanlar

- GitHub: https://github.com/langchain-ai/langchain
- Resmi Dokümantasyon: https://python.langchain.com/
- Topluluk: https://discord.gg/6adMQxSpJS
"""

FALCON = """### Falcon

Teknoloji İnovasyon Enstitüsü (**TII**) tarafından oluşturulan Falcon bir LLM'dir. Falcon-40B, 40 milyar parametre üzerinde eğitilmiştir ve daha az hesaplama bütçesiyle GPT-3'ten daha iyi performans gösterdiği kanıtlanmıştır. Bu, FlashAttention algoritması ve çıkarım zamanında bellek gereksinimlerini azaltan çoklu sorgu dikkat mekanizması kullanımı sayesinde mümkün olmuştur.
"""

REQUIREMENTS = """| Gereksinim             | Açıklama                                 | Öncelik  |
| ---------------------- | ---------------------------------------- | -------- |
| Groq Hesabı            | api.groq.com üzerinden ücretsiz kayıt    | Zorunlu  |
| cURL                   | Komut satırı aracı (çoğu sistemde yüklü) | Zorunlu  |
| Temel Terminal Bilgisi | Basit komutları çalıştırabilme           | Önerilen |
"""


def test_a_faq_question_introduces_its_answer_list_and_is_never_the_answer_itself():
    assert not quotable("API anahtarım çalışmıyor, ne yapmalıyım?")
    text, _, answered = compose("api anahtarim calismiyor ne yapmaliyim", _one(FAQ), off_topic=False, relevance=0.95)
    assert answered and "- Anahtarın tam olarak kopyalandığından emin olun" in text
    assert "- Hesabınızın aktif olduğundan emin olun" in text


def test_web_addresses_are_not_words_of_the_answer():
    text, _, answered = compose("langchain ne zaman cikti kim yapti", _one(LANGCHAIN), off_topic=False, relevance=0.68)
    assert answered and "2022'de Harrison Chase tarafından oluşturulmuş" in text and "github.com" not in text


def test_a_short_paragraph_is_quoted_whole():
    text, _, answered = compose("falcon'un bu kadar verimli olmasının arkasındaki teknik numaralar ne", _one(FALCON),
                                off_topic=False, relevance=0.5)
    assert answered and "FlashAttention algoritması ve çıkarım zamanında bellek gereksinimlerini azaltan" in text
    assert "Falcon-40B, 40 milyar parametre" in text


def test_table_rows_that_share_a_question_term_come_with_the_best_row():
    text, _, answered = compose("komut satırından pek anlamıyorum, başlamak için mecburi mi", _one(REQUIREMENTS),
                                off_topic=False, relevance=0.57)
    assert answered and "| cURL | Komut satırı aracı (çoğu sistemde yüklü) | Zorunlu |" in text
    assert "| Temel Terminal Bilgisi | Basit komutları çalıştırabilme | Önerilen |" in text
    assert "Groq Hesabı" not in text


def test_a_lower_ranked_passage_may_answer_with_a_near_full_match():
    # The second passage shares "destek" in its text and "Mixtral" only in its heading: 1.9 of the 2 terms.
    first = Passage(text="Büyük dil modelleri milyarlarca parametreye sahiptir.", source="a.md", section="")
    second = Passage(text="## Mixtral'ın Öne Çıkan Özellikleri\n\nBirden fazla dilde kaliteli çıktılar üretebiliyor ve destek sunuyor.\n",
                     source="k.md", section="")
    text, cited, answered = compose("mixtral destek verir mi", [(1, first), (2, second)], off_topic=False, relevance=0.46)
    assert answered and cited == [2] and "kaliteli çıktılar üretebiliyor ve destek sunuyor. [2]" in text


def test_the_retrievers_word_neighbours_count_like_glossary_terms():
    from chains.offline import course_answer, course_expansion
    from vectorstore.types import SearchResponse

    question = "minik modelleri tercih etmenin artısı ne"
    response = SearchResponse(query=question, passages=[], expanded_query=question, neighbor_words=("küçük", "avantajları"))
    assert course_expansion(response) == "küçük avantajları"
    numbered = _one(SLIDES, source="slm-sunumu.txt")
    without = course_answer(question, numbered, off_topic=False, relevance=0.39)
    with_neighbours = course_answer(question, numbered, off_topic=False, expansion=course_expansion(response), relevance=0.39)
    assert not without.answered_from_course
    assert with_neighbours.answered_from_course and "- Daha az hesaplama gücü" in with_neighbours.text


GROQ_SECTION = """## Groq API

Groq, yapay zeka modellerini çok hızlı çalıştıran bir çıkarım hizmetidir. Geliştiriciler için ücretsiz bir katman sunar ve kayıt birkaç dakika sürer.

Kayıt için şu adımları izleyin:
1. api.groq.com adresine gidin
2. E-posta adresinizle hesap açın
3. Panelden yeni bir anahtar oluşturun

Sevgili öğrenciler, gelin şimdi fiyatlara birlikte bakalım.

## Fiyatlandırma

- Ücretli katman kurumsal müşteriler içindir
- Fiyatlar token başına hesaplanır
"""


def test_the_passage_around_the_best_block_comes_with_it_as_written():
    text, cited, answered = compose("Groq nasıl bir çıkarım hizmeti", _one(GROQ_SECTION), off_topic=False)
    assert answered and cited == [1]
    body = text.split("(Dil modeli")[0]
    # The matching paragraph first, then the steps that follow it in the same section, in document order.
    assert body.index("çıkarım hizmetidir") < body.index("1. api.groq.com adresine gidin") < body.index("3. Panelden")
    assert body.rstrip().endswith("[1]") and body.count("[1]") == 1
    assert "Sevgili" not in body  # a greeting teaches nothing
    assert "Ücretli katman" not in body  # another heading is another topic
    assert len(body) <= 800


def test_a_synonym_beside_the_students_own_word_counts_once():
    from chains.offline_scoring import score_blocks

    overview = "RNN (Recurrent Neural Networks) ve benzeri mimariler bu bölümün konusudur, sırayla ele alınacak."
    working = "RNN'ler her adımda çalışırken önceki gizli durumu ve yeni girdiyi birlikte kullanır."
    numbered = [(1, Passage(text=f"{overview}\n\n{working}", source="d.md", section="Mimariler"))]
    best = score_blocks("RNN nasıl çalışır", numbered, "Recurrent Neural Networks tekrarlayan sinir ağı")[0]
    # "Recurrent Neural Networks" does not count again beside "RNN": the sentence that answers leads.
    assert best.block.search_text == working


def test_how_far_below_the_retriever_put_a_passage_decides_against_a_slightly_better_word_match():
    first = "Groq anahtarı panelden oluşturulur ve güvenli bir yere kaydedilir."
    second = "Groq anahtarı panelden oluşturulur, güvenli bir yere kaydedilir ve kimseyle paylaşılmaz anahtar."
    question = "groq anahtarı nasıl oluşturulur ve paylaşılmaz mı"

    def answer(second_score: float) -> str:
        numbered = [
            (1, Passage(text=first, source="a.md", section="Anahtar", score=0.9)),
            (2, Passage(text=second, source="b.md", section="Anahtar", score=second_score)),
        ]
        text, cited, answered = compose(question, numbered, off_topic=False)
        assert answered
        return text.split("\n\n")[0]

    assert answer(0.88).endswith("[2]")  # close behind: the better match answers
    assert answer(0.30).endswith("[1]")  # far behind: the retriever's first passage answers


def test_a_section_that_carries_on_from_an_overview_follows_it_under_its_own_title():
    from chains.offline_scoring import score_blocks

    question = "RNN'lerin zayıf yanı nedir?"
    expansion = "Recurrent Neural Networks tekrarlayan sinir ağı"
    best = score_blocks(question, _one(RNN), expansion)[0]
    assert best.block.heading == "RNN, Transformer ve Attention Mekanizmaları"  # word matching picks the overview
    text, _, answered = compose(question, _one(RNN), off_topic=False, expansion=expansion)
    assert answered and "**RNN (Recurrent Neural Networks)**\n\nRNN'ler, sıralı verilerle" in text  # the title is a line
    assert "uzun dizilerdeki bağımlılıkları öğrenmede zorlanabilirler" in text


def test_a_sentence_is_read_with_its_paragraph():
    paragraph = (
        "LangChain, büyük dil modellerini uygulamalarla entegre etmek için kullanılan açık kaynak bir çatıdır. "
        "2022'de Harrison Chase tarafından oluşturulmuş ve kısa sürede vazgeçilmez araçlardan biri olmuştur."
    )
    numbered = [(1, Passage(text=paragraph, source="d.md", section="Tanım", score=0.9))]
    text, _, answered = compose("langchain ne zaman çıktı, kim oluşturdu", numbered, off_topic=False)
    assert answered and "Harrison Chase tarafından oluşturulmuş" in text


SHARDING = """### Optimizasyon Teknikleri

1. **Quantization (Nicemleme)**
   - INT8: Bellek kullanımını yarıya düşürür
   - INT4: Bellek kullanımını dörtte bire düşürür

2. **Model Sharding (Bölümleme)**
   ```python
   # Örnek kod: Model bölümleme
   model = LlamaForCausalLM.from_pretrained(
       "meta-llama/Llama-70b",
       device_map="auto",  # Otomatik GPU dağıtımı
       load_in_8bit=True   # INT8 quantization
   )
   ```
"""


def test_a_code_example_answers_a_question_about_code_and_is_quoted_as_code():
    text, _, answered = compose("modeli kartlara otomatik dağıtmak için kodda ne yazıyoruz", _one(SHARDING), off_topic=False)
    assert answered
    assert '```python\n# Örnek kod: Model bölümleme\nmodel = LlamaForCausalLM.from_pretrained(\n    "meta-llama/Llama-70b",' in text
    assert "```\n\nKaynak: [1]" in text  # the citation never sits on the closing fence
    # Without a word about code the example is not an answer (nor context around one).
    text, _, _ = compose("INT4 bellek kullanımını ne kadar düşürür", _one(SHARDING), off_topic=False)
    assert "dörtte bire" in text and "```" not in text and "device_map" not in text


def test_a_nested_list_group_is_in_its_sections_and_gets_no_made_up_title():
    notes = """## Önemli Notlar

1. **Requests Kütüphanesi**:
   - En temel yöntem
   - Her Python kurulumunda genellikle mevcut
2. **Groq Kütüphanesi**:
   - Groq'un resmi kütüphanesi
   - `pip install groq` ile kurulur
"""
    groups = passage_blocks(notes)
    assert [b.section for b in groups] == ["Önemli Notlar", "Önemli Notlar"]
    text, _, answered = compose("Groq kütüphanesi python ile nasıl kurulur", _one(notes), off_topic=False)
    assert answered and "`pip install groq` ile kurulur" in text and "En temel yöntem" in text  # one section, both groups
    assert "**Önemli Notlar" not in text and text.count("**") % 2 == 0


def test_next_to_computed_numbers_the_course_quote_is_the_best_block_alone():
    alone, _, answered = compose("Groq nasıl bir çıkarım hizmeti", _one(GROQ_SECTION), off_topic=False, around=False)
    assert answered and "çıkarım hizmetidir" in alone and "api.groq.com adresine gidin" not in alone
    quoted = offline.course_answer("Groq nasıl bir çıkarım hizmeti", _one(GROQ_SECTION), False, min_overlap=2)
    assert "çıkarım hizmetidir" in quoted.text and "api.groq.com adresine gidin" not in quoted.text


def test_next_to_computed_numbers_a_table_gives_its_best_row_alone():
    table = """## Sistem Gereksinimleri

| Model | Parametre | Min. VRAM | Önerilen GPU |
|---|---|---|---|
| LLaMA 3 70B | 70 milyar | 140GB+ | 4x A100 80GB |
| LLaMA 3 8B | 8 milyar | 16GB+ | RTX 4090 |
| Mistral 7B | 7 milyar | 14GB+ | RTX 4080 |
"""
    question = "Llama 3 8B için kaç GB VRAM ve hangi GPU gerekir"
    alone, _, answered = compose(question, _one(table), off_topic=False, around=False)
    assert answered and "| LLaMA 3 8B | 8 milyar | 16GB+ | RTX 4090 |" in alone and "70B" not in alone
    assert "\n\nKaynak: [1]" in alone  # a citation after a table is a labelled line of its own
    whole, _, _ = compose(question, _one(table), off_topic=False)
    assert "LLaMA 3 70B" in whole  # on its own, rows that share a question term come along


def test_a_refusal_suggests_a_section_only_when_the_question_shares_a_whole_word_with_it():
    numbered = _one("## Fotoğraf işleme\n\nGörüntü modelleri fotoğrafları sınıflandırır ve etiketler.", section="Fotoğraf işleme")
    text, cited, answered = compose("fotosentez nasıl gerçekleşir", numbered, off_topic=False)
    assert not answered and text == NOT_COVERED_SHORT and cited == []


def test_when_the_retriever_cannot_tell_two_passages_apart_both_are_quoted():
    first = "Groq anahtarı panelden oluşturulur ve güvenli bir yere kaydedilir."
    second = "Groq anahtarı kimseyle paylaşılmamalı, kod deposuna da yazılmamalıdır."
    question = "groq anahtarı"

    def cited(second_score: float) -> list[int]:
        numbered = [
            (1, Passage(text=first, source="a.md", section="Anahtar", score=0.80)),
            (2, Passage(text=second, source="b.md", section="Güvenlik", score=second_score)),
        ]
        _, numbers, answered = compose(question, numbered, off_topic=False)
        assert answered
        return numbers

    assert cited(0.79) == [1, 2]  # a tie: the second says no new question word, yet is shown
    assert cited(0.60) == [1]
