"""Many strings as a few flat arrays: what the saved search snapshot is made of.

A list of 10,000 chunk texts or a dict of 300,000 BM25 terms costs as many
Python objects to load as it has entries (a third of a second on an idle
two-core machine, over a second on a busy one). Here the strings are one
UTF-8 byte array plus offsets, and a lookup by value goes through a sorted
array of 64-bit hashes (`np.searchsorted`), so loading them is mapping a
file, and each search decodes only the few strings it touches.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np

Arrays = dict[str, np.ndarray]


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # chunk texts may carry what a file held


def _hash(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


class StringList(Sequence[str]):
    """Immutable strings in one byte array; item i is decoded when asked for."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets
        self._size = max(0, len(offsets) - 1)

    @classmethod
    def build(cls, strings: Iterable[str]) -> "StringList":
        encoded = [_encode(s) for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return self._size

    def raw(self, i: int) -> bytes:
        start, end = self._offsets[i : i + 2].tolist()
        return self._blob[start:end].tobytes()

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if not isinstance(i, (int, np.integer)):
            raise TypeError("StringList indices are integers")
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(i)
        return self.raw(int(i)).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        blob = self._blob.tobytes()
        bounds = self._offsets.tolist()
        for start, end in zip(bounds, bounds[1:]):
            yield blob[start:end].decode("utf-8", "surrogatepass")

    def arrays(self, name: str) -> Arrays:
        return {f"{name}.blob": self._blob, f"{name}.offsets": self._offsets}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str) -> "StringList":
        blob, offsets = arrays[f"{name}.blob"], arrays[f"{name}.offsets"]
        if blob.dtype != np.uint8 or offsets.dtype != np.int64 or offsets.ndim != 1 or not len(offsets):
            raise ValueError(f"{name}: not a string list")
        if int(offsets[0]) != 0 or int(offsets[-1]) != len(blob) or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{name}: offsets do not fit the bytes")
        return cls(blob, offsets)


class StringIndex:
    """Position of a string in a StringList without a dict of all of them."""

    def __init__(self, strings: StringList, hashes: np.ndarray, order: np.ndarray) -> None:
        self.strings = strings
        self._hashes = hashes  # sorted
        self._order = order  # _order[j]: position of the string with the j-th smallest hash

    @classmethod
    def build(cls, strings: StringList) -> "StringIndex":
        hashes = np.fromiter((_hash(strings.raw(i)) for i in range(len(strings))), dtype=np.uint64, count=len(strings))
        order = np.argsort(hashes, kind="stable").astype(np.int64)
        return cls(strings, hashes[order], order)

    def find(self, text: str) -> int:
        """Position of `text`, -1 when absent."""
        data = _encode(text)
        key = np.uint64(_hash(data))
        j = int(np.searchsorted(self._hashes, key))
        while j < len(self._hashes) and self._hashes[j] == key:
            position = int(self._order[j])
            if self.strings.raw(position) == data:
                return position
            j += 1  # a 64-bit collision: the next one with the same hash
        return -1

    def get(self, text: str, default: int | None = None) -> int | None:
        position = self.find(text)
        return default if position < 0 else position

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.find(text) >= 0

    def __len__(self) -> int:
        return len(self.strings)

    def arrays(self, name: str) -> Arrays:
        return {**self.strings.arrays(name), f"{name}.hashes": self._hashes, f"{name}.order": self._order}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str) -> "StringIndex":
        strings = StringList.from_arrays(arrays, name)
        hashes, order = arrays[f"{name}.hashes"], arrays[f"{name}.order"]
        if hashes.dtype != np.uint64 or order.dtype != np.int64 or len(hashes) != len(strings) or len(order) != len(strings):
            raise ValueError(f"{name}: lookup arrays do not fit the strings")
        return cls(strings, hashes, order)


class StringMap(Mapping[str, str]):
    """A read-only str -> str mapping over two string lists (e.g. the diacritic spellings)."""

    def __init__(self, keys: StringIndex, values: StringList) -> None:
        if len(keys) != len(values):
            raise ValueError("keys and values differ in length")
        self._keys = keys
        self._values = values

    @classmethod
    def build(cls, mapping: Mapping[str, str]) -> "StringMap":
        return cls(StringIndex.build(StringList.build(mapping)), StringList.build(mapping.values()))

    def __getitem__(self, key: str) -> str:
        position = self._keys.find(key)
        if position < 0:
            raise KeyError(key)
        return self._values[position]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys.strings)

    def arrays(self, name: str) -> Arrays:
        return {**self._keys.arrays(f"{name}.keys"), **self._values.arrays(f"{name}.values")}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str) -> "StringMap":
        return cls(StringIndex.from_arrays(arrays, f"{name}.keys"), StringList.from_arrays(arrays, f"{name}.values"))


def ragged(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(flat values, row starts with a final end) of integer rows: a CSR without the matrix."""
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=starts[1:])
    flat = np.fromiter((v for r in rows for v in r), dtype=np.int64, count=int(starts[-1]))
    return flat, starts
