"""The usage ledger: what the class spent, per UTC day and key kind, in the app database.

Same SQLAlchemy URL as `appdb` (SQLite file or a shared Postgres), so every app
process adds to one ledger. Counters only, no questions or answers:

- `usage_daily` (day, key_kind): turns, LLM / offline / cached turns, requests,
  prompt / cached / completion tokens, 429s, queue waits (count, total, max);
- `usage_offline` (day, key_kind, reason): offline answers by reason code;
- `usage_students` (day, key_kind, student): turns per anonymous student. The
  student id is stored hashed: the instructor sees how turns spread, never an id
  that opens a student's conversations.

Key kinds: "class" (the instructor's key, or no key) and "own" (a student's key).
Days are UTC dates, like Groq's and the governor's daily budgets.

Recording API (stable; every method takes keyword arguments and never raises
into a turn when called through `record_answer_safely`):
- `record_turn(day=, key_kind=, student_id=, answered_by=, offline_reason=, cache_hit=, queue_wait_s=)`
- `record_call(day=, key_kind=, prompt_tokens=, cached_tokens=, completion_tokens=, rate_limited=, requests=1)`
- `record_queue_wait(seconds, day=, key_kind=)` (a governor's admitted turn that waited)
- `record_answer(answer, key_kind=, student_id=)`: a finished `TutorAnswer` (turn + its calls).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Float, Integer, String, UniqueConstraint, case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ders_asistani.appdb import SchemaOnce, open_engine

log = logging.getLogger(__name__)

KEY_KINDS = ("class", "own")
ANSWERED_BY = ("llm", "offline", "cache")
COUNTERS = (
    "turns", "llm_turns", "offline_turns", "cache_hits", "requests", "prompt_tokens", "cached_tokens",
    "completion_tokens", "rate_limited", "queue_waits",
)


class _Base(DeclarativeBase):
    pass


class DailyRow(_Base):
    __tablename__ = "usage_daily"
    __table_args__ = (UniqueConstraint("day", "key_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    key_kind: Mapped[str] = mapped_column(String(8))
    turns: Mapped[int] = mapped_column(Integer, default=0)
    llm_turns: Mapped[int] = mapped_column(Integer, default=0)
    offline_turns: Mapped[int] = mapped_column(Integer, default=0)
    cache_hits: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    rate_limited: Mapped[int] = mapped_column(Integer, default=0)
    queue_waits: Mapped[int] = mapped_column(Integer, default=0)
    queue_wait_s: Mapped[float] = mapped_column(Float, default=0.0)
    queue_wait_max_s: Mapped[float] = mapped_column(Float, default=0.0)


class OfflineRow(_Base):
    __tablename__ = "usage_offline"
    __table_args__ = (UniqueConstraint("day", "key_kind", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    key_kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)


class StudentRow(_Base):
    __tablename__ = "usage_students"
    __table_args__ = (UniqueConstraint("day", "key_kind", "student"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    key_kind: Mapped[str] = mapped_column(String(8))
    student: Mapped[str] = mapped_column(String(32))
    turns: Mapped[int] = mapped_column(Integer, default=0)


@dataclass
class DayUsage:
    """One day's counters (one key kind, or both added together)."""

    day: str
    turns: int = 0
    llm_turns: int = 0
    offline_turns: int = 0
    cache_hits: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    rate_limited: int = 0
    queue_waits: int = 0
    queue_wait_s: float = 0.0
    queue_wait_max_s: float = 0.0
    offline_reasons: dict[str, int] = field(default_factory=dict)
    students: int = 0
    turns_per_student: list[int] = field(default_factory=list)  # largest first

    @property
    def limit_tokens(self) -> int:
        """Tokens that count toward Groq's limits: uncached prompt plus completion."""
        return max(0, self.prompt_tokens - self.cached_tokens) + self.completion_tokens

    def add(self, other: "DayUsage") -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.queue_wait_s += other.queue_wait_s
        self.queue_wait_max_s = max(self.queue_wait_max_s, other.queue_wait_max_s)
        for reason, count in other.offline_reasons.items():
            self.offline_reasons[reason] = self.offline_reasons.get(reason, 0) + count
        self.students += other.students
        self.turns_per_student = sorted(self.turns_per_student + other.turns_per_student, reverse=True)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["queue_wait_s"] = round(self.queue_wait_s, 3)
        data["queue_wait_max_s"] = round(self.queue_wait_max_s, 3)
        data["limit_tokens"] = self.limit_tokens
        return data


