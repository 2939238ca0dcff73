"""Turkish-aware normalization and tokenization for lexical search.

Pure functions, no I/O. The defaults were chosen by measurement on the course
documents (see /work/shared/reference/retrieval-findings.md and
`ders-asistani eval retrieval`): Turkish lowercasing (İ->i, I->ı, which
`str.lower()` gets wrong), then ASCII folding (students type "secmeliyim" for
"seçmeliyim"), then the first 5 characters of each token as a cheap stand-in
for a stemmer (Turkish is agglutinative: "modellerinin" and "modeli" share
"model"). Prefix-5 beat the Snowball Turkish stemmer on these documents
(MRR@5 0.80 vs 0.71), so stemming stays an option, not the default.

Public API (also used by the tutor for sentence selection):
    normalize(text) -> str          Turkish lowercase + ASCII fold + single spaces
    tokens(text) -> list[str]       normalized word tokens (apostrophe suffixes dropped)
    index_terms(text, ...) -> list  tokens without stopwords, cut to a prefix (or stemmed)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

TermMode = Literal["prefix", "stem", "token"]

DEFAULT_PREFIX_LENGTH = 5

# str.lower() maps "I" to "i" and "İ" to "i" + combining dot; Turkish needs ı and i.
_TURKISH_UPPER = str.maketrans({"I": "ı", "İ": "i"})

# Characters students replace with plain ASCII when typing without a Turkish keyboard.
_ASCII_FOLD = str.maketrans(
    {
        "ç": "c",
        "ğ": "g",
        "ı": "i",
        "ö": "o",
        "ş": "s",
        "ü": "u",
        "â": "a",
        "î": "i",
        "û": "u",
    }
)

# A word: letters/digits, with decimals kept together ("3.6", "62,2") so
# numbers from tables stay searchable as one token.
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
# "LLM'lerin", "Mistral'in": the part after the apostrophe is a case suffix.
_APOSTROPHE_SUFFIX_RE = re.compile(r"(\w)['’`´]\w+")

# Function words and question words. Question words ("nedir", "nasil") carry no
# topic; keeping them made headings like "... Nedir?" win every "nedir" question.
# Stored folded, because stopwords are checked after folding.
STOPWORDS: frozenset[str] = frozenset(
    """
    acaba ama ancak bana bazi belki ben beni benim bir biraz birkac biz bize bu buna bunda
    bundan bunu bunun cok cunku da daha de defa diye en gibi hangi hangisi hangileri hem hep
    hepsi her hic icin ile ise ki kim kime kimi kimin mi mu mı mü nasil ne neden nedir nerde
    nerede nereye nicin niye o olan olarak oldu olur on ona ondan onlar onu onun ornegin
    sadece sanki sen seni senin siz size sizin su sunu sunun tum uzere var veya ve ya yani
    yok zaten midir mudur misin musun miyim muyum mi nelerdir kac kactir ki mesela peki
    acikla anlat soyle soyler neler nedenleri sey seyler hakkinda ilgili gore kadar
    """.split()
)


def turkish_lower(text: str) -> str:
    """Lowercase with Turkish dotted/dotless i rules."""
    return text.translate(_TURKISH_UPPER).lower()


def fold_ascii(text: str) -> str:
    """Replace Turkish (and other accented) letters by their ASCII base letter."""
    folded = text.translate(_ASCII_FOLD)
    if folded.isascii():
        return folded
    # Other accents (é, ñ, the combining dot of a decomposed İ): strip marks.
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Turkish lowercase, ASCII fold and collapse whitespace."""
    return " ".join(fold_ascii(turkish_lower(text)).split())


def tokens(text: str) -> list[str]:
    """Normalized word tokens; the suffix after an apostrophe is dropped."""
    text = _APOSTROPHE_SUFFIX_RE.sub(r"\1", text)
    return _TOKEN_RE.findall(normalize(text))


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("turkish")


def term(token: str, mode: TermMode = "prefix", prefix_length: int = DEFAULT_PREFIX_LENGTH) -> str:
    """The index term of one normalized token."""
    if mode == "prefix":
        return token[:prefix_length]
    if mode == "stem":
        return _stemmer().stemWord(token)
    return token


def index_terms(
    text: str,
    mode: TermMode = "prefix",
    prefix_length: int = DEFAULT_PREFIX_LENGTH,
    keep_stopwords: bool = False,
) -> list[str]:
    """Terms for a lexical index: tokens without stopwords, as prefixes (default)."""
    return [
        term(tok, mode, prefix_length)
        for tok in tokens(text)
        if keep_stopwords or tok not in STOPWORDS
    ]
