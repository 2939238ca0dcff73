"""Plain data passed between the knowledge index, the retriever and the tutor.

These are the contract between layers: the tutor and the app only see these,
never Chroma or LangChain documents.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk of a course document."""

    text: str
    source: str  # path relative to KNOWLEDGE_DIR, POSIX separators
    section: str  # heading path, e.g. "Yapay Zeka Modelleri > Bellek Hesaplama Formülü"
    title: str = ""
    page: int | None = None
    slide: int | None = None
    score: float = 0.0
    chunk_id: str = ""

    def location(self) -> str:
        """Human citation label: file, section and page or slide when known."""
        parts = [self.source]
        if self.section:
            parts.append(self.section)
        if self.page is not None:
            parts.append(f"sayfa {self.page}")
        if self.slide is not None:
            parts.append(f"slayt {self.slide}")
        return " — ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SearchResponse:
    """Ranked passages plus a signal for questions the course does not cover."""

    query: str
    passages: list[Passage]
    # 0..1: how much of the query the best passage covers lexically (normalized
    # by the query's maximum possible score). Low means likely off-topic.
    coverage: float = 1.0
    off_topic: bool = False
    expanded_query: str = ""
    # 0..1: the signal `off_topic` is decided on (lexical coverage mixed with
    # semantic similarity when the retriever has it); equals coverage otherwise.
    relevance: float = 1.0
    # Course words searched for question words the course never uses ("ufak" -> "küçük"),
    # from `vectorstore.word_neighbors`; the offline composer matches them like glossary terms.
    neighbor_words: tuple[str, ...] = ()


class Retriever(Protocol):
    def search(self, query: str, k: int | None = None) -> SearchResponse: ...


@dataclass
class FileError:
    file: str
    error: str  # Turkish, for the instructor


@dataclass
class IngestReport:
    files: int = 0  # files indexed after this run (added + updated + skipped)
    chunks: int = 0  # chunks in the collection after this run
    added: int = 0  # new files (a renamed file counts as added + deleted)
    updated: int = 0  # changed files: exactly their chunks were replaced
    skipped: int = 0  # unchanged files: no loading, no embeddings
    deleted: int = 0  # files gone from the folder: their chunks removed
    errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DocumentInfo:
    source: str
    chunks: int
    bytes: int
    indexed_at: str  # ISO 8601, UTC
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