def utc_day(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).date().isoformat()


def student_hash(student_id: str) -> str:
    return hashlib.sha256(f"ders-asistani-usage:{student_id}".encode()).hexdigest()[:16]


def _kind(key_kind: str) -> str:
    if key_kind not in KEY_KINDS:
        raise ValueError(f"key_kind must be one of {KEY_KINDS}")
    return key_kind


class UsageLedger:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = open_engine(url)
        self._ensure_tables = SchemaOnce(self.engine, _Base.metadata)

    # --- writing ---------------------------------------------------------------------
    def _bump(self, model: type, keys: dict[str, Any], add: dict[str, float], maxima: dict[str, float] | None = None) -> None:
        """Atomic `col = col + n` on the row with `keys`, inserting it first if missing."""
        self._ensure_tables()
        add = {name: value for name, value in add.items() if value}
        maxima = {name: value for name, value in (maxima or {}).items() if value}
        if not add and not maxima:
            return
        where = [getattr(model, name) == value for name, value in keys.items()]
        values: dict[str, Any] = {name: getattr(model, name) + value for name, value in add.items()}
        for name, value in maxima.items():
            column = getattr(model, name)
            values[name] = case((column < value, value), else_=column)
        for _attempt in range(3):
            with Session(self.engine) as session:
                if session.execute(update(model).where(*where).values(values)).rowcount:
                    session.commit()
                    return
                session.add(model(**keys, **add, **maxima))
                try:
                    session.commit()
                    return
                except IntegrityError:  # another writer inserted the row first: update it
                    session.rollback()
        raise RuntimeError("usage could not be recorded")

    def record_turn(
        self,
        *,
        day: str | None = None,
        key_kind: str = "class",
        student_id: str | None = None,
        answered_by: str = "llm",
        offline_reason: str | None = None,
        cache_hit: bool = False,
        queue_wait_s: float | None = None,
    ) -> None:
        """One finished turn. `answered_by`: "llm", "offline" or "cache"."""
        if answered_by not in ANSWERED_BY:
            raise ValueError(f"answered_by must be one of {ANSWERED_BY}")
        day, key_kind = day or utc_day(), _kind(key_kind)
        cache_hit = cache_hit or answered_by == "cache"
        offline = answered_by == "offline"
        waited = float(queue_wait_s or 0.0)
        self._bump(
            DailyRow, {"day": day, "key_kind": key_kind},
            {"turns": 1, "llm_turns": int(answered_by in ("llm", "cache")), "offline_turns": int(offline),
             "cache_hits": int(cache_hit), "queue_waits": int(waited > 0), "queue_wait_s": waited},
            {"queue_wait_max_s": waited},
        )
        if offline:
            reason = (offline_reason or "unknown")[:64]
            self._bump(OfflineRow, {"day": day, "key_kind": key_kind, "reason": reason}, {"count": 1})
        if student_id:
            self._bump(StudentRow, {"day": day, "key_kind": key_kind, "student": student_hash(student_id)},
                       {"turns": 1})

    def record_call(
        self,
        *,
        day: str | None = None,
        key_kind: str = "class",
        prompt_tokens: int = 0,
        cached_tokens: int = 0,
        completion_tokens: int = 0,
        rate_limited: bool | int = False,
        requests: int = 1,
    ) -> None:
        """Model call(s) at the provider: tokens as reported, `rate_limited` = 429s among them."""
        self._bump(
            DailyRow, {"day": day or utc_day(), "key_kind": _kind(key_kind)},
            {"requests": int(requests), "prompt_tokens": int(prompt_tokens), "cached_tokens": int(cached_tokens),
             "completion_tokens": int(completion_tokens), "rate_limited": int(rate_limited)},
        )

    def record_queue_wait(self, seconds: float, *, day: str | None = None, key_kind: str = "class") -> None:
        """A turn that waited in the governor's queue (not counted as a turn here)."""
        if seconds and seconds > 0:
            self._bump(DailyRow, {"day": day or utc_day(), "key_kind": _kind(key_kind)},
                       {"queue_waits": 1, "queue_wait_s": float(seconds)}, {"queue_wait_max_s": float(seconds)})

    def record_answer(self, answer: Any, *, key_kind: str | None = None, student_id: str | None = None,
                      day: str | None = None) -> None:
        """A finished `TutorAnswer`: the turn, and its model calls, from `answer.usage`
        ({"key_kind", "offline_reason", "queue_wait_s", "requests", "prompt_tokens",
        "cached_tokens", "completion_tokens", "rate_limited"}; missing keys count 0)."""
        day = day or utc_day()
        usage = getattr(answer, "usage", None) or {}
        key_kind = key_kind or usage.get("key_kind") or "class"  # the caller's word wins
        cached = bool(getattr(answer, "cached", False))
        mode = getattr(answer, "mode", "offline")
        answered_by = "cache" if cached else ("offline" if mode == "offline" else "llm")
        self.record_turn(
            day=day, key_kind=key_kind, student_id=student_id, answered_by=answered_by,
            offline_reason=usage.get("offline_reason"), cache_hit=cached, queue_wait_s=usage.get("queue_wait_s"),
        )
        if usage.get("requests"):
            self.record_call(
                day=day, key_kind=key_kind, requests=usage.get("requests", 0),
                prompt_tokens=usage.get("prompt_tokens", 0), cached_tokens=usage.get("cached_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0), rate_limited=usage.get("rate_limited", 0),
            )

    def record_answer_safely(self, answer: Any, **kwargs: Any) -> None:
        """`record_answer` for the tutor: a ledger problem is logged, never raised into a turn."""
        try:
            self.record_answer(answer, **kwargs)
        except Exception:
            log.exception("usage ledger: the turn could not be recorded")

    # --- reading ---------------------------------------------------------------------
    def days(self, first: str, last: str, key_kind: str | None = None) -> list[DayUsage]:
        """Every day from `first` to `last` (ISO dates, inclusive), zeros where nothing happened."""
        self._ensure_tables()
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        result = {
            (start + timedelta(days=i)).isoformat(): DayUsage((start + timedelta(days=i)).isoformat())
            for i in range((end - start).days + 1)
        }
        kinds = [_kind(key_kind)] if key_kind else list(KEY_KINDS)
        with Session(self.engine) as session:
            daily = session.scalars(select(DailyRow).where(DailyRow.day >= first, DailyRow.day <= last,
                                                           DailyRow.key_kind.in_(kinds))).all()
            offline = session.execute(select(OfflineRow.day, OfflineRow.reason, OfflineRow.count).where(
                OfflineRow.day >= first, OfflineRow.day <= last, OfflineRow.key_kind.in_(kinds))).all()
            students = session.execute(select(StudentRow.day, StudentRow.turns).where(
                StudentRow.day >= first, StudentRow.day <= last, StudentRow.key_kind.in_(kinds))).all()
        for row in daily:
            one = DayUsage(row.day, **{name: getattr(row, name) or 0 for name in COUNTERS},
                           queue_wait_s=row.queue_wait_s or 0.0, queue_wait_max_s=row.queue_wait_max_s or 0.0)
            result[row.day].add(one)
        for day_, reason, count in offline:
            reasons = result[day_].offline_reasons
            reasons[reason] = reasons.get(reason, 0) + count
        for day_, turns in students:
            result[day_].students += 1
            result[day_].turns_per_student.append(turns)
        for usage in result.values():
            usage.turns_per_student.sort(reverse=True)
        return list(result.values())

    def last_days(self, count: int, *, today: str | None = None, key_kind: str | None = None) -> list[DayUsage]:
        last = today or utc_day()
        first = (date.fromisoformat(last) - timedelta(days=max(1, count) - 1)).isoformat()
        return self.days(first, last, key_kind)

    def day(self, day: str | None = None, key_kind: str | None = None) -> DayUsage:
        day = day or utc_day()
        return self.days(day, day, key_kind)[0]

    def dispose(self) -> None:
        self.engine.dispose()


def top_reasons(days: Iterable[DayUsage], limit: int = 5) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for usage in days:
        for reason, count in usage.offline_reasons.items():
            totals[reason] = totals.get(reason, 0) + count
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]


@dataclass
class TurnRecorder:
    """The tutor's `usage_recorder`: records each finished turn under one key kind."""

    ledger: UsageLedger
    key_kind: str = "class"

    def __call__(self, answer: Any, student_id: str | None = None) -> None:
        self.ledger.record_answer_safely(answer, key_kind=self.key_kind, student_id=student_id)


_ledgers: dict[str, UsageLedger] = {}
_ledgers_lock = threading.Lock()


def ledger_for(url: str) -> UsageLedger:
    """One ledger (one connection pool) per database URL and process."""
    with _ledgers_lock:
        ledger = _ledgers.get(url)
        if ledger is None:
            ledger = _ledgers[url] = UsageLedger(url)
        return ledger
