"""Named numpy arrays plus a small JSON header in one file, loaded by mapping it.

Loading maps the file read-only and views each array in place (no copy, no
Python object per element), so the cost does not grow with the number of
chunks or terms; pages are read when a search touches them. Unlike a pickle,
reading it runs no code from the file, and only plain numeric dtypes are
accepted.

Layout: 8-byte magic, 8-byte little-endian header length, the UTF-8 JSON
header {"meta": ..., "arrays": {name: [dtype, shape, offset]}}, then the
arrays' bytes, each at a 64-byte aligned offset. Writes go to a temporary
file renamed over the old one: a reader that mapped the old file keeps it
(POSIX; where a mapped file cannot be replaced the save fails, is logged by
the caller, and the next first search builds instead).
"""

from __future__ import annotations

import json
import mmap
import os
import threading
from pathlib import Path
from typing import Any, Mapping

import numpy as np

MAGIC = b"DASFLAT1"
_ALIGN = 64
_DTYPES = {"uint8", "int32", "int64", "uint64", "float32", "float64"}


def _pad(size: int) -> int:
    return -size % _ALIGN


def save(path: Path, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write atomically (temporary file + rename); raises OSError and ValueError."""
    layout: dict[str, list[Any]] = {}
    prepared: list[np.ndarray] = []
    offset = 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.name not in _DTYPES:
            raise ValueError(f"{name}: dtype {array.dtype} is not storable")
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        layout[name] = [array.dtype.name, list(array.shape), offset]
        prepared.append(array)
        offset += array.nbytes + _pad(array.nbytes)
    header = json.dumps({"meta": dict(meta), "arrays": layout}, ensure_ascii=False).encode("utf-8")
    start = 16 + len(header)
    start += _pad(start)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(MAGIC + len(header).to_bytes(8, "little") + header)
            handle.write(b"\0" * (start - 16 - len(header)))
            for array in prepared:
                handle.write(memoryview(array).cast("B"))
                handle.write(b"\0" * _pad(array.nbytes))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, read-only arrays); raises FileNotFoundError, or ValueError for a file that is not one."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 16:
            raise ValueError("too short")
        buffer: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if buffer[:8] != MAGIC:
        raise ValueError("not a flat-array file")
    length = int.from_bytes(buffer[8:16], "little")
    if 16 + length > size:
        raise ValueError("header runs past the end")
    header = json.loads(bytes(buffer[16 : 16 + length]).decode("utf-8"))
    start = 16 + length
    start += _pad(start)
    arrays: dict[str, np.ndarray] = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        if dtype not in _DTYPES:
            raise ValueError(f"{name}: dtype {dtype}")
        kind = np.dtype(dtype).newbyteorder("<")
        count = int(np.prod(shape, dtype=np.int64))
        if offset < 0 or count < 0 or start + offset + count * kind.itemsize > size:
            raise ValueError(f"{name}: runs past the end")
        arrays[name] = np.frombuffer(buffer, dtype=kind, count=count, offset=start + offset).reshape(shape)
    return header["meta"], arrays
