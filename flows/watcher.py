"""The watched folder: files dropped into DIR/inbox/ come out decided in done/ or explained in failed/.

``Watcher.run`` is one loop on one thread: it learns about files from native file events (watchdog) or, with
``poll``, from a scan every ``poll`` seconds; in both modes it scans the whole inbox at start and every
``watch_rescan`` seconds. A file that has settled (flows/stability.py) and opens is claimed by a rename into
processing/ (flows/intake.py) and handed to a bounded pool of worker threads (flows/watch_intake.py), which commit its
receipt and have it decided by the runner (flows/watch_runner.py). Transient trouble leaves the file in processing/ and
it is tried again later; on start, the files a stopped watcher left in processing/ are resumed.

Logs carry intake ids, claim ids and digest prefixes, one line per state change; file names only at DEBUG.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import logging
import os
import queue
import stat as st
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from claimflow.settings import Settings
from flows import stages
from flows.intake import Intake, Layout, Workspace, is_ignored, is_sidecar, place_of, walk
from flows.runtime import sessions_for
from flows.stability import FileStabilityTracker, Seen
from flows.watch_intake import TRANSIENT, IntakeProcessor
from flows.watch_runner import ClaimRunner, StagesRunner

log = logging.getLogger("flows.watcher")

#: Seconds a new native watch waits for the event of its own probe file before it decides events do not arrive.
PROBE_SECONDS = 3.0
#: Polling interval used when native events turn out not to work and no --poll was given.
FALLBACK_POLL = 5.0
#: Kinds of watchdog events that mean "this file may have changed" (opening and reading do not).
_CHANGES = {"created", "modified", "moved", "deleted", "closed"}
_MAX_BACKOFF = 60.0


class Watcher:
    def __init__(
        self,
        settings: Settings,
        root: Path | None = None,
        *,
        poll: float | None = None,
        runner: ClaimRunner | None = None,
        observer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.layout = Layout(root or settings.watch_root)
        self.poll = poll if poll is not None else settings.watch_poll
        self.tracker = FileStabilityTracker(settings.watch_settle, settings.watch_grace)
        self.workspace = Workspace(self.layout)
        self._runner = runner
        self._observer_factory = observer_factory
        self._events: queue.SimpleQueue[tuple[str, Path, bool]] = queue.SimpleQueue()
        self._probe: Path | None = None
        self._probe_seen = threading.Event()
        self._inflight: dict[Future[str], Intake] = {}
        self._retry: list[tuple[float, int, Intake]] = []
        self._attempts: dict[str, int] = {}
        self.limit = settings.watch_workers * 2
        self.tick = max(0.05, min(0.5, settings.watch_settle / 4))
        self.counts = {"done": 0, "failed": 0}

    # -- the loop -------------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set; then finish the documents being decided and release processing/."""
        self.layout.ensure(self.settings.watch_tenants)
        sessions = sessions_for(self.settings)  # migrates the database before anything is claimed

        def ctx_for(tenant: str, received_on: dt.date | None, submitted_by: str) -> stages.Context:
            extra = {"received_on": received_on} if received_on else {}
            return stages.Context(settings=self.settings, sessions=sessions, tenant=tenant, source="folder",
                                  submitted_by=submitted_by, **extra)

        runner = self._runner or StagesRunner(self.settings, lambda tenant: ctx_for(tenant, None, "folder"))
        processor = IntakeProcessor(self.settings, self.workspace, runner, ctx_for)
        pool = ThreadPoolExecutor(self.settings.watch_workers, thread_name_prefix="claimflow-watch")
        self.workspace.open()
        observer = None
        try:
            self._resume(pool, processor, starting=True)
            if self.poll is None:
                observer = self._start_observer()
            interval = self.poll if self.poll is not None else self.settings.watch_rescan
            log.warning("watch state=started watcher=%s mode=%s every=%gs settle=%gs workers=%d",
                        self.workspace.watcher_id, "native" if observer else "poll", interval,
                        self.settings.watch_settle, self.settings.watch_workers)
            next_scan = next_rescan = 0.0
            while not stop.is_set():
                self._drain_events()
                now = time.monotonic()
                if now >= next_scan:
                    self._scan()
                    next_scan = now + interval
                if now >= next_rescan:
                    if next_rescan:
                        self._resume(pool, processor)  # a watcher elsewhere that died: take over its files
                    self._prune_empty_folders()
                    next_rescan = now + self.settings.watch_rescan
                self._reap()
                self._requeue(pool, processor)
                self._claim_settled(pool, processor)
                stop.wait(self.tick)
        finally:
            if observer is not None:
                _stop_observer(observer)
            pool.shutdown(wait=True, cancel_futures=True)
            self._reap()
            self.workspace.close()
            log.warning("watch state=stopped watcher=%s done=%d failed=%d", self.workspace.watcher_id,
                        self.counts["done"], self.counts["failed"])

    def _resume(self, pool: ThreadPoolExecutor, processor: IntakeProcessor, *, starting: bool = False) -> None:
        if self.workspace.adopt_orphans() or starting:
            busy = {i.id for i in self._inflight.values()} | {i.id for _, _, i in self._retry}
            for intake in self.workspace.intakes(skip=busy):
                self._submit(pool, processor, intake)

    # -- learning about files -------------------------------------------------------------------------------------

    def _start_observer(self) -> Any | None:
        """Native events on the inbox; ``None`` (and polling) when they cannot start or never arrive."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        events, probe_seen = self._events, self._probe_seen

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type not in _CHANGES:
                    return
                for p in (event.src_path, getattr(event, "dest_path", "")):
                    if p:
                        path = Path(os.fsdecode(p))
                        if path == watcher_probe():
                            probe_seen.set()
                        events.put((event.event_type, path, event.is_directory))

        def watcher_probe() -> Path | None:
            return self._probe

        factory = self._observer_factory or Observer
        try:
            observer = factory()
            observer.schedule(Handler(), str(self.layout.inbox), recursive=True)
            observer.start()
        except OSError as e:
            return self._fall_back(f"file events cannot start ({errno.errorcode.get(e.errno or 0, e)})")
        self._probe = self.layout.inbox / f".claimflow-probe-{uuid.uuid4().hex[:8]}"
        try:
            self._probe.write_bytes(b"")
            arrived = self._probe_seen.wait(PROBE_SECONDS)
        finally:
            self._probe.unlink(missing_ok=True)
        if not arrived:
            _stop_observer(observer)
            return self._fall_back(f"no file event arrived within {PROBE_SECONDS:g} s (a network share?)")
        return observer

    def _fall_back(self, why: str) -> None:
        self.poll = min(FALLBACK_POLL, self.settings.watch_rescan)
        log.warning("watch state=polling reason=%r: polling %s every %g s; pass --poll (CLAIMFLOW_WATCH_POLL) to "
                    "choose the interval", why, self.layout.inbox, self.poll)
        return None

    def _drain_events(self) -> None:
        while True:
            try:
                kind, path, is_dir = self._events.get_nowait()
            except queue.Empty:
                return
            if not self._watched(path):
                continue
            if is_dir:
                if kind != "deleted":
                    for p, s in walk(path, self.settings.watch_ignore):  # a folder moved in: walk it
                        self.tracker.observe(p, Seen.of(s))
                continue
            try:
                s = os.lstat(path)
            except FileNotFoundError:
                self.tracker.forget(path)
                continue
            self.tracker.observe(path, Seen.of(s))
            self.tracker.touch(path)

    def _watched(self, path: Path) -> bool:
        try:
            rel = path.relative_to(self.layout.inbox)
        except ValueError:
            return False
        return bool(rel.parts) and not any(is_ignored(part, self.settings.watch_ignore) for part in rel.parts)

    def _scan(self) -> None:
        seen: set[Path] = set()
        for path, s in walk(self.layout.inbox, self.settings.watch_ignore):
            seen.add(path)
            self.tracker.observe(path, Seen.of(s))
        for path in self.tracker.paths():
            if path not in seen:
                self.tracker.forget(path)

    def _prune_empty_folders(self) -> None:
        """Remove folders that were moved in and have been emptied (never the inbox or a tenant folder)."""
        keep = {self.layout.inbox, *(self.layout.inbox / t for t in self.settings.watch_tenants)}
        horizon = time.time() - self.settings.watch_settle
        for top, dirs, files in os.walk(self.layout.inbox, topdown=False):
            d = Path(top)
            if d in keep or dirs or files or is_ignored(d.name, self.settings.watch_ignore):
                continue
            try:
                if os.lstat(d).st_mtime < horizon:
                    d.rmdir()
            except OSError as e:
                if e.errno not in (errno.ENOTEMPTY, errno.ENOENT, errno.EEXIST):
                    raise

    # -- claiming and handing over --------------------------------------------------------------------------------

    def _busy(self) -> int:
        return len(self._inflight) + len(self._retry)

    def _claim_settled(self, pool: ThreadPoolExecutor, processor: IntakeProcessor) -> None:
        for path in self.tracker.paths():
            if self._busy() >= self.limit:
                return
            if not self.tracker.due(path) or not self.tracker.settled(path, _lstat(path)):
                continue
            sidecar: Path | None = None
            if is_sidecar(path.name):
                if os.path.lexists(path.with_name(path.name[: -len(".json")])):
                    continue  # taken with its document
                if self.tracker.quiet_for(path) < self.settings.watch_grace:
                    continue  # the document may still come
            else:
                candidate = path.with_name(path.name + ".json")
                if os.path.lexists(candidate):
                    if not self.tracker.settled(candidate, _lstat(candidate)):
                        continue  # the sidecar is still being written
                    sidecar = candidate
            seen = self.tracker.seen(path)
            if seen is not None and seen.mode == st.S_IFREG and not _opens(path):
                log.debug("watch state=waiting reason=locked file=%s", path)
                continue
            try:
                intake = self.workspace.claim(path, place_of(self.layout, path, self.settings), sidecar)
            except OSError as e:
                log.warning("watch state=cannot_claim error=%s (tried again after the settle time)",
                            type(e).__name__)
                self.tracker.touch(path)
                continue
            self.tracker.forget(path)
            if sidecar is not None:
                self.tracker.forget(sidecar)
            if intake is None:
                log.debug("watch state=taken_elsewhere file=%s", path)
                continue
            log.info("watch state=claimed intake=%s tenant=%s", intake.id, intake.tenant)
            log.debug("watch intake=%s file=%s", intake.id, intake.original)
            self._submit(pool, processor, intake)

    def _submit(self, pool: ThreadPoolExecutor, processor: IntakeProcessor, intake: Intake) -> None:
        self._inflight[pool.submit(processor.process, intake)] = intake

    def _reap(self) -> None:
        for fut in [f for f in self._inflight if f.done()]:
            intake = self._inflight.pop(fut)
            if fut.cancelled():
                continue  # shutting down: it stays in processing/ for the next watcher
            exc = fut.exception()
            if exc is None:
                self.counts[fut.result()] += 1
                self._attempts.pop(intake.id, None)
                continue
            if not isinstance(exc, TRANSIENT):  # pragma: no cover - IntakeProcessor files everything else
                raise exc
            n = self._attempts[intake.id] = self._attempts.get(intake.id, 0) + 1
            delay = min(_MAX_BACKOFF, 2.0 ** n)
            log.warning("watch state=retry intake=%s attempt=%d in=%gs error=%s", intake.id, n, delay,
                        type(exc).__name__)
            self._retry.append((time.monotonic() + delay, n, intake))

    def _requeue(self, pool: ThreadPoolExecutor, processor: IntakeProcessor) -> None:
        now = time.monotonic()
        due = [r for r in self._retry if r[0] <= now]
        self._retry = [r for r in self._retry if r[0] > now]
        for _, _, intake in due:
            self._submit(pool, processor, intake)


class _StopRace(logging.Filter):
    """watchdog's inotify emitter logs an ERROR when it is stopped during a read (harmless: it just returns)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


def _stop_observer(observer: Any) -> None:
    quiet = _StopRace()
    inotify_log = logging.getLogger("watchdog.observers.inotify")
    inotify_log.addFilter(quiet)
    try:
        observer.stop()
        observer.join(timeout=10)
    finally:
        inotify_log.removeFilter(quiet)


def _lstat(path: Path) -> Seen | None:
    try:
        return Seen.of(os.lstat(path))
    except FileNotFoundError:
        return None


def _opens(path: Path) -> bool:
    """The file opens for reading, and (where the kernel can tell: a local Linux file of ours) no process has it
    open for writing: a read lease is refused while any writer holds the file, however long it pauses."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return False
    try:
        if not st.S_ISREG(os.fstat(fd).st_mode):
            return False
        try:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        except OSError as e:
            return e.errno != errno.EAGAIN  # EAGAIN: a writer has it open; EACCES/EINVAL: leases unavailable here
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True
    finally:
        os.close(fd)
