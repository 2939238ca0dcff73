"""Secrets never reach students: detect env-style files and redact key-shaped text.

Pure functions (no I/O). Used at ingest (a `.env` in the course folder is skipped,
key-shaped strings in course text are redacted) and by the tutor for passages,
streamed tokens and answers (with the configured secret values added).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Iterable

REDACTED = "***"

# Provider keys by their published prefixes, and bearer tokens.
_KEY_PATTERNS = [
    re.compile(r"gsk_[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bhf_[A-Za-z0-9]{16,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.]{12,}"),
]
# NAME=value lines whose name says it is a secret.
_ASSIGNMENT = re.compile(
    r"(?im)^(\s*(?:export\s+)?[A-Z][A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[A-Z0-9_]*\s*[=:]\s*)(\S.*)$"
)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?[A-Z][A-Z0-9_]*\s*=")
_ENV_NAMES = re.compile(r"(?i)^(\.env(\..*)?|.*\.env|\.netrc|\.pgpass|credentials(\..*)?|secrets?(\..*)?)$")


def is_env_like_name(name: str) -> bool:
    """`.env`, `prod.env`, `.env.local`, `.netrc`, `credentials.json`, ..."""
    return bool(_ENV_NAMES.match(PurePath(name).name))


def looks_like_env_file(text: str) -> bool:
    """Mostly NAME=value lines, at least one of which names a secret."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return False
    assignments = sum(1 for line in lines if _ENV_LINE.match(line))
    return assignments / len(lines) >= 0.6 and bool(_ASSIGNMENT.search(text))


def redact(text: str, known: Iterable[str] = ()) -> str:
    """Replace known secret values and anything key-shaped with `***`."""
    for secret in known:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return _ASSIGNMENT.sub(lambda m: m.group(1) + REDACTED, text)


def contains_secret(text: str, known: Iterable[str] = ()) -> bool:
    return redact(text, known) != text
