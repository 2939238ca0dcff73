"""Instructor login guard (unit, fake clock): growing delay across guards, expiry, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ders_asistani.admin_guard import FREE_FAILURES, AdminGuard, delay_after
from ders_asistani.appdb import AppDatabase


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _guards(tmp_path, clock, minutes: float = 30):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    # Two guards on two engines stand for two app processes sharing the database.
    return AdminGuard(AppDatabase(url).engine, minutes, clock), AdminGuard(AppDatabase(url).engine, minutes, clock)


def test_delay_grows_and_is_capped() -> None:
    delays = [delay_after(n) for n in range(1, 30)]
    assert delays[: FREE_FAILURES - 1] == [0.0] * (FREE_FAILURES - 1)
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    assert delays[FREE_FAILURES] > delays[FREE_FAILURES - 1] > 0
    assert max(delays) == 15 * 60


def test_300_tries_in_24_seconds_are_impossible_even_across_processes(tmp_path) -> None:
    clock = FakeClock()
    first, second = _guards(tmp_path, clock)
    checked = 0
    for i in range(300):  # 300 tries spread over 24 s, alternating between the two "processes"
        result = (first if i % 2 else second).attempt("yanlış", "doğru")
        assert not result.ok
        checked += not result.locked
        clock.advance(24 / 300)
    # Only a handful of the 300 were actually compared; the rest hit the lock.
    assert 3 < checked < 10
    assert first.wait_seconds() > 0 and second.wait_seconds() > 0
    # While locked even the right password is refused without being compared.
    assert not first.attempt("doğru", "doğru").ok


def test_lock_expires_and_right_password_resets(tmp_path) -> None:
    clock = FakeClock()
    guard, _ = _guards(tmp_path, clock)
    for _ in range(FREE_FAILURES):
        guard.attempt("x", "doğru")
    wait = guard.wait_seconds()
    assert wait == delay_after(FREE_FAILURES) > 0
    clock.advance(wait + 0.1)
    result = guard.attempt("doğru", "doğru")
    assert result.ok and result.token
    assert guard.attempt("x", "doğru").wait_s == 0  # counter was reset


def test_session_expires_and_logout_is_seen_by_every_process(tmp_path) -> None:
    clock = FakeClock()
    first, second = _guards(tmp_path, clock, minutes=30)
    token = first.attempt("doğru", "doğru").token
    assert second.session_valid(token)
    clock.advance(29 * 60)
    assert first.session_valid(token)
    clock.advance(2 * 60)
    assert not first.session_valid(token)

    token = first.attempt("doğru", "doğru").token
    second.logout(token)
    assert not first.session_valid(token)
    assert not first.session_valid(None) and not first.session_valid("uydurma")


def test_unlock_from_the_server_lets_the_instructor_in_at_once(tmp_path, monkeypatch) -> None:
    from ders_asistani.cli import run

    clock = FakeClock()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    guard = AdminGuard(AppDatabase(url).engine, 30, clock)
    for _ in range(FREE_FAILURES + 3):
        guard.attempt("yanlis", "dogru")
    assert guard.attempt("dogru", "dogru").locked

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert run(["admin-unlock", "--json"]) == 0

    assert guard.wait_seconds() == 0
    assert guard.attempt("dogru", "dogru").ok
    assert guard.unlock() == 0  # nothing left to clear
