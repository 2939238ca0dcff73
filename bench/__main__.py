"""Run every benchmark in turn: `.venv/bin/python -m bench [name ...]`.

Each benchmark is its own module (run it alone for its options); this runner
only sequences them in separate processes, so one's warm caches never flatter
another's numbers.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ["hardware_accuracy", "index_bench", "retrieval_bench", "tutor_bench", "app_bench", "class_sim"]
# Run only by name: hours at its default size (10,000 chunks) on two cores.
OPTIONAL = ["big_course_bench"]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS + OPTIONAL]
    if unknown:
        print(f"Bilinmeyen ölçüm: {', '.join(unknown)}. Seçenekler: {', '.join(BENCHMARKS + OPTIONAL)}")
        return 2
    failed = []
    for name in chosen:
        print(f"\n===== bench.{name} =====", flush=True)
        if subprocess.call([sys.executable, "-m", f"bench.{name}"]) != 0:
            failed.append(name)
    if failed:
        print(f"\nBaşarısız ölçümler: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
