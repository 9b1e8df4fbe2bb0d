"""The watched folder on disk: its layout, safe names, and the moves that make intake crash-safe and exclusive.

    DIR/inbox/[<tenant>/]...   where files are dropped (folders inside are walked)
    DIR/processing/<watcher>/<intake>/   one folder per claimed file, owned by one running watcher
    DIR/done/[<tenant>/]NAME + NAME.result.json (+ NAME.json, the sidecar)
    DIR/failed/[<tenant>/]NAME + NAME.error.json (+ NAME.json)

A file is *claimed* by one ``rename`` from the inbox into an intake folder: the rename is the lock (of two watchers
on one share only one rename succeeds). A running watcher holds an ``flock`` on ``processing/<watcher>/.lock``; when
it dies the kernel (or the file server) releases it, and the next watcher to notice *adopts* its intake folders, again
by one rename each. An intake folder records its progress in small JSON files (``intake.json`` before the claim,
``received.json`` after the receipt is committed, ``filing.json`` before the result is filed), so every step can be
resumed and none is done twice. Nothing is deleted except these bookkeeping files after the document has been filed.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import fnmatch
import json
import logging
import os
import re
import shutil
import stat as st
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimflow.settings import Settings

log = logging.getLogger("flows.watcher")

LOCK = ".lock"
SIDECAR_SUFFIX = ".json"
MANIFEST, RECEIVED, FILING, SIDECAR = "intake.json", "received.json", "filing.json", "sidecar.json"
RESULT_SUFFIX, ERROR_SUFFIX = ".result.json", ".error.json"
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w .()+,=@&#-]+")
_WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sanitize_name(name: str) -> str:
    """A file name safe on every share: no separators, control or shell characters, no leading dot, at most
    ``MAX_NAME`` characters with the extension kept; never empty."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\.{2,}", ".", _UNSAFE.sub("_", name)).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix[:16]
    keep = MAX_NAME - (len(suffix) + 1 if suffix else 0)
    stem = stem[:keep].rstrip(" .") or "document"
    out = f"{stem}.{suffix}" if suffix else stem
    return f"_{out}" if _WINDOWS_RESERVED.match(out) else out


def numbered(name: str, n: int) -> str:
    """``bill.pdf``, ``bill (2).pdf``, ``bill (3).pdf`` …"""
    if n == 1:
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"


