"""How CLI commands open the knowledge store and report storage failures.

Read-only commands (search, documents, ask) wait a bounded time (STORE_WAIT_S)
for a store another process holds, instead of failing at once; storage failures
(disk full, unwritable STORAGE_DIR) end in a Turkish message, never a traceback.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from ders_asistani.output import fail

if TYPE_CHECKING:
    from ders_asistani.settings import Settings
    from vectorstore.knowledge_base import KnowledgeBase

_DISK_FULL_MARKERS = ("database or disk is full", "no space left on device")
_READ_ONLY_MARKERS = ("readonly database", "read-only file system", "unable to open database file")
RETRY_PAUSE_S = 1.0
ATTEMPT_TIMEOUT_S = 0.2


def storage_problem(exc: BaseException, settings: "Settings") -> str | None:
    """A Turkish message when `exc` is a storage failure, else None."""
    text = str(exc).lower()
    number = getattr(exc, "errno", None)
    if number == errno.ENOSPC or any(marker in text for marker in _DISK_FULL_MARKERS):
        return (
            f"Disk dolu: bilgi deposu (STORAGE_DIR={settings.storage_dir}) yazılamadı. "
            "Yer açıp komutu tekrar çalıştırın; dizin bozulmadı, yarım kalan dosyalar bir sonraki "
            "indekslemede tamamlanır."
        )
    if (
        isinstance(exc, (PermissionError, NotADirectoryError, FileExistsError))
        or number in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOTDIR)
        or any(marker in text for marker in _READ_ONLY_MARKERS)
    ):
        return (
            f"Depolama klasörüne yazılamıyor (STORAGE_DIR={settings.storage_dir}): klasörün var olduğunu, "
            "bir dosya olmadığını ve yazma izniniz olduğunu kontrol edin."
        )
    return None


@contextmanager
def storage_errors(settings: "Settings") -> Iterator[None]:
    """Turn storage failures inside the block into a Turkish `fail`."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - only storage failures are translated
        message = storage_problem(exc, settings)
        if message is None:
            raise
        fail(message)


def open_waiting(settings: "Settings", wait_s: float | None = None) -> "KnowledgeBase":
    """A KnowledgeBase whose store is open, waiting up to STORE_WAIT_S if it is busy."""
    from vectorstore.knowledge_base import KnowledgeBase
    from vectorstore.store import StoreBusyError, StoreUnavailableError

    wait = settings.store_wait_s if wait_s is None else wait_s
    kb = KnowledgeBase(settings)
    deadline: float | None = None  # counted from the first busy answer, not from model loading
    with storage_errors(settings):
        while True:
            try:
                kb.open_store(owner_lock_timeout=ATTEMPT_TIMEOUT_S)  # takes the embedded store's owner lock
                return kb
            except StoreUnavailableError as exc:
                fail(str(exc))
            except StoreBusyError as exc:
                if deadline is None:
                    deadline = time.monotonic() + max(wait, 0.0)
                    typer.echo(
                        f"Bilgi deposu başka bir süreç tarafından kullanılıyor; en çok {wait:g} sn bekleniyor...",
                        err=True,
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    fail(f"{exc} ({wait:g} sn beklendi; STORE_WAIT_S)")
                time.sleep(min(RETRY_PAUSE_S, remaining))

