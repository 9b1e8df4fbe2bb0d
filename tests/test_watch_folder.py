"""The watched folder with the real file system, real watchdog and the real pipeline (digital PDFs: text layer, so the
whole pipeline costs tens of milliseconds a document): every file dropped ends decided in done/, refused with the
reason in failed/, or left alone for its temporary name — once."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from pathlib import Path

import pytest

from claimflow.settings import Settings
from db import audit
from db.member_index import reveal_member_id
from flows.runtime import sessions_for
from watch_helpers import (
    audit_types,
    bill_pdf,
    claims,
    count_results,
    received_per_digest,
    results,
    wait_until,
    watching,
)

TEMP_NAMES = ["scan-1.pdf.part", "upload.tmp", "bill.pdf.crdownload", "copy.pdf.filepart", ".hidden.pdf"]
MONEY = re.compile(r"^\d+\.\d{2}$")


def _settings(settings: Settings, **kw: object) -> Settings:
    return settings.model_copy(update={"watch_settle": 1.0, "watch_grace": 2.0, "watch_rescan": 5.0, **kw})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _drop_200(root: Path, outside: Path) -> tuple[dict[str, bytes], set[str]]:
    """200 files at once into root/inbox: 168 bills, 10 exact duplicates of them under other names, 10 malformed,
    5 temporary names, 2 symbolic links, and a folder of 5 bills moved in (named like 5 of the others).
    Returns {path under inbox: bytes} of what must be filed (links: b"") and the names that must be ignored."""
    inbox = root / "inbox"
    outside.mkdir()
    expected: dict[str, bytes] = {}
    good = {f"bill-{i:03d}.pdf": bill_pdf(i) for i in range(168)}
    expected.update(good)
    for i in range(10):
        expected[f"copy-of-bill-{i:03d}.pdf"] = good[f"bill-{i:03d}.pdf"]
    valid = good["bill-000.pdf"]
    malformed = {
        "notes-0.pdf": b"meeting notes, not a bill 0\n",
        "truncated-1.pdf": valid[: len(valid) // 3],
        "html-2.pdf": b"<html><body>not a pdf 2</body></html>",
        "noise-3.png": os.urandom(2048),
        "empty-4.pdf": b"",
        "header-only-5.pdf": b"%PDF-1.7\n%garbage 5\n",
        "zip-6.pdf": b"PK\x03\x04" + os.urandom(512),
        "png-header-7.png": b"\x89PNG\r\n\x1a\n" + os.urandom(64),
        "jpeg-header-8.jpg": b"\xff\xd8\xff\xe0" + os.urandom(64),
        "text-9.tif": b"II*\x00 not a tiff 9",
    }
    expected.update(malformed)
    (outside / "real.pdf").write_bytes(bill_pdf(900))
    (outside / "folder").mkdir()
    staged = root / "staging" / "batch"
    staged.mkdir(parents=True)
    folder = {f"batch/bill-{i:03d}.pdf": bill_pdf(1000 + i) for i in range(5)}
    for rel, data in folder.items():
        (root / "staging" / rel).write_bytes(data)
    expected.update(folder)
    # Drop everything as fast as possible.
    for name, data in {**good, **{k: v for k, v in expected.items() if k.startswith("copy-of")}, **malformed}.items():
        (inbox / name).write_bytes(data)
    for name in TEMP_NAMES:
        (inbox / name).write_bytes(b"%PDF-1.4 still being downloaded")
    os.symlink(outside / "real.pdf", inbox / "link-to-file.pdf")
    os.symlink(outside / "folder", inbox / "link-to-folder")
    expected["link-to-file.pdf"] = b""
    expected["link-to-folder"] = b""
    os.rename(staged, inbox / "batch")
    assert len(expected) + len(TEMP_NAMES) == 200
    return expected, set(TEMP_NAMES)


def _check_all_accounted(settings: Settings, root: Path, expected: dict[str, bytes], ignored: set[str]) -> None:
    done, failed = results(root)
    reports = {**{r["file"]: ("done", k, r) for k, r in done.items()}, **{r["file"]: ("failed", k, r)
                                                                          for k, r in failed.items()}}
    assert len(done) + len(failed) == len(expected) == len(reports), "a file was filed twice or not at all"
    assert set(reports) == set(expected)
    for rel, data in expected.items():
        where, filed_as, report = reports[rel]
        doc = root / where / filed_as
        if rel.startswith("link-"):
            assert where == "failed" and report["error_kind"] == "refused_file" and doc.is_symlink()
            continue
        assert doc.read_bytes() == data, f"{rel} was not filed byte for byte"
        if rel.startswith(("bill-", "copy-of", "batch/")):
            assert where == "done", f"{rel}: {report}"
            assert report["document_sha256"] == _sha(data) and report["claim_id"]
            assert report["outcome"] in {"APPROVED", "PARTIALLY_APPROVED", "DENIED", "PENDING_REVIEW"}
            assert MONEY.match(report["payable"])
            if report["resubmission"]:  # whichever of a pair came second points at the first's claim
                assert report["resubmission_of"] == report["claim_id"]
        else:
            assert where == "failed", f"malformed {rel} was not refused: {report}"
            assert report["error_kind"] in {"unsupported_type", "corrupt_file", "empty_file", "image_too_small"}
            assert report["message"] and report["what_to_do"]
    # Of each pair of identical files exactly one is the resubmission, with the same claim as the other.
    for i in range(10):
        a, b = reports[f"bill-{i:03d}.pdf"][2], reports[f"copy-of-bill-{i:03d}.pdf"][2]
        assert a["claim_id"] == b["claim_id"] and a["resubmission"] != b["resubmission"]
    assert sum(r[2].get("resubmission", False) for r in reports.values()) == 10
    # Names written never collide: the folder's bill-000.pdf did not overwrite the inbox's.
    assert (root / "done" / "bill-000 (2).pdf").exists() or (root / "done" / "bill-000.pdf").exists()
    assert sorted(p.name for p in (root / "inbox").iterdir() if p.is_file()) == sorted(ignored)
    assert not [p for w in (root / "processing").iterdir() if w.is_dir() for p in w.iterdir() if p.is_dir()]
    # One claim per digest, one receipt each; the duplicates were audited as resubmissions of those claims.
    rows = claims(settings)
    digests = {_sha(d) for rel, d in expected.items() if d and not rel.startswith("link-")}
    assert {c.document_sha256 for c in rows} == digests and len(rows) == len(digests)
    assert set(received_per_digest(settings).values()) == {1}
    assert sum(e["type"] == "claim.resubmitted" for e in audit_types(settings)) == 10
    with sessions_for(settings)() as s:
        report = audit.verify_database(s)
    assert report.ok, report


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["native", "poll"])
def test_two_hundred_files_dropped_at_once_are_each_accounted_for_once(
    mode: str, settings: Settings, tmp_path: Path
) -> None:
    """Native events, and polling with file events unavailable (an observer that must never be started)."""
    s = _settings(settings)
    root = tmp_path / "w"
    kwargs: dict[str, object] = {}
    if mode == "poll":
        def no_events() -> object:
            raise AssertionError("polling mode must not start file events")

        kwargs = {"poll": 0.5, "observer_factory": no_events}
    with watching(s, root, **kwargs):
        expected, ignored = _drop_200(root, tmp_path / "outside")
        wait_until(lambda: count_results(root) >= len(expected), 600, "every file to be filed")
        time.sleep(1.5)  # anything filed twice would show up now
    _check_all_accounted(s, root, expected, ignored)


def _leases_work(folder: Path) -> bool:
    """Whether this file system grants read leases (how the watcher tells a writer still holds a file open)."""
    import fcntl

    probe = folder / "lease-probe"
    probe.write_bytes(b"x")
    fd = os.open(probe, os.O_RDONLY)
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        probe.unlink()


def test_a_file_written_slowly_is_taken_once_when_complete(settings: Settings, tmp_path: Path) -> None:
    """Chunks with pauses shorter than the settle time, then (where the file system grants leases, as local Linux
    disks do) pauses longer than it while the writer keeps the file open — size and mtime look stable, as in
    paperless-ngx #14219: taken once, after the last byte."""
    s = _settings(settings)
    long_pause = 1.6 if _leases_work(tmp_path) else 0.4
    root = tmp_path / "w"
    data = bill_pdf(7, pages_of_text=4)
    with watching(s, root):
        path = root / "inbox" / "slow.pdf"
        with path.open("wb") as f:
            chunks = [data[i: i + len(data) // 8 + 1] for i in range(0, len(data), len(data) // 8 + 1)]
            for n, chunk in enumerate(chunks):
                f.write(chunk)
                f.flush()
                time.sleep(0.4 if n < 4 else long_pause)
        wait_until(lambda: count_results(root) >= 1, 60, "the slow file to be filed")
        time.sleep(1.5)
    done, failed = results(root)
    assert not failed and list(done) == ["slow.pdf"]
    assert (root / "done" / "slow.pdf").read_bytes() == data and done["slow.pdf"]["document_sha256"] == _sha(data)
    assert list(received_per_digest(s).items()) == [(_sha(data), 1)] and len(claims(s)) == 1


def test_an_empty_placeholder_later_filled_is_taken_once_with_its_content(settings: Settings, tmp_path: Path) -> None:
    s = _settings(settings, watch_grace=30.0)
    root = tmp_path / "w"
    data = bill_pdf(8)
    with watching(s, root):
        path = root / "inbox" / "placeholder.pdf"
        path.touch()
        time.sleep(3 * s.watch_settle)  # quiet for longer than the settle time, but empty
        assert path.exists(), "an empty placeholder was taken"
        path.write_bytes(data)
        wait_until(lambda: count_results(root) >= 1, 60, "the filled file to be filed")
        time.sleep(1.5)
    done, failed = results(root)
    assert not failed and done["placeholder.pdf"]["document_sha256"] == _sha(data)
    assert len(claims(s)) == 1


def test_sidecars_tenant_folders_and_colliding_names(settings: Settings, tmp_path: Path) -> None:
    s = _settings(settings, watch_tenants=["acme"])
    root = tmp_path / "w"
    inbox = root / "inbox"
    with watching(s, root):
        (inbox / "acme").mkdir(exist_ok=True)
        (inbox / "acme" / "bill.pdf.json").write_text(
            '{"member_id": "W123456789", "claim_reference": "ACME-77/1", "received_on": "2026-11-30"}')
        (inbox / "acme" / "bill.pdf").write_bytes(bill_pdf(1))
        (inbox / "bill.pdf").write_bytes(bill_pdf(2))
        (inbox / "sub").mkdir()
        (inbox / "sub" / "bill.pdf").write_bytes(bill_pdf(3))
        (inbox / "bad.pdf.json").write_text('{"member_id": "W1", "path": "../../etc/passwd"}')
        (inbox / "bad.pdf").write_bytes(bill_pdf(4))
        (inbox / "big.pdf.json").write_text('{"claim_reference": "' + "x" * s.watch_sidecar_max_bytes + '"}')
        (inbox / "big.pdf").write_bytes(bill_pdf(5))
        wait_until(lambda: count_results(root) >= 5, 60, "five files to be filed")
    done, failed = results(root)
    assert set(done) == {"acme/bill.pdf", "bill.pdf", "bill (2).pdf"}
    assert done["acme/bill.pdf"]["tenant"] == "acme" and done["bill.pdf"]["tenant"] == "default"
    assert (root / "done" / "acme" / "bill.pdf.json").exists()  # the sidecar is filed beside its document
    assert {done["bill.pdf"]["file"], done["bill (2).pdf"]["file"]} == {"bill.pdf", "sub/bill.pdf"}
    (acme,) = [c for c in claims(s) if c.tenant == "acme"]
    with sessions_for(s)() as db:  # the declared id is stored as its blind index, the id itself sealed
        declared = reveal_member_id(db, "acme", acme.declared_member_id)
    assert acme.declared_member_id != "W123456789"
    assert (acme.reference, declared, acme.received_on.isoformat()) == ("ACME-77/1", "W123456789", "2026-11-30")
    assert set(failed) == {"bad.pdf", "big.pdf"}
    assert failed["bad.pdf"]["error_kind"] == "bad_sidecar" and "'path' was unexpected" in failed["bad.pdf"]["message"]
    assert "CLAIMFLOW_WATCH_SIDECAR_MAX_BYTES" in failed["big.pdf"]["message"]
    for name in ("bad.pdf", "big.pdf"):  # the document is kept beside the error, with its sidecar
        assert (root / "failed" / name).read_bytes().startswith(b"%PDF") and (root / "failed" / f"{name}.json").exists()
    assert {c.document_sha256 for c in claims(s)} == {_sha(bill_pdf(i)) for i in (1, 2, 3)}


def test_silent_file_events_fall_back_to_polling_and_say_so(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """inotify on a CIFS/NFS mount starts fine and never reports anything (paperless-ngx #1975)."""
    from watchdog.observers.api import BaseObserver

    class DeafObserver(BaseObserver):
        def schedule(self, *args: object, **kwargs: object) -> None:
            return None

        def start(self) -> None:
            return None

        def stop(self) -> None:
            return None

        def join(self, timeout: float | None = None) -> None:
            return None

    s = _settings(settings)
    root = tmp_path / "w"
    caplog.set_level(logging.INFO, logger="flows.watcher")
    with watching(s, root, observer_factory=lambda: DeafObserver(emitter_class=object)) as watcher:  # type: ignore[arg-type]
        (root / "inbox" / "bill.pdf").write_bytes(bill_pdf(11))
        wait_until(lambda: count_results(root) >= 1, 60, "the file to be filed by polling")
        assert watcher.poll is not None
    assert any("state=polling" in r.getMessage() and "no file event" in r.getMessage() for r in caplog.records)
    # Logs name no file: intake and claim ids, digest prefixes and states only (file names are DEBUG).
    assert not any("bill.pdf" in r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG)


def test_transient_trouble_keeps_the_file_and_a_crashing_runner_still_files_it(settings: Settings,
                                                                               tmp_path: Path) -> None:
    """The database away for a moment: the file waits in processing/ and is decided on a later try. A runner that
    crashes (a bug): the file goes to failed/ as `unexpected`, the claim is marked failed, nothing is left behind."""
    from claimflow.errors import DatabaseError
    from flows import stages
    from flows.watch_runner import ClaimRef, StagesRunner

    s = _settings(settings)
    sessions = sessions_for(s)
    real = StagesRunner(s, lambda tenant: stages.Context(settings=s, sessions=sessions, tenant=tenant,
                                                         source="folder", submitted_by="folder"))
    calls: list[str] = []

    class Runner:
        def decide(self, ref: ClaimRef) -> stages.ClaimResult:
            calls.append(ref.claim_id)
            if ref.document_sha256 == _sha(bill_pdf(21)):
                raise RuntimeError("a bug")
            if len(calls) == 1:
                raise DatabaseError("database unreachable")
            return real.decide(ref)

    root = tmp_path / "w"
    with watching(s, root, runner=Runner()):
        (root / "inbox" / "flaky.pdf").write_bytes(bill_pdf(20))
        wait_until(lambda: bool(calls), 60, "the first try")
        (root / "inbox" / "crash.pdf").write_bytes(bill_pdf(21))
        wait_until(lambda: count_results(root) >= 2, 60, "both files to be filed")
    done, failed = results(root)
    assert done["flaky.pdf"]["outcome"] and not done["flaky.pdf"]["resubmission"]
    assert failed["crash.pdf"]["error_kind"] == "unexpected" and failed["crash.pdf"]["claim_id"]
    assert (root / "failed" / "crash.pdf").read_bytes() == bill_pdf(21)
    assert {c.document_sha256: c.status for c in claims(s)}[_sha(bill_pdf(21))] == "failed"
    assert set(received_per_digest(s).values()) == {1}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_copies_of_one_document_dropped_together_make_one_claim(
    database: str, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Eight copies decided by four workers at once: one receipt, seven resubmissions pointing at it (on PostgreSQL
    the racing receipts meet the unique tenant+digest constraint and are retried as resubmissions)."""
    s = _settings(settings, watch_workers=4)
    if database == "postgres":
        s = s.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    root = tmp_path / "w"
    data = bill_pdf(30)
    with watching(s, root):
        for i in range(8):
            (root / "inbox" / f"copy-{i}.pdf").write_bytes(data)
        wait_until(lambda: count_results(root) >= 8, 120, "the eight copies to be filed")
    done, failed = results(root)
    assert not failed and len(done) == 8
    assert len({r["claim_id"] for r in done.values()}) == 1
    assert sorted(r["resubmission"] for r in done.values()) == [False] + [True] * 7
    assert received_per_digest(s) == {_sha(data): 1} and len(claims(s)) == 1
    with sessions_for(s)() as db:
        assert audit.verify_database(db).ok
