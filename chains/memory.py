"""Per-thread conversation memory of the tutor: turns and the last hardware question.

In process and thread-safe; the least recently used threads are dropped past
`MAX_THREADS` so memory stays bounded however many students ask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from chains.context import Turn
from hardware.question_parser import HardwareQuery

MAX_TURNS_PER_THREAD = 20
MAX_THREADS = 1000


@dataclass
class ThreadMemory:
    turns: list[Turn] = field(default_factory=list)
    hardware: HardwareQuery | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, turn: Turn) -> None:
        self.turns.append(turn)
        del self.turns[:-MAX_TURNS_PER_THREAD]


class ThreadStore:
    """`thread_id` -> `ThreadMemory`, least recently used evicted first."""

    def __init__(self, max_threads: int = MAX_THREADS) -> None:
        self.max_threads = max_threads
        self._threads: OrderedDict[str, ThreadMemory] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, thread_id: str) -> ThreadMemory:
        with self._lock:
            memory = self._threads.get(thread_id)
            if memory is None:
                memory = self._threads[thread_id] = ThreadMemory()
                while len(self._threads) > self.max_threads:
                    self._threads.popitem(last=False)
            else:
                self._threads.move_to_end(thread_id)
            return memory

    def drop(self, thread_id: str) -> None:
        with self._lock:
            self._threads.pop(thread_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._threads)
