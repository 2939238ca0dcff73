"""The cited passage under "Kaynaklar": headings, long passages, code fences (ders_asistani/ui/render.py)."""

from __future__ import annotations

from ders_asistani.ui.render import passage_markdown

# A real course passage (langchain-groq-donanim.md): two headings in a row, then a list.
TWO_HEADINGS = (
    "### Sistem Gereksinimleri Detayları\n\n\n#### LLaMA 3 70B için Tam Sistem\n"
    "- CPU: AMD EPYC 7763 veya Intel Xeon Platinum\n- RAM: 256GB+ ECC DDR4/5"
)


def test_headings_become_bold_lines_of_their_own_and_never_run_together() -> None:
    text = passage_markdown(TWO_HEADINGS)
    assert text == (
        "**Sistem Gereksinimleri Detayları**\n\n**LLaMA 3 70B için Tam Sistem**\n\n"
        "- CPU: AMD EPYC 7763 veya Intel Xeon Platinum\n- RAM: 256GB+ ECC DDR4/5"
    )
    assert "#" not in text


def test_a_numbered_heading_does_not_turn_into_a_list() -> None:
    text = passage_markdown("## İlk Adımlarımız\n\n\n### 1. API Anahtarı Oluşturma\nGroq paneline giriş yapın")
    assert text.splitlines()[2] == "**1. API Anahtarı Oluşturma**"


def test_hashes_inside_a_code_fence_are_code_not_headings() -> None:
    text = passage_markdown("```bash\n# bağımlılıklar\npip install groq\n```")
    assert "# bağımlılıklar" in text and "**" not in text


def test_a_long_table_is_cut_between_rows_not_inside_one() -> None:
    header = "| Model | Parametre | Min. VRAM |\n|---|---|---|\n"
    rows = "".join(f"| LLaMA 3 {n}B | {n} milyar | {2 * n}GB+ |\n" for n in range(1, 60))
    text = passage_markdown(header + rows, limit=300)
    body, _, tail = text.rpartition("\n\n")
    assert tail == "…"
    assert len(body) <= 300
    assert all(line.startswith("|") and line.endswith("|") for line in body.splitlines())


def test_a_cut_inside_a_code_fence_closes_the_fence() -> None:
    code = "```python\n" + "".join(f"print({n})\n" for n in range(200)) + "```"
    text = passage_markdown(code, limit=200)
    assert text.count("```") == 2 and text.endswith("```")


def test_one_long_paragraph_is_cut_at_a_word() -> None:
    text = passage_markdown("kelime " * 200, limit=100)
    assert text.endswith("kelime …") and len(text) <= 102
