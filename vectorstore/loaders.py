"""Read course files into repaired text, one part per page or slide.

Supported: .md, .markdown, .txt, .pdf (page numbers kept), .docx,
.pptx (slide numbers kept), .html/.htm. A file that cannot be read raises
`LoadError` with a Turkish reason; callers report it and go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from turkish.encoding import NotTextError, decode_bytes
from turkish.repair import mojibake_residue, repair_text
from vectorstore.secret_filter import looks_like_env_file

TEXT_EXTENSIONS = {".md", ".markdown", ".txt"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | {".pdf", ".docx", ".pptx", ".html", ".htm"}


class LoadError(Exception):
    """A file could not be loaded; `str(error)` is a Turkish reason."""


@dataclass
class DocumentPart:
    text: str
    page: int | None = None
    slide: int | None = None
    heading: str = ""  # e.g. a slide title, used as the section prefix


@dataclass
class LoadedDocument:
    source: str  # relative POSIX path
    title: str
    parts: list[DocumentPart]
    size: int
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def _title_from_text(text: str) -> str:
    for line in text.splitlines():
        match = re.match(r"^#\s+(.+)$", line.strip())
        if match:
            from vectorstore.chunking import clean_heading

            return clean_heading(match.group(1))
    return ""


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"Dosya okunamadı: {exc.strerror or exc}") from exc
    if size == 0:
        raise LoadError("Dosya boş.")
    if size > max_bytes:
        raise LoadError(
            f"Dosya çok büyük ({size / 1_048_576:.1f} MB; sınır {max_bytes / 1_048_576:.0f} MB, MAX_FILE_MB)."
        )
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise LoadError("Dosya okunamadı: erişim izni yok.") from exc
    except OSError as exc:
        raise LoadError(f"Dosya okunamadı: {exc.strerror or exc}") from exc


def _load_text(data: bytes) -> tuple[list[DocumentPart], str]:
    try:
        decoded = decode_bytes(data)
    except NotTextError as exc:
        raise LoadError("Dosya metin içermiyor (ikili/bozuk içerik).") from exc
    return [DocumentPart(decoded.text)], decoded.encoding


def _load_pdf(data: bytes) -> list[DocumentPart]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("PDF şifreli; metin çıkarılamadı.")
        parts = []
        for number, page in enumerate(reader.pages, start=1):
            parts.append(DocumentPart(page.extract_text() or "", page=number))
        return parts
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"PDF okunamadı (bozuk dosya): {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on junk
        raise LoadError(f"PDF okunamadı (bozuk dosya): {exc}") from exc


def _load_docx(data: bytes) -> list[DocumentPart]:
    import io

    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of all kinds
        raise LoadError(f"Word belgesi okunamadı (bozuk dosya): {exc}") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        level = re.search(r"(?:heading|başlık)\s*(\d)", style)
        if style == "title":
            lines.append(f"# {text}")
        elif level:
            lines.append(f"{'#' * min(int(level.group(1)) + 1, 6)} {text}")
        else:
            lines.append(text)
        lines.append("")
    for table in document.tables:
        for row_number, row in enumerate(table.rows):
            cells = [cell.text.strip().replace("|", "/") for cell in row.cells]
            lines.append("| " + " | ".join(cells) + " |")
            if row_number == 0:
                lines.append("|" + "---|" * len(cells))
        lines.append("")
    return [DocumentPart("\n".join(lines))]


def _load_pptx(data: bytes) -> list[DocumentPart]:
    import io

    try:
        from pptx import Presentation

        presentation = Presentation(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        raise LoadError(f"PowerPoint sunumu okunamadı (bozuk dosya): {exc}") from exc
    parts = []
    for number, slide in enumerate(presentation.slides, start=1):
        title = ""
        if slide.shapes.title is not None and slide.shapes.title.has_text_frame:
            title = slide.shapes.title.text_frame.text.strip()
        lines: list[str] = []
        for shape in slide.shapes:
            if shape == slide.shapes.title:
                continue
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                for paragraph in shape.text_frame.paragraphs:
                    text = "".join(run.text for run in paragraph.runs).strip()
                    if text:
                        lines.append(text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    lines.append("| " + " | ".join(cell.text.strip() for cell in row.cells) + " |")
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
            if notes:
                lines.append(notes)
        body = "\n".join(lines)
        text = f"{title}\n\n{body}" if title else body
        parts.append(DocumentPart(text, slide=number, heading=title))
    return parts


def _load_html(data: bytes) -> tuple[list[DocumentPart], str, str]:
    from bs4 import BeautifulSoup

    try:
        decoded = decode_bytes(data)
    except NotTextError as exc:
        raise LoadError("HTML dosyası metin içermiyor (ikili/bozuk içerik).") from exc
    soup = BeautifulSoup(decoded.text, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    lines: list[str] = []
    body = soup.body or soup
    for element in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr"]):
        if element.find_parent(["pre"]) is not None:
            continue
        if element.name == "li" and element.find(["p"]) is not None:
            continue
        if element.name == "pre":
            lines.append("```\n" + element.get_text().rstrip() + "\n```")
        elif element.name.startswith("h"):
            lines.append("#" * int(element.name[1]) + " " + element.get_text(" ", strip=True))
        elif element.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in element.find_all(["td", "th"])]
            lines.append("| " + " | ".join(cells) + " |")
            continue
        elif element.name == "li":
            lines.append("- " + element.get_text(" ", strip=True))
            continue
        else:
            lines.append(element.get_text(" ", strip=True))
        lines.append("")
    return [DocumentPart("\n".join(lines))], title, decoded.encoding


ENV_CONTENT_ERROR = "Dosya .env benzeri ayar/anahtar satırları içeriyor; güvenlik için dizinlenmedi."


def load_document(path: Path, root: Path, max_file_mb: float, source: str | None = None) -> LoadedDocument:
    """Read, decode and repair one file; raise LoadError with a Turkish reason."""
    source = source or path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoadError(f"Desteklenmeyen dosya türü ({suffix or 'uzantısız'}); atlandı.")
    data = _read_bytes(path, int(max_file_mb * 1_048_576))
    encoding = ""
    title = ""
    if suffix in TEXT_EXTENSIONS:
        parts, encoding = _load_text(data)
    elif suffix == ".pdf":
        parts = _load_pdf(data)
    elif suffix == ".docx":
        parts = _load_docx(data)
    elif suffix == ".pptx":
        parts = _load_pptx(data)
    else:
        parts, title, encoding = _load_html(data)

    repairs: list[str] = []
    if encoding and encoding not in ("utf-8", "ascii"):
        repairs.append(f"Karakter kodlaması {encoding} olarak algılandı ve UTF-8'e çevrildi")
    repaired_parts = []
    for part in parts:
        result = repair_text(part.text)
        for note in result.repairs:
            if note not in repairs:
                repairs.append(note)
        repaired_parts.append(DocumentPart(result.text, part.page, part.slide, repair_text(part.heading).text))

    full_text = "\n".join(p.text for p in repaired_parts)
    if not full_text.strip():
        raise LoadError("Dosyadan metin çıkarılamadı (boş ya da yalnızca görsel içeriyor).")
    if looks_like_env_file(full_text):
        raise LoadError(ENV_CONTENT_ERROR)
    warnings: list[str] = []
    residue = mojibake_residue(full_text)
    if residue:
        warnings.append(f"{len(residue)} satırda onarılamayan bozuk karakter kalmış olabilir")
    if suffix in TEXT_EXTENSIONS and "\ufffd" in full_text:
        warnings.append("Bazı baytlar çözülemedi (� karakteri)")
    title = title or _title_from_text(full_text) or _title_from_name(path)
    return LoadedDocument(
        source=source,
        title=title,
        parts=repaired_parts,
        size=len(data),
        repairs=repairs,
        warnings=warnings,
        encoding=encoding,
    )