def is_ignored(name: str, patterns: list[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def is_sidecar(name: str) -> bool:
    return name.lower().endswith(SIDECAR_SUFFIX)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def processing(self) -> Path:
        return self.root / "processing"

    @property
    def done(self) -> Path:
        return self.root / "done"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    def ensure(self, tenants: list[str]) -> None:
        for d in (self.inbox, self.processing, self.done, self.failed):
            d.mkdir(parents=True, exist_ok=True)
        for t in tenants:
            (self.inbox / t).mkdir(exist_ok=True)


@dataclass(frozen=True)
class Place:
    """Where an inbox file belongs: its tenant, and the sub-folder (the tenant folder, or none) its results go to."""

    tenant: str
    subdir: str
    original: str  # the path under inbox/, for the result file (never logged above DEBUG)


def place_of(layout: Layout, path: Path, settings: Settings) -> Place:
    rel = path.relative_to(layout.inbox)
    first = rel.parts[0]
    if len(rel.parts) > 1 and first in settings.watch_tenants:
        return Place(first, first, rel.as_posix())
    return Place(settings.tenant, "", rel.as_posix())


@dataclass(frozen=True)
class Intake:
    """One claimed file in ``processing/<watcher>/<id>/``."""

    dir: Path
    tenant: str
    subdir: str
    original: str
    name: str
    claimed_at: dt.datetime
    sidecar_from: str | None  # the sidecar's path under inbox/, when one was beside the document

    @property
    def id(self) -> str:
        return self.dir.name

    @property
    def document(self) -> Path:
        return self.dir / self.name

    @property
    def sidecar(self) -> Path:
        return self.dir / SIDECAR

    def manifest(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "subdir": self.subdir, "original": self.original, "name": self.name,
                "claimed_at": self.claimed_at.isoformat(), "sidecar_from": self.sidecar_from}

    @classmethod
    def load(cls, d: Path) -> Intake | None:
        m = read_json(d / MANIFEST)
        if m is None:
            return None
        return cls(d, m["tenant"], m["subdir"], m["original"], m["name"], dt.datetime.fromisoformat(m["claimed_at"]),
                   m.get("sidecar_from"))

    def checkpoint(self, kind: str) -> dict[str, Any] | None:
        return read_json(self.dir / kind)

    def save_checkpoint(self, kind: str, data: dict[str, Any]) -> None:
        write_json_atomic(self.dir / kind, data)


class Workspace:
    """This watcher's place in ``processing/``: claims inbox files, adopts a dead watcher's, files results."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.watcher_id = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self.dir = layout.processing / self.watcher_id
        self._lock_fd: int | None = None

    def open(self) -> None:
        """Create this watcher's folder already locked (made under a hidden name, then renamed into place), so no
        other watcher ever sees it unlocked while this one runs."""
        self.layout.processing.mkdir(parents=True, exist_ok=True)
        starting = self.layout.processing / f".starting-{self.watcher_id}"
        starting.mkdir()
        fd = os.open(starting / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(starting, self.dir)
        self._lock_fd = fd

    def close(self) -> None:
        """Release the lock; an empty workspace is removed (one with intakes left is adopted by the next watcher)."""
        if self._lock_fd is None:
            return
        if not any(p.name != LOCK for p in self.dir.iterdir()):
            (self.dir / LOCK).unlink(missing_ok=True)
            self.dir.rmdir()
        os.close(self._lock_fd)
        self._lock_fd = None

    # -- claiming ---------------------------------------------------------------------------------------------

    def claim(self, path: Path, place: Place, sidecar: Path | None) -> Intake | None:
        """Move ``path`` (and its sidecar) from the inbox into a new intake folder. ``None``: another watcher (or the
        sender) moved it first; nothing was read and nothing is left behind."""
        d = self.dir / f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
        d.mkdir()
        intake = Intake(d, place.tenant, place.subdir, place.original, sanitize_name(path.name), utcnow(),
                        sidecar.relative_to(self.layout.inbox).as_posix() if sidecar else None)
        intake.save_checkpoint(MANIFEST, intake.manifest())
        try:
            os.rename(path, intake.document)  # the lock: exactly one rename of this inbox entry succeeds
        except FileNotFoundError:
            shutil.rmtree(d)
            return None
        except OSError:
            shutil.rmtree(d)  # e.g. no permission to move it: the file stays where it is
            raise
        self.take_sidecar(intake)
        return intake

    def take_sidecar(self, intake: Intake) -> None:
        if intake.sidecar_from and not intake.sidecar.exists():
            try:
                os.rename(self.layout.inbox / intake.sidecar_from, intake.sidecar)
            except FileNotFoundError:
                log.warning("watch state=sidecar_gone intake=%s", intake.id)

    def intakes(self, skip: set[str] = frozenset()) -> list[Intake]:  # type: ignore[assignment]
        """This watcher's intake folders but ``skip`` (after adoption: the ones a dead watcher left), oldest first.
        Folders a crash left before their claim finished are cleaned up here."""
        out: list[Intake] = []
        for d in sorted(p for p in self.dir.iterdir() if p.is_dir() and p.name not in skip):
            intake = Intake.load(d)
            if intake is None or (not intake.document.exists() and not os.path.lexists(intake.document)
                                  and intake.checkpoint(FILING) is None):
                shutil.rmtree(d)  # crashed before the rename: the file is still in the inbox
                continue
            self.take_sidecar(intake)
            out.append(intake)
        return out

    def adopt_orphans(self) -> int:
        """Take over the intake folders of watchers that are no longer running (their lock is free)."""
        adopted = 0
        for other in self.layout.processing.iterdir():
            if other == self.dir or other.name.startswith(".") or not other.is_dir():
                continue
            try:
                fd = os.open(other / LOCK, os.O_RDWR)
            except FileNotFoundError:
                fd = None  # a watcher that crashed between mkdir and locking, or a half-removed workspace
            try:
                if fd is not None:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # alive
                for d in sorted(p for p in other.iterdir() if p.is_dir()):
                    try:
                        os.rename(d, self.dir / d.name)
                        adopted += 1
                    except FileNotFoundError:
                        continue  # another watcher adopted it first
                (other / LOCK).unlink(missing_ok=True)
                try:
                    other.rmdir()
                except OSError as e:
                    if e.errno not in (errno.ENOTEMPTY, errno.ENOENT):
                        raise
            finally:
                if fd is not None:
                    os.close(fd)
        if adopted:
            log.warning("watch state=resumed intakes=%d (left in processing/ by a watcher that stopped)", adopted)
        return adopted

    # -- filing ---------------------------------------------------------------------------------------------------

    def file(self, intake: Intake, *, failed: bool, report: dict[str, Any]) -> Path:
        """Move the document (and sidecar) to done/ or failed/ beside its report, under a name no other file has.
        Resumable: ``filing.json`` holds the chosen name before anything is moved."""
        base = (self.layout.failed if failed else self.layout.done) / intake.subdir
        base.mkdir(parents=True, exist_ok=True)
        suffix = ERROR_SUFFIX if failed else RESULT_SUFFIX
        plan = intake.checkpoint(FILING)
        name = plan["name"] if plan and plan["failed"] == failed else None
        report = {**report, "intake": intake.id}
        for n in range(1, 10_000):
            if name is None:
                name = numbered(intake.name, n)
                if any(os.path.lexists(base / f) for f in (name, name + suffix, name + SIDECAR_SUFFIX)):
                    name = None
                    continue
                intake.save_checkpoint(FILING, {"name": name, "failed": failed})
            if self._reserve(base / (name + suffix), report, intake.id):
                break
            name = None
        else:  # pragma: no cover - 10,000 files of one name
            raise FileExistsError(f"no free name for {intake.id} in {base}")
        target = base / name
        if os.path.lexists(intake.document):
            os.rename(intake.document, target)
        if intake.sidecar.exists():
            os.rename(intake.sidecar, base / (name + SIDECAR_SUFFIX))
        shutil.rmtree(intake.dir)
        return target

    @staticmethod
    def _reserve(path: Path, report: dict[str, Any], intake_id: str) -> bool:
        """Write the report under ``path`` unless another file has that name (an earlier run of this very intake
        counts as ours). Linked into place, so a report is never seen half-written and never overwrites."""
        existing = read_json(path) if path.exists() else None
        if existing is not None:
            return existing.get("intake") == intake_id
        tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
        write_json_atomic(tmp, report)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
        return True


def walk(top: Path, ignore: list[str]) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``top`` that is not a folder (files, links, others), with its ``lstat``; never follows a
    link, never enters an ignored (e.g. hidden) folder."""
    try:
        entries = list(os.scandir(top))
    except OSError as e:  # gone, or a folder we may not read: its files stay where they are
        if not isinstance(e, (FileNotFoundError, NotADirectoryError)):
            log.warning("watch state=unreadable_folder error=%s", type(e).__name__)
        return
    for e in entries:
        if is_ignored(e.name, ignore):
            continue
        try:
            s = e.stat(follow_symlinks=False)
        except OSError:
            continue
        if st.S_ISDIR(s.st_mode):
            yield from walk(Path(e.path), ignore)
        else:
            yield Path(e.path), s


@dataclass(frozen=True)
class WatchStatus:
    queued: int
    in_flight: int
    done_today: int
    failed_today: int
    watchers: int

    def to_json_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "in_flight": self.in_flight, "done_today": self.done_today,
                "failed_today": self.failed_today, "watchers": self.watchers}


def status(layout: Layout, settings: Settings) -> WatchStatus:
    """Counts for ``claimflow watch --status``: documents waiting in the inbox (ignored names and sidecars not
    counted), intakes in processing/, results filed today (UTC), running watchers."""
    queued = sum(1 for p, _ in walk(layout.inbox, settings.watch_ignore) if not is_sidecar(p.name))
    in_flight = watchers = 0
    if layout.processing.is_dir():
        for w in layout.processing.iterdir():
            if w.is_dir() and not w.name.startswith("."):
                in_flight += sum(1 for d in w.iterdir() if d.is_dir())
                watchers += _locked(w / LOCK)
    today = utcnow().date()

    def filed_today(base: Path, suffix: str) -> int:
        if not base.is_dir():
            return 0
        return sum(1 for p in base.rglob(f"*{suffix}")
                   if dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).date() == today)

    return WatchStatus(queued, in_flight, filed_today(layout.done, RESULT_SUFFIX),
                       filed_today(layout.failed, ERROR_SUFFIX), watchers)


def _locked(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
