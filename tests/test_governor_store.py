"""The governor's state in the app database: two OS processes share one budget exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from chains.governor import Governor, ModelLimits
from ders_asistani.governor_store import SqlGovernorBackend

MODEL = "openai/gpt-oss-120b"
REPO = Path(__file__).resolve().parent.parent

# Each worker tries 12 turns of 1,000 tokens against a key with 8,000 tokens a day
# (and a minute): together they may get exactly 8, whatever the interleaving.
WORKER = textwrap.dedent("""
    import json, sys, time
    from chains.governor import Governor, ModelLimits
    from ders_asistani.governor_store import SqlGovernorBackend
    url, name, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    governor = Governor(SqlGovernorBackend(url), "k_shared",
                        ModelLimits(rpm=1000, rpd=1000, tpm=8000, tpd=8000))
    while time.time() < start_at:
        time.sleep(0.005)
    admitted = 0
    for turn in range(12):
        ticket = governor.enqueue(f"{name}-{turn}", "%s", 1000)
        decision = governor.poll(ticket)
        if decision.status == "admitted":
            admitted += 1
            governor.settle(decision.call_id, prompt_tokens=1000)
        governor.finish(ticket)
    print(json.dumps({"admitted": admitted}))
""" % MODEL)


def _run_two(url: str) -> list[int]:
    import time

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start_at = time.time() + 3.0  # both processes past their imports
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, name, str(start_at)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("p1", "p2")]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1])["admitted"])
    return results


def test_two_processes_share_one_budget(app_database_url: str) -> None:
    admitted = _run_two(app_database_url)
    assert sum(admitted) == 8, admitted
    # The state is readable by a third governor: nothing left, nobody waiting.
    governor = Governor(SqlGovernorBackend(app_database_url), "k_shared",
                        ModelLimits(rpm=1000, rpd=1000, tpm=8000, tpd=8000))
    snapshot = governor.snapshot(MODEL)
    assert snapshot["buckets"]["tpd"]["remaining"] < 1000
    assert snapshot["waiting"] == 0 and snapshot["in_flight"] == 0


def test_state_survives_a_new_backend(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    limits = ModelLimits(rpm=30, rpd=1000, tpm=8000, tpd=200000)
    first = Governor(SqlGovernorBackend(url), "k_a", limits)
    decision = first.poll(first.enqueue("s", MODEL, 3000))
    assert decision.status == "admitted"
    second = Governor(SqlGovernorBackend(url), "k_a", limits)
    assert second.snapshot(MODEL)["buckets"]["tpm"]["remaining"] < 5100
    assert second.snapshot(MODEL)["in_flight"] == 1
    # Another key has its own row.
    assert Governor(SqlGovernorBackend(url), "k_b", limits).snapshot(MODEL)["buckets"]["tpm"]["remaining"] == 8000
