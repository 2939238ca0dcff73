"""Safe handling of the instructor's uploads and deletions in KNOWLEDGE_DIR.

Rules: only course document types, a size limit, sanitized names (no folders,
no traversal, no hidden or control characters), and nothing is overwritten
unless the caller says so explicitly. Writes are atomic, so a half-written
file is never indexed.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ALLOWED_EXTENSIONS: tuple[str, ...] = (".md", ".markdown", ".txt", ".pdf", ".docx", ".pptx", ".html", ".htm")
MAX_NAME_CHARS = 120

# Magic numbers of the binary formats, so a renamed executable is refused.
_ZIP_MAGIC = b"PK\x03\x04"
_PDF_MAGIC = b"%PDF"
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_UNSAFE_CHARS = re.compile(r"[^\w.\- ()]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


class UploadError(ValueError):
    """A refused upload; the message is Turkish and meant for the instructor."""


class UploadExistsError(UploadError):
    """The target exists and replacing it was not confirmed."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"'{name}' zaten var. Üzerine yazmak için 'Var olan dosyaların üzerine yaz' seçeneğini işaretleyin."
        )
        self.name = name


@dataclass(frozen=True)
class SavedUpload:
    name: str
    path: Path
    replaced: bool
    bytes: int


def sanitize_filename(raw_name: str) -> str:
    """A safe plain file name from whatever the browser sent, or UploadError."""
    # Browsers may send a path (old IE sent C:\\...): keep only the last part.
    name = raw_name.replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_CHARS.sub("-", name)
    name = _SPACES.sub(" ", name).strip(" .-")
    if not name or name in {".", ".."}:
        raise UploadError("Dosya adı geçersiz.")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if len(name) > MAX_NAME_CHARS:
        keep = MAX_NAME_CHARS - len(ext) - 1
        name = f"{stem[:keep].rstrip(' .-')}.{ext}" if ext else name[:MAX_NAME_CHARS]
        stem = name.rpartition(".")[0] if ext else name
    if stem.lower() in _WINDOWS_RESERVED:
        name = f"_{name}"
    return name


def check_upload(raw_name: str, data: bytes, max_mb: float) -> str:
    """Validate type, size and content of one upload; return its sanitized name."""
    name = sanitize_filename(raw_name)
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(ALLOWED_EXTENSIONS)
        raise UploadError(f"'{name}': bu dosya türü desteklenmiyor. İzin verilen türler: {allowed}.")
    if not data:
        raise UploadError(f"'{name}' boş.")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"'{name}' çok büyük ({len(data) / 1024 / 1024:.1f} MB). Sınır: {max_mb:g} MB.")
    if extension == ".pdf" and not data.startswith(_PDF_MAGIC):
        raise UploadError(f"'{name}' geçerli bir PDF dosyası değil.")
    if extension in (".docx", ".pptx") and not data.startswith(_ZIP_MAGIC):
        raise UploadError(f"'{name}' geçerli bir {extension[1:].upper()} dosyası değil.")
    if extension in (".md", ".markdown", ".txt", ".html", ".htm") and b"\x00" in data[:8192]:
        raise UploadError(f"'{name}' metin dosyası gibi görünmüyor.")
    return name


def _inside(folder: Path, candidate: Path) -> Path:
    root = folder.resolve()
    target = candidate.resolve()
    if target == root or not target.is_relative_to(root):
        raise UploadError("Dosya yolu bilgi tabanı klasörünün dışına çıkıyor.")
    return target


def save_upload(
    knowledge_dir: Path,
    raw_name: str,
    data: bytes,
    *,
    max_mb: float,
    overwrite: bool = False,
) -> SavedUpload:
    """Write one upload into KNOWLEDGE_DIR atomically; refuse to replace unless `overwrite`."""
    name = check_upload(raw_name, data, max_mb)
    knowledge_dir.mkdir(parents=True, exist_ok=True)
    target = _inside(knowledge_dir, knowledge_dir / name)
    if target.is_symlink():
        raise UploadError(f"'{name}' bir bağlantı (symlink); değiştirilemez.")
    existed = target.exists()
    if existed and not overwrite:
        raise UploadExistsError(name)
    handle, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        if overwrite:
            os.replace(temp_name, target)
        else:
            # link() fails if the name appeared meanwhile: no silent overwrite even in a race.
            try:
                os.link(temp_name, target)
            except FileExistsError:
                raise UploadExistsError(name) from None
            os.unlink(temp_name)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
    return SavedUpload(name=name, path=target, replaced=existed, bytes=len(data))


def delete_document(knowledge_dir: Path, relative_source: str) -> Path:
    """Remove one course file given its path relative to KNOWLEDGE_DIR."""
    if not relative_source or relative_source.startswith(("/", "\\")) or ".." in Path(relative_source).parts:
        raise UploadError("Dosya yolu geçersiz.")
    target = _inside(knowledge_dir, knowledge_dir / relative_source)
    if not target.is_file():
        # The listing shows names that are not valid UTF-8 decoded (see safe_name):
        # map such a display name back to the real file.
        target = _on_disk_by_display_name(knowledge_dir).get(relative_source, target)
    if not target.is_file():
        raise UploadError(f"'{relative_source}' bulunamadı.")
    target.unlink()
    return target


def _on_disk_by_display_name(knowledge_dir: Path) -> dict[str, Path]:
    from vectorstore.scanning import safe_name

    if not knowledge_dir.is_dir():
        return {}
    return {
        safe_name(path.relative_to(knowledge_dir).as_posix()): path
        for path in knowledge_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in ALLOWED_EXTENSIONS
        and not any(part.startswith(".") for part in path.relative_to(knowledge_dir).parts)
    }


def list_course_files(knowledge_dir: Path) -> list[Path]:
    """Course files on disk (relative paths, printable: the names ingest reports)."""
    return sorted(Path(name) for name in _on_disk_by_display_name(knowledge_dir))
