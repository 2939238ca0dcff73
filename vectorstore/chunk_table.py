"""The chunks of a search snapshot as flat arrays: ids, texts and metadata.

A search reads a handful of chunks (the passages it returns) and looks up
~50 ids (Chroma's dense hits), so chunks are decoded when asked for instead
of being 10,000 StoredChunk objects with a metadata dict each. The texts live
here once: the lexical index and the vector caches keep no copy.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterator, Mapping, Sequence

import numpy as np

from vectorstore.string_table import StringIndex, StringList

if TYPE_CHECKING:
    from turkish.definitions import Terms
    from vectorstore.store import StoredChunk


class ChunkTable(Sequence["StoredChunk"]):
    """Read-only sequence of StoredChunk, decoded one at a time."""

    def __init__(self, ids: StringIndex, texts: StringList, metadata: StringList) -> None:
        if not len(ids) == len(texts) == len(metadata):
            raise ValueError("chunk ids, texts and metadata differ in length")
        self.positions = ids  # id -> position: `.get(chunk_id)` like a dict
        self.ids = ids.strings
        self.texts = texts
        self._metadata = metadata

    @classmethod
    def build(cls, chunks: Sequence["StoredChunk"]) -> "ChunkTable":
        return cls(
            StringIndex.build(StringList.build(c.id for c in chunks)),
            StringList.build(c.text for c in chunks),
            StringList.build(json.dumps(c.metadata, ensure_ascii=False, sort_keys=True) for c in chunks),
        )

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> "StoredChunk":  # type: ignore[override]
        from vectorstore.store import StoredChunk

        return StoredChunk(id=self.ids[i], text=self.texts[i], metadata=json.loads(self._metadata[i]))

    def __iter__(self) -> Iterator["StoredChunk"]:
        from vectorstore.store import StoredChunk

        for chunk_id, text, meta in zip(self.ids, self.texts, self._metadata):
            yield StoredChunk(id=chunk_id, text=text, metadata=json.loads(meta))

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {
            **self.positions.arrays(f"{name}.ids"),
            **self.texts.arrays(f"{name}.texts"),
            **self._metadata.arrays(f"{name}.metadata"),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str) -> "ChunkTable":
        return cls(
            StringIndex.from_arrays(arrays, f"{name}.ids"),
            StringList.from_arrays(arrays, f"{name}.texts"),
            StringList.from_arrays(arrays, f"{name}.metadata"),
        )


# What each chunk defines (`turkish.definitions`): most chunks define nothing,
# so only the defining ones are stored, each subject as its terms joined by "\n".
def definitions_arrays(definitions: Sequence[Sequence["Terms"]], name: str) -> dict[str, np.ndarray]:
    defining = [i for i, subjects in enumerate(definitions) if subjects]
    subjects = [sorted(terms) for i in defining for terms in definitions[i]]
    counts = [len(definitions[i]) for i in defining]
    starts = np.zeros(len(defining) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return {
        f"{name}.positions": np.array(defining, dtype=np.int64),
        f"{name}.starts": starts,
        **StringList.build("\n".join(terms) for terms in subjects).arrays(f"{name}.subjects"),
    }


class Definitions(Sequence[list["Terms"]]):
    """What each chunk defines, decoded on first use (most searches are not definition
    questions, and decoding thousands of subjects at load was a third of the load time)."""

    def __init__(self, positions: np.ndarray, starts: np.ndarray, subjects: StringList, size: int) -> None:
        if len(starts) != len(positions) + 1 or int(starts[-1]) != len(subjects):
            raise ValueError("definition arrays do not fit together")
        if len(positions) and (int(positions.min()) < 0 or int(positions.max()) >= size):
            raise ValueError("definition positions outside the chunks")
        self._positions, self._starts, self._subjects, self._size = positions, starts, subjects, size
        self._decoded: list[list["Terms"]] | None = None

    def _all(self) -> list[list["Terms"]]:
        decoded = self._decoded
        if decoded is None:  # two threads may both decode: same result, no lock needed
            subjects = list(self._subjects)
            decoded = [[] for _ in range(self._size)]
            bounds = self._starts.tolist()
            for position, start, end in zip(self._positions.tolist(), bounds, bounds[1:]):
                decoded[position] = [frozenset(s.split("\n")) for s in subjects[start:end]]
            self._decoded = decoded
        return decoded

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int) -> list["Terms"]:  # type: ignore[override]
        return self._all()[i]

    def __iter__(self) -> Iterator[list["Terms"]]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


def definitions_from_arrays(arrays: Mapping[str, np.ndarray], name: str, size: int) -> Definitions:
    return Definitions(
        arrays[f"{name}.positions"], arrays[f"{name}.starts"], StringList.from_arrays(arrays, f"{name}.subjects"), size
    )
