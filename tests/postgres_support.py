"""A real, throwaway Postgres cluster for tests (Debian's `postgresql` binaries).

`make test` installs the package; here we only run `initdb` and `pg_ctl` in a
temporary folder on 127.0.0.1 and a free port. Postgres refuses to run as root,
so under root the cluster belongs to the `postgres` system user. Where none of
this is possible the caller gets a reason to skip with, never a half-started server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """Why no cluster could be started (used as the skip reason)."""


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise PostgresUnavailable("Postgres yok: /usr/lib/postgresql/*/bin/initdb bulunamadı (apt-get install postgresql)")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runner() -> list[str]:
    """Command prefix that runs the Postgres binaries as a non-root user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable("root altında 'postgres' kullanıcısı yok; Postgres root olarak çalışmaz") from exc
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("runuser bulunamadı; Postgres 'postgres' kullanıcısıyla başlatılamıyor")
    return [runuser, "-u", "postgres", "--"]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster, yield its SQLAlchemy base URL (database `postgres`), stop and delete it."""
    bin_dir = _bin_dir()
    prefix = _runner()
    data_root = Path(tempfile.mkdtemp(prefix="pg-test-"))
    if prefix:
        entry = pwd.getpwnam("postgres")
        os.chown(data_root, entry.pw_uid, entry.pw_gid)
    data_dir = data_root / "data"
    port = _free_port()
    log = data_root / "server.log"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)

    started = False
    try:
        init = run(str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres",
                   "--encoding=UTF8", "--no-sync")
        if init.returncode != 0:
            raise PostgresUnavailable(f"initdb başarısız: {init.stderr.strip()[-300:]}")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data_root} -c fsync=off"
        start = run(str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log), "-o", options, "-w", "start")
        if start.returncode != 0:
            detail = log.read_text(errors="replace")[-300:] if log.exists() else start.stderr
            raise PostgresUnavailable(f"pg_ctl start başarısız: {detail.strip()}")
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            run(str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(data_root, ignore_errors=True)


def fresh_database(base_url: str) -> str:
    """Create an empty database on the cluster and return its URL (one per test)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + f"/{name}"
