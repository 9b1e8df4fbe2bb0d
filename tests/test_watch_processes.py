"""`claimflow watch` as real processes: killed with SIGKILL mid-batch and started again, and two of them on one
folder. The pipeline is the real one (digital PDFs, tens of milliseconds a document)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from claimflow.settings import Settings
from db import audit
from flows.runtime import sessions_for
from watch_helpers import audit_types, bill_pdf, claims, count_results, received_per_digest, results, wait_until

REPO = Path(__file__).resolve().parent.parent


def _start(root: Path, data_dir: Path, log: Path, **env: str) -> subprocess.Popen[bytes]:
    cli = Path(sys.executable).with_name("claimflow")
    cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "claimflow.cli.main"]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLAIMFLOW_")},
        "PYTHONPATH": str(REPO),
        "CLAIMFLOW_DATA_DIR": str(data_dir),
        "CLAIMFLOW_OCR_WORKERS": "1",
        "CLAIMFLOW_WATCH_SETTLE": "0.5",
        "CLAIMFLOW_WATCH_RESCAN": "5",
        **env,
    }
    return subprocess.Popen([*cmd, "watch", str(root)], env=environment, cwd=data_dir.parent,
                            stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def _started(log: Path, n: int) -> bool:
    return log.exists() and log.read_text().count("state=started") >= n


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(120) == 0


def _intakes(root: Path) -> list[Path]:
    return [d for w in (root / "processing").iterdir() if w.is_dir() for d in w.iterdir() if d.is_dir()]


def _documents(n: int, malformed: int) -> dict[str, bytes]:
    docs = {f"bill-{i:02d}.pdf": bill_pdf(300 + i, pages_of_text=2) for i in range(n - malformed)}
    docs.update({f"broken-{i}.pdf": f"not a pdf {i}\n".encode() for i in range(malformed)})
    return docs


def _check(settings: Settings, root: Path, docs: dict[str, bytes]) -> None:
    done, failed = results(root)
    filed = Counter(r["file"] for r in [*done.values(), *failed.values()])
    assert filed == Counter(list(docs)), "a file was lost or filed twice"
    assert {r["file"] for r in failed.values()} == {n for n in docs if n.startswith("broken")}
    assert not any(r["resubmission"] for r in done.values()), "a file was received twice"
    digests = {hashlib.sha256(d).hexdigest() for d in docs.values()}
    assert received_per_digest(settings) == Counter(dict.fromkeys(digests, 1))
    assert not [e for e in audit_types(settings) if e["type"] == "claim.resubmitted"]
    assert {c.document_sha256 for c in claims(settings)} == digests
    assert not _intakes(root) and not list((root / "inbox").iterdir())
    with sessions_for(settings)() as s:
        assert audit.verify_database(s).ok


@pytest.mark.slow
def test_killed_mid_batch_and_started_again_nothing_is_lost_or_received_twice(settings: Settings,
                                                                              tmp_path: Path) -> None:
    root, log = tmp_path / "w", tmp_path / "watch.log"
    docs = _documents(50, malformed=5)
    first = _start(root, settings.data_dir, log, CLAIMFLOW_WATCH_WORKERS="1")
    try:
        wait_until(lambda: _started(log, 1), 120, "the watcher to start")
        for name, data in docs.items():
            (root / "inbox" / name).write_bytes(data)
        wait_until(lambda: count_results(root) >= 8 and bool(_intakes(root)), 120, "the batch to be under way")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    left_in_processing = len(_intakes(root))
    assert count_results(root) < len(docs), "the batch finished before the kill: nothing was tested"

    second = _start(root, settings.data_dir, log)
    try:
        wait_until(lambda: count_results(root) >= len(docs), 300, "every file to be filed after the restart")
    finally:
        _stop(second)
    if left_in_processing:
        assert "state=resumed" in log.read_text()
    _check(settings, root, docs)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_watcher_processes_on_one_folder_take_each_file_once(
    database: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two machines on one share and one database (PostgreSQL where CLAIMFLOW_TEST_PG_URL is set)."""
    env: dict[str, str] = {}
    if database == "postgres":
        url = request.getfixturevalue("pg_url")
        settings = settings.model_copy(update={"database_url": url})
        env["CLAIMFLOW_DATABASE_URL"] = url
    root, logs = tmp_path / "w", [tmp_path / "a.log", tmp_path / "b.log"]
    docs = _documents(60, malformed=4)
    procs = [_start(root, settings.data_dir, log, **env) for log in logs]
    try:
        wait_until(lambda: all(_started(log, 1) for log in logs), 120, "both watchers to start")
        for name, data in docs.items():
            (root / "inbox" / name).write_bytes(data)
        wait_until(lambda: count_results(root) >= len(docs), 300, "every file to be filed")
    finally:
        for p in procs:
            _stop(p)
    _check(settings, root, docs)
    claimed = [log.read_text().count("state=claimed") for log in logs]
    assert sum(claimed) == len(docs), claimed  # each file claimed by exactly one of them
    # (which one takes how many is up to the scheduler; both are watching the same events)
