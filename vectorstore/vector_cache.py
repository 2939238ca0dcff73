"""A dict of named vectors saved as one .npz file (e5 passages, course words).

Only a cache: a missing or broken file means "compute again", and writes are
atomic (temporary file + rename) so a crash never leaves half a file behind.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Mapping

import numpy as np

logger = logging.getLogger(__name__)


def load_vectors(path: Path, key_field: str, label: str) -> dict[str, np.ndarray]:
    """The saved vectors by key; {} when the file is missing or unreadable (logged)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, matrix = data[key_field], data["vectors"]
        return {str(key): vector.astype(np.float32) for key, vector in zip(keys.tolist(), matrix)}
    except FileNotFoundError:
        return {}
    except Exception as exc:  # noqa: BLE001 - a broken cache is only slower
        logger.warning("%s önbelleği okunamadı (%s); yeniden hesaplanacak.", label, exc)
        return {}


def save_vectors(path: Path, key_field: str, vectors: Mapping[str, np.ndarray], label: str) -> None:
    """Write all `vectors` atomically; failures are logged, never raised."""
    keys = list(vectors)
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, 1), np.float32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        np.savez(tmp, **{key_field: np.array(keys)}, vectors=matrix)
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("%s önbelleği yazılamadı: %s", label, exc)
