"""Instructor login guard: attempt limit with a growing delay, and server-side sessions.

State lives in the app database (the same SQLAlchemy engine as feedback), not in a
Streamlit session, so a new browser tab, a new session or a second app process all
see the same counter: opening many sessions cannot multiply the tries.

Policy: the first `FREE_FAILURES` wrong passwords are free; after that every wrong
password locks the form for 2, 4, 8 … seconds (capped at `MAX_DELAY_S`). A correct
password resets the counter. With these numbers 300 tries take hours, not seconds.

A successful login creates a random session token with an expiry; the Streamlit
session only keeps the token. Logout deletes the row, so a stale Streamlit session
(or a copied session id) cannot reopen the page once the instructor has left.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

FREE_FAILURES = 3
MAX_DELAY_S = 15 * 60
_SCOPE = "admin"  # one counter for the whole app: the attacker does not get one per session


class _Base(DeclarativeBase):
    pass


class LoginAttemptRow(_Base):
    __tablename__ = "admin_login_attempts"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AdminSessionRow(_Base):
    __tablename__ = "admin_sessions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    token: str | None = None
    wait_s: float = 0.0  # > 0: locked, try again after this many seconds
    locked: bool = False  # True: refused without comparing the password


def _utc(value: datetime) -> datetime:
    # SQLite returns timezone-aware columns as naive datetimes.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def delay_after(failures: int) -> float:
    """Seconds the form stays locked after `failures` consecutive wrong passwords."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES + 1), MAX_DELAY_S))


def password_matches(given: str, expected: str) -> bool:
    # Constant-time compare: the time taken does not leak how much matched.
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


class AdminGuard:
    def __init__(
        self,
        engine: Engine,
        session_minutes: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.session_minutes = session_minutes
        self.clock = clock
        self._ready = False
        self._lock = threading.Lock()

    def _ensure_tables(self) -> None:
        if self._ready:
            return
        with self._lock:
            try:
                _Base.metadata.create_all(self.engine)
            except OperationalError as exc:  # another process created them first
                if "already exists" not in str(exc):
                    raise
            self._ready = True

    def wait_seconds(self) -> float:
        """How long the login form is still locked (0 when a try is allowed)."""
        self._ensure_tables()
        with Session(self.engine) as session:
            row = session.get(LoginAttemptRow, _SCOPE)
            if row is None or row.locked_until is None:
                return 0.0
            return max(0.0, (_utc(row.locked_until) - self.clock()).total_seconds())

    def attempt(self, given: str, expected: str) -> LoginResult:
        """Check a password under the attempt limit; while locked, the password is not even compared."""
        self._ensure_tables()
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            row = session.get(LoginAttemptRow, _SCOPE, with_for_update=True)
            if row is None:
                row = LoginAttemptRow(scope=_SCOPE, failures=0, locked_until=None)
                session.add(row)
            if row.locked_until is not None and _utc(row.locked_until) > now:
                return LoginResult(False, wait_s=(_utc(row.locked_until) - now).total_seconds(), locked=True)
            if password_matches(given, expected):
                row.failures, row.locked_until = 0, None
                token = secrets.token_urlsafe(32)
                session.add(AdminSessionRow(token=token, expires_at=now + timedelta(minutes=self.session_minutes)))
                session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at < now))
                return LoginResult(True, token=token)
            row.failures += 1
            wait = delay_after(row.failures)
            row.locked_until = now + timedelta(seconds=wait) if wait else None
            return LoginResult(False, wait_s=wait)

    def unlock(self) -> int:
        """Clear the failure counter and the lock (the instructor, from the server's shell); returns the failures cleared."""
        self._ensure_tables()
        with Session(self.engine) as session, session.begin():
            row = session.get(LoginAttemptRow, _SCOPE, with_for_update=True)
            if row is None:
                return 0
            cleared, row.failures, row.locked_until = row.failures, 0, None
            return cleared

    def session_valid(self, token: str | None) -> bool:
        if not token:
            return False
        self._ensure_tables()
        with Session(self.engine) as session:
            row = session.get(AdminSessionRow, token)
            return row is not None and _utc(row.expires_at) > self.clock()

    def logout(self, token: str | None) -> None:
        if not token:
            return
        self._ensure_tables()
        with Session(self.engine) as session, session.begin():
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.token == token))
