"""One question, answered for each file in the inbox: has it finished being written?

A file is *settled* when it has gone ``settle`` seconds without a file-system event and without any change of size,
modification time, inode or type, as seen by repeated ``lstat`` calls. An empty file waits ``empty_grace`` seconds
instead: an empty placeholder (a copy tool's first step) is not a document yet. Pure bookkeeping: the caller supplies
the observations and the clock, so the rules are tested without a file system.
"""

from __future__ import annotations

import os
import stat as st
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Seen:
    """What ``lstat`` said: enough to notice a writer, a rename-over or a type change."""

    size: int
    mtime_ns: int
    ino: int
    mode: int

    @classmethod
    def of(cls, s: os.stat_result) -> Seen:
        return cls(s.st_size, s.st_mtime_ns, s.st_ino, st.S_IFMT(s.st_mode))


@dataclass
class _Entry:
    seen: Seen
    changed_at: float
    first_seen: float


class FileStabilityTracker:
    def __init__(self, settle: float, empty_grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.settle = settle
        self.empty_grace = max(empty_grace, settle)
        self._clock = clock
        self._files: dict[Path, _Entry] = {}

    def observe(self, path: Path, seen: Seen | None) -> None:
        """Record an ``lstat`` of ``path`` (``None``: it is gone). Any difference restarts its quiet period."""
        if seen is None:
            self._files.pop(path, None)
            return
        now = self._clock()
        entry = self._files.get(path)
        if entry is None:
            self._files[path] = _Entry(seen, now, now)
        elif entry.seen != seen:
            entry.seen = seen
            entry.changed_at = now

    def touch(self, path: Path) -> None:
        """A file-system event for ``path``: whatever it was, the quiet period starts again."""
        entry = self._files.get(path)
        if entry is not None:
            entry.changed_at = self._clock()

    def forget(self, path: Path) -> None:
        self._files.pop(path, None)

    def known(self, path: Path) -> bool:
        return path in self._files

    def seen(self, path: Path) -> Seen | None:
        entry = self._files.get(path)
        return entry.seen if entry else None

    def quiet_for(self, path: Path) -> float:
        entry = self._files.get(path)
        return self._clock() - entry.changed_at if entry else 0.0

    def due(self, path: Path) -> bool:
        """Quiet long enough that one more unchanged ``lstat`` would make it settled."""
        entry = self._files.get(path)
        if entry is None:
            return False
        wait = self.empty_grace if entry.seen.size == 0 and entry.seen.mode == st.S_IFREG else self.settle
        return self._clock() - entry.changed_at >= wait

    def settled(self, path: Path, now_seen: Seen | None) -> bool:
        """Given a fresh ``lstat`` (``now_seen``), is ``path`` settled? Records the observation either way."""
        self.observe(path, now_seen)
        return now_seen is not None and self.due(path)

    def paths(self) -> list[Path]:
        """Every file being watched, the longest-known first (first come, first served)."""
        return sorted(self._files, key=lambda p: self._files[p].first_seen)

    def __len__(self) -> int:
        return len(self._files)
