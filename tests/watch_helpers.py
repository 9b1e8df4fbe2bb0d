"""Helpers for the watched-folder tests: small generated documents, a watcher on a thread, waiting with a deadline,
and readers for what the folder and the database say afterwards."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from claimflow.settings import Settings
from db.audit.models import AuditEntryRow
from db.models import Claim
from flows.runtime import sessions_for
from flows.watcher import Watcher


def bill_pdf(i: int, pages_of_text: int = 1) -> bytes:
    """A small digital bill (a text layer: no raster OCR), unique per ``i``."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)  # deterministic bytes: the same i is the same document
    for _ in range(pages_of_text):
        c.drawString(72, 720, f"Riverside Clinic    Invoice INV-{i:06d}")
        c.drawString(72, 700, "Member ID: W123456789")
        c.drawString(72, 680, "Date of service: 2026-11-02")
        c.drawString(72, 660, f"99213 Office visit    ${100 + i}.00")
        c.drawString(72, 640, f"Total due    ${100 + i}.00")
        c.showPage()
    c.save()
    return buf.getvalue()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@contextmanager
def watching(settings: Settings, root: Path, **kwargs: object) -> Iterator[Watcher]:
    """A watcher running on a thread for the duration of the block (stopped and joined afterwards)."""
    watcher = Watcher(settings, root, **kwargs)  # type: ignore[arg-type]
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            watcher.run(stop)
        except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append(e)

    t = threading.Thread(target=run, name="watcher", daemon=True)
    t.start()
    wait_until(lambda: watcher.workspace.dir.exists() or bool(errors), 60, "the watcher to start")
    try:
        yield watcher
    finally:
        stop.set()
        t.join(120)
        assert not t.is_alive(), "the watcher did not stop"
    if errors:
        raise errors[0]


def filed(base: Path, suffix: str) -> dict[str, dict]:
    """Reports under ``base`` (recursively) by document path relative to base."""
    return {p.relative_to(base).as_posix()[: -len(suffix)]: json.loads(p.read_text("utf-8"))
            for p in base.rglob(f"*{suffix}")}


def results(root: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    return filed(root / "done", ".result.json"), filed(root / "failed", ".error.json")


def count_results(root: Path) -> int:
    return sum(1 for _ in (root / "done").rglob("*.result.json")) + \
        sum(1 for _ in (root / "failed").rglob("*.error.json"))


def audit_types(settings: Settings) -> list[dict]:
    with sessions_for(settings)() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.log, AuditEntryRow.seq)).all()
        return [json.loads(bytes(r.entry)) for r in rows]


def received_per_digest(settings: Settings) -> Counter[str]:
    return Counter(e["data"]["document_sha256"] for e in audit_types(settings) if e["type"] == "claim.received")


def claims(settings: Settings) -> list[Claim]:
    with sessions_for(settings)() as s:
        return list(s.scalars(select(Claim)).all())
