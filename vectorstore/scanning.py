"""Walk the course folder: what to index, and a Turkish note for everything left out.

The folder is instructor-controlled but not trusted blindly: a symlink may point
at the project's `.env`, a name may not be valid UTF-8, a subfolder may be
unreadable. Nothing is skipped silently: every entry that is not indexed gets a
note the ingest report shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vectorstore.loaders import is_supported
from vectorstore.secret_filter import is_env_like_name
from vectorstore.types import FileError

SYMLINK_OUTSIDE_NOTE = (
    "Bağlantı (symlink) bilgi klasörünün dışını gösteriyor; güvenlik için atlandı "
    "(izin vermek için FOLLOW_SYMLINKS=true)."
)
DANGLING_NOTE = "Bozuk bağlantı (symlink): hedefi yok; atlandı."
ENV_NOTE = "Ortam/gizli anahtar dosyası (.env benzeri); güvenlik için dizinlenmedi."
HIDDEN_NOTE = "Gizli dosya ya da klasör (adı nokta ile başlıyor); atlandı."
UNREADABLE_DIR_NOTE = "Klasör okunamadı (erişim izni yok); içindeki dosyalar atlandı."
LOOP_NOTE = "Klasör bağlantısı daha önce taranan bir klasörü gösteriyor (döngü); atlandı."
SPECIAL_NOTE = "Normal bir dosya değil (ör. soket ya da FIFO); atlandı."
NAME_NOTE = "Dosya adı geçerli UTF-8 değil; '{name}' olarak okundu."


def safe_name(name: str) -> str:
    """A printable, UTF-8-encodable form of a name the OS gave us.

    Python hands undecodable bytes over as lone surrogates (surrogateescape),
    which Chroma, SQLite, JSON and Streamlit all refuse. Turkish Windows tools
    write cp1254, so that is tried first; anything else is shown as `\\xNN`.
    """
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1254")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


@dataclass
class ScannedFile:
    path: Path
    source: str  # relative POSIX path, always valid UTF-8


@dataclass
class FolderScan:
    supported: list[ScannedFile] = field(default_factory=list)
    others: list[ScannedFile] = field(default_factory=list)
    notes: list[FileError] = field(default_factory=list)


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def scan_folder(root: Path, follow_symlinks: bool = False) -> FolderScan:
    """Supported and other files under `root` (sorted), plus notes for skipped entries."""
    scan = FolderScan()
    if not root.is_dir():
        return scan
    real_root = os.path.realpath(root)
    visited = {real_root}

    def walk(folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError:
            scan.notes.append(FileError(safe_name(prefix.rstrip("/")) or ".", UNREADABLE_DIR_NOTE))
            return
        for entry in entries:
            relative = prefix + entry.name
            source = safe_name(relative)
            if source != relative:
                scan.notes.append(FileError(source, NAME_NOTE.format(name=source)))
            if is_env_like_name(entry.name):
                scan.notes.append(FileError(source, ENV_NOTE))
                continue
            if entry.name.startswith((".", "~$")):
                scan.notes.append(FileError(source, HIDDEN_NOTE))
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not os.path.exists(target):
                    scan.notes.append(FileError(source, DANGLING_NOTE))
                    continue
                if not follow_symlinks and not _inside(target, real_root):
                    scan.notes.append(FileError(source, SYMLINK_OUTSIDE_NOTE))
                    continue
                if is_env_like_name(os.path.basename(target)):
                    scan.notes.append(FileError(source, ENV_NOTE))
                    continue
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                scan.notes.append(FileError(source, SPECIAL_NOTE))
                continue
            if is_dir:
                real = os.path.realpath(path)
                if real in visited:
                    scan.notes.append(FileError(source, LOOP_NOTE))
                    continue
                visited.add(real)
                walk(path, relative + "/")
            elif is_file:
                (scan.supported if is_supported(path) else scan.others).append(ScannedFile(path, source))
            else:
                scan.notes.append(FileError(source, SPECIAL_NOTE))

    walk(root, "")
    scan.supported.sort(key=lambda f: f.source)
    scan.others.sort(key=lambda f: f.source)
    return scan
