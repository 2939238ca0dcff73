"""Does the question name something the course never mentions? ("LoRA", "Phi-3", "claude 3.5", "qwen")

Retrieval scores alone do not separate near-miss questions from answerable ones
(docs/offline-eval.md, /reference retrieval findings): "Phi-3 mini kaç
parametreli" scores like a question about Phi-2. What separates them is a name:
the question asks about a thing the retrieved course passages do not contain.

A name is a word the student typed as one: an acronym or mixed case word
("LoRA", "RAG", "LPU"), a capitalized word inside the sentence ("ile Ollama"),
a word with letters Turkish does not use ("qwen"), a word joined to a number
("H100", "Phi-3", "GPT-4o") or a word followed by a dotted version ("claude
3.5"). Plain words are never names: paraphrases use words the course does not
(that is what paraphrase means), so they must not cause a refusal.

A name is known when the passages contain it (same letters and digits, case
and hyphens ignored, Turkish suffixes after an apostrophe dropped) or the
course glossary knows it ("SLM" is "küçük dil modeli").

Pure: no retrieval, no I/O besides the packaged glossary.
"""

from __future__ import annotations

import re
from typing import Iterable

_WORD = re.compile(r"[0-9A-Za-zÇĞİÖŞÜçğıöşü]+(?:[-.][0-9A-Za-zÇĞİÖŞÜçğıöşü]+)*")
_NON_TURKISH_LETTERS = re.compile(r"[qwx]", re.IGNORECASE)
_VERSION = re.compile(r"^\d+\.\d+$")
_SIZE = re.compile(r"^\d+(\.\d+)?[bBmM]$")
# Model families and tools students type in lower case ("ollama ile", "qwen mi"): without a capital
# letter nothing else marks them as names. The hardware catalog's families plus the runtimes and
# chat products students name most; a passage that mentions one makes it known as usual.
PRODUCT_NAMES = frozenset(
    "ollama vllm lmstudio llamacpp qwen gemma deepseek chatgpt copilot gemini claude llama mistral mixtral "
    "phi falcon nemotron tinyllama smollm bloom gpt bert groq langchain huggingface".split()
)


def _fold(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower().replace("-", "")


def _words(text: str) -> list[str]:
    # "GPT-4'ün" -> "GPT-4": a suffix after an apostrophe is grammar, not the name.
    text = re.sub(r"['’][a-zçğıöşü]+", "", text)
    return _WORD.findall(text)


def names_in_question(question: str) -> list[str]:
    words = _words(question)
    names: list[str] = []
    for index, word in enumerate(words):
        letters = re.sub(r"[^A-Za-zÇĞİÖŞÜçğıöşü]", "", word)
        has_digit = any(ch.isdigit() for ch in word)
        nxt = words[index + 1] if index + 1 < len(words) else ""
        if letters and _VERSION.match(nxt):
            names.append(f"{word} {nxt}")  # "claude 3.5", "llama 3.1"
            continue
        if len(letters) >= 3 and not has_digit and word[0].isupper() and _SIZE.match(nxt):
            names.append(f"{word} {nxt}")  # "Gemma 2B" (a model and its size)
            continue
        if not letters:
            continue
        if word.isupper() and len(letters) <= 2 and not has_digit:
            continue  # "GB", "TL", "HF": units and short abbreviations say too little
        if word.isupper() and not has_digit and nxt.isdigit():
            names.append(f"{word} {nxt}")  # "RTX 3060"
            continue
        if has_digit and letters[0] == word[0] and not re.fullmatch(r"\d+[.,]?\d*[A-Za-z]{1,3}", word):
            names.append(word)  # "H100", "Phi-3"; "8GB", "70B", "16K" are amounts, not names
        elif sum(ch.isupper() for ch in letters) >= 2 and len(letters) >= 2:
            names.append(word)  # "LoRA", "RAG", "LPU"
        elif index > 0 and word[0].isupper():
            names.append(word)  # "… ile Ollama"
        elif _NON_TURKISH_LETTERS.search(letters) or _fold(letters) in PRODUCT_NAMES:
            names.append(word)  # "qwen", "ollama"
    return names


def _vocabulary(texts: Iterable[str]) -> set[str]:
    vocab: set[str] = set()
    for text in texts:
        words = [_fold(w) for w in _words(text)]
        vocab.update(words)
        for word in _words(text):  # "Mixture-of-Experts" is also "experts"
            vocab.update(_fold(part) for part in re.split(r"[-.]", word) if part)
        vocab.update(a + b for a, b in zip(words, words[1:]))  # "LLaMA 3" -> "llama3"
    return vocab


def unknown_names(question: str, texts: Iterable[str]) -> list[str]:
    """Names in the question that neither the passages nor the glossary know."""
    names = names_in_question(question)
    if not names:
        return []
    from turkish.glossary import load_glossary

    vocab = _vocabulary(texts)
    glossary = load_glossary()
    unknown = []
    for name in names:
        key = _fold(name).replace(" ", "")
        if key in vocab:
            continue
        # A product spelled right is not a slip of another one: "ollama" is one letter from "llama".
        if key not in PRODUCT_NAMES and any(_close(key, word) for word in vocab):
            continue
        if glossary.expand(name).added:
            continue
        unknown.append(name)
    return unknown


def _close(name: str, word: str) -> bool:
    """Same name typed with a slip ("Mixtrl", "Falkon-40B", "Sonet"): one edit, two for long names."""
    if len(name) < 4:
        return False
    digits = re.sub(r"\D", "", name)
    if not digits and word.startswith(name):
        return True  # "GPT-Neo" of "GPT-Neo-125M"
    if len(name) - len(digits) < 4:
        return False  # "H100" is not "A100": too few letters to tell a slip from another name
    if digits != re.sub(r"\D", "", word) or abs(len(name) - len(word)) > 2:
        return False  # a slip in the letters only: "Phi-3" is not "Phi-2", "H100" not "H200"
    if digits and _after_digits(name) != _after_digits(word):
        return False  # a letter after the version is another model: "GPT-4o" is not "GPT-4"
    limit = 2 if len(name) >= 8 else 1
    return _edits(name, word, limit) <= limit


def _after_digits(name: str) -> str:
    return re.sub(r"^.*\d", "", name)


def _edits(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopping above `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
