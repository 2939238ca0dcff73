"""A small Turkish domain glossary for query expansion.

Students write "SLM" where the slides say "küçük dil modeli", "sağlık" where
a table says "Tıbbi", "ekran kartı" where the text says "GPU". No tokenizer or
multilingual embedding closed these gaps in our measurements, so the glossary
(kept as data in `turkish/data/glossary.json`, editable by the instructor)
lists groups of interchangeable terms. A query that mentions one term of a
group is expanded with the other terms of that group.

Matching works on normalized words (Turkish lowercase, ASCII fold) compared
as stems, so "SLM'lerin", "slm", "sağlığa"/"saglik" and "EKRAN KARTLARI" all
match, while short words like "para" never match "parametre".
Pure: reads only its bundled data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from turkish.tokenize import tokens

DEFAULT_GLOSSARY = "glossary.json"


@dataclass(frozen=True)
class Expansion:
    """What a query matched and which phrases it gained."""

    query: str
    matched: list[str] = field(default_factory=list)  # glossary terms found in the query
    added: list[str] = field(default_factory=list)  # other terms of the matched groups
    # One (matched terms, added terms) pair per matched group.
    groups: list[tuple[list[str], list[str]]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The query followed by the added phrases (for display and lexical search)."""
        return " ".join([self.query, *self.added]) if self.added else self.query


def _token_key(token: str) -> tuple[bool, str]:
    """How a glossary word matches a typed word: (is_prefix, text).

    Short words ("GPU", "RAM", "para") must match exactly, so "para" never
    matches "parametre". Longer words match as a stem: all but the last letter,
    at most 5 letters, so "kartı" matches "kartları" and "sağlık" "sağlığa".
    Words of ten letters or more keep all but their last four: five letters
    of "kuantizasyon" would also be the stem of "kuantum".
    """
    if len(token) <= 4:
        return False, token
    return True, token[: min(max(5, len(token) - 4), len(token) - 1)]


def _matches(key: tuple[bool, str], token: str) -> bool:
    is_prefix, text = key
    return token.startswith(text) if is_prefix else token == text


def _contains(haystack: list[str], needle: list[tuple[bool, str]]) -> bool:
    n = len(needle)
    return n > 0 and any(
        all(_matches(key, tok) for key, tok in zip(needle, haystack[i : i + n]))
        for i in range(len(haystack) - n + 1)
    )


class Glossary:
    """Groups of interchangeable terms; `expand(query)` adds the missing ones."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.groups = [[t.strip() for t in g if t.strip()] for g in groups]
        self.groups = [g for g in self.groups if len(g) > 1]
        # Terms are compared as word-stem sequences, so inflections match.
        self._keys = [[[_token_key(tok) for tok in tokens(t)] for t in g] for g in self.groups]

    @classmethod
    def from_file(cls, path: Path) -> "Glossary":
        return cls.from_json(path.read_text(encoding="utf-8"))

    @classmethod
    def from_json(cls, text: str) -> "Glossary":
        data = json.loads(text)
        return cls([list(group["terms"]) for group in data.get("groups", [])])

    def expand(self, query: str) -> Expansion:
        query_tokens = tokens(query)
        matched: list[str] = []
        added: list[str] = []
        pairs: list[tuple[list[str], list[str]]] = []
        for group, keys in zip(self.groups, self._keys):
            hits = [term for term, key in zip(group, keys) if _contains(query_tokens, key)]
            if not hits:
                continue
            matched.extend(hits)
            group_added: list[str] = []
            for term, key in zip(group, keys):
                if term in hits or term in added:
                    continue
                # Skip phrases whose every word the query already has.
                if key and all(any(_matches(k, tok) for tok in query_tokens) for k in key):
                    continue
                group_added.append(term)
            added.extend(group_added)
            pairs.append((hits, group_added))
        return Expansion(query=query, matched=matched, added=added, groups=pairs)


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    """The bundled course glossary (cached)."""
    text = resources.files("turkish").joinpath("data", DEFAULT_GLOSSARY).read_text(encoding="utf-8")
    return Glossary.from_json(text)
