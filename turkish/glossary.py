"""A small Turkish domain glossary for query expansion.

Students write "SLM" where the slides say "küçük dil modeli", "sağlık" where
a table says "Tıbbi", "ekran kartı" where the text says "GPU". No tokenizer or
multilingual embedding closed these gaps in our measurements, so the glossary
(kept as data in `turkish/data/glossary.json`, editable by the instructor)
lists groups of interchangeable terms. A query that mentions one term of a
group is expanded with the other terms of that group.

Matching works on prefix index terms (Turkish lowercase, ASCII fold, first 5
letters), so "SLM'lerin", "slm" and "sağlığa"/"saglik" all match.
Pure: reads only its bundled data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from turkish.tokenize import index_terms

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


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


class Glossary:
    """Groups of interchangeable terms; `expand(query)` adds the missing ones."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.groups = [[t.strip() for t in g if t.strip()] for g in groups]
        self.groups = [g for g in self.groups if len(g) > 1]
        # Terms are compared as prefix-term sequences, so inflections match.
        self._keys = [[tuple(index_terms(t, keep_stopwords=True)) for t in g] for g in self.groups]

    @classmethod
    def from_file(cls, path: Path) -> "Glossary":
        return cls.from_json(path.read_text(encoding="utf-8"))

    @classmethod
    def from_json(cls, text: str) -> "Glossary":
        data = json.loads(text)
        return cls([list(group["terms"]) for group in data.get("groups", [])])

    def expand(self, query: str) -> Expansion:
        query_terms = index_terms(query, keep_stopwords=True)
        matched: list[str] = []
        added: list[str] = []
        pairs: list[tuple[list[str], list[str]]] = []
        present = set(query_terms)
        for group, keys in zip(self.groups, self._keys):
            hits = [term for term, key in zip(group, keys) if _contains(query_terms, list(key))]
            if not hits:
                continue
            matched.extend(hits)
            group_added: list[str] = []
            for term, key in zip(group, keys):
                if term in hits or term in added:
                    continue
                # Skip phrases whose every term the query already has.
                if key and set(key) <= present:
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
