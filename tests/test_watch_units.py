"""The watched folder's parts alone: the stability rules on a fake clock, safe names, the sidecar contract, the
on-disk claim/adopt/file moves (no watcher loop, no pipeline)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat as st
import subprocess
import sys
from pathlib import Path

import pytest

from claimflow.errors import SidecarError
from claimflow.settings import Settings
from claimflow.sidecar import parse_sidecar
from flows.intake import Layout, Workspace, place_of, sanitize_name, status
from flows.stability import FileStabilityTracker, Seen

TODAY = dt.date(2026, 12, 7)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def seen(size: int, mtime: int = 1) -> Seen:
    return Seen(size, mtime, 42, st.S_IFREG)


def test_a_file_settles_only_after_a_quiet_period_with_nothing_changing() -> None:
    clock = Clock()
    t = FileStabilityTracker(settle=2.0, empty_grace=60.0, clock=clock)
    p = Path("inbox/a.pdf")
    assert not t.settled(p, seen(10))
    clock.t += 1.9
    assert not t.settled(p, seen(10))
    clock.t += 0.2
    assert t.settled(p, seen(10))
    # A change of size (or mtime) starts the quiet period again, however long it was quiet before.
    assert not t.settled(p, seen(11))
    clock.t += 1.0
    assert not t.settled(p, seen(11, mtime=2))
    clock.t += 2.0
    assert t.settled(p, seen(11, mtime=2))
    # An event restarts it too, even when size and mtime did not move.
    t.touch(p)
    assert not t.settled(p, seen(11, mtime=2))
    # Gone: forgotten.
    assert not t.settled(p, None) and not t.known(p)


def test_an_empty_file_waits_for_the_grace_period() -> None:
    clock = Clock()
    t = FileStabilityTracker(settle=1.0, empty_grace=30.0, clock=clock)
    p = Path("inbox/placeholder.pdf")
    t.observe(p, seen(0))
    clock.t += 10
    assert not t.settled(p, seen(0))
    clock.t += 21
    assert t.settled(p, seen(0))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("bill.pdf", "bill.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a..\\..\\b...pdf", "b.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("Jane Doe: <receipt>|?.pdf", "Jane Doe_ _receipt_.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_names_written_are_sanitized(name: str, safe: str) -> None:
    assert sanitize_name(name) == safe


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"member_id": "W1", "note": "x"}', "'note' was unexpected"),
        (b'{"received_on": "2026-02-30"}', "is not a 'date'"),
        (b'{"received_on": "2027-01-01"}', "in the future"),
        (b'{"member_id": "W1", "member_id": "W2"}', "appears twice"),
        (b'{"claim_reference": "../x"}', "does not match"),
        (b"[]", "is not of type 'object'"),
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b'{"member_id": "' + b"1" * 200 + b'"}', "more than CLAIMFLOW_WATCH_SIDECAR_MAX_BYTES"),
    ],
)
def test_a_bad_sidecar_is_refused_with_the_problem_named(data: bytes, problem: str) -> None:
    with pytest.raises(SidecarError) as e:
        parse_sidecar(data, name="bill.pdf.json", max_bytes=128, today=TODAY)
    assert problem in str(e.value) and "bill.pdf.json" in str(e.value) and e.value.kind == "bad_sidecar"


def test_a_good_sidecar() -> None:
    car = parse_sidecar(b'{"member_id": "W123", "claim_reference": "AC/9", "received_on": "2026-12-01"}',
                        name="x.json", max_bytes=1024, today=TODAY)
    assert (car.member_id, car.claim_reference, car.received_on) == ("W123", "AC/9", dt.date(2026, 12, 1))


def test_claim_is_exclusive_and_a_dead_watchers_intakes_are_adopted(settings: Settings, tmp_path: Path) -> None:
    layout = Layout(tmp_path / "w")
    layout.ensure(["acme"])
    doc = layout.inbox / "acme" / "bill.pdf"
    doc.write_bytes(b"%PDF-1.4 x")
    first, second = Workspace(layout), Workspace(layout)
    first.open()
    second.open()
    s = settings.model_copy(update={"watch_tenants": ["acme"]})
    intake = first.claim(doc, place_of(layout, doc, s), None)
    assert intake is not None and intake.tenant == "acme" and intake.document.read_bytes() == b"%PDF-1.4 x"
    assert second.claim(doc, place_of(layout, doc, s), None) is None  # the rename already happened
    assert [p.name for p in second.dir.iterdir()] == [".lock"]  # and the loser left nothing behind
    assert second.adopt_orphans() == 0  # the first watcher is alive (its lock is held)
    assert status(layout, s).to_json_dict() == {"queued": 0, "in_flight": 1, "done_today": 0, "failed_today": 0,
                                                 "watchers": 2}

    # A watcher in another process that dies: its lock is released, its intakes are adopted, once.
    code = ("import sys, os; sys.path.insert(0, sys.argv[2]); from pathlib import Path; "
            "from flows.intake import Layout, Workspace, place_of, Place; "
            "ws = Workspace(Layout(Path(sys.argv[1]))); ws.open(); p = Path(sys.argv[1]) / 'inbox' / 'two.pdf'; "
            "ws.claim(p, Place('default', '', 'two.pdf'), None); os._exit(9)")
    (layout.inbox / "two.pdf").write_bytes(b"%PDF-1.4 two")
    subprocess.run([sys.executable, "-c", code, str(layout.root), str(Path(__file__).parent.parent)], check=False)
    assert second.adopt_orphans() == 1 and first.adopt_orphans() == 0
    (adopted,) = second.intakes()
    assert adopted.original == "two.pdf" and adopted.document.read_bytes() == b"%PDF-1.4 two"

    target = second.file(adopted, failed=True, report={"error_kind": "x"})
    assert target == layout.failed / "two.pdf" and target.read_bytes() == b"%PDF-1.4 two"
    assert json.loads((layout.failed / "two.pdf.error.json").read_text())["intake"] == adopted.id
    assert not adopted.dir.exists()
    first.close()
    second.close()
    assert sorted(os.listdir(layout.processing)) == [first.dir.name]  # the first still holds an intake


def test_a_crash_between_the_receipt_and_its_checkpoint_is_not_a_resubmission(settings: Settings,
                                                                              tmp_path: Path) -> None:
    """The receipt committed, then the process died before noting it in the intake folder: on resume the claim
    is found as this intake's own — one `claim.received`, no `claim.resubmitted`, filed as an ordinary result."""
    from flows import stages
    from flows.runtime import sessions_for
    from flows.watch_intake import IntakeProcessor
    from flows.watch_runner import StagesRunner
    from watch_helpers import audit_types, bill_pdf

    sessions = sessions_for(settings)

    def ctx_for(tenant: str, received_on: object, submitted_by: str) -> stages.Context:
        return stages.Context(settings=settings, sessions=sessions, tenant=tenant, source="folder",
                              submitted_by=submitted_by)

    layout = Layout(tmp_path / "w")
    layout.ensure([])
    (layout.inbox / "bill.pdf").write_bytes(bill_pdf(40))
    ws = Workspace(layout)
    ws.open()
    intake = ws.claim(layout.inbox / "bill.pdf", place_of(layout, layout.inbox / "bill.pdf", settings), None)
    assert intake is not None
    stages.receive(ctx_for("default", None, f"folder/{intake.id}"), intake.document)  # ... and the process died

    processor = IntakeProcessor(settings, ws, StagesRunner(settings, lambda t: ctx_for(t, None, "folder")), ctx_for)
    assert processor.process(intake) == "done"
    report = json.loads((layout.done / "bill.pdf.result.json").read_text())
    assert report["resubmission"] is False and report["outcome"]
    types = [e["type"] for e in audit_types(settings)]
    assert types.count("claim.received") == 1 and "claim.resubmitted" not in types
    ws.close()


def test_watch_status_counts_the_queue_and_todays_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLAIMFLOW_DATA_DIR", str(tmp_path / "var"))
    root = tmp_path / "w"
    layout = Layout(root)
    layout.ensure([])
    (layout.inbox / "a.pdf").write_bytes(b"x")
    (layout.inbox / "sub").mkdir()
    (layout.inbox / "sub" / "b.pdf").write_bytes(b"y")
    (layout.inbox / "b.pdf.json").write_text("{}")  # a sidecar is not a document
    (layout.inbox / "c.pdf.part").write_bytes(b"z")  # ignored by name
    (layout.done / "d.pdf.result.json").write_text("{}")
    (layout.failed / "e.pdf.error.json").write_text("{}")
    (layout.failed / "f.pdf.error.json").write_text("{}")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).timestamp()
    os.utime(layout.failed / "f.pdf.error.json", (old, old))  # not today

    result = CliRunner().invoke(app, ["watch", str(root), "--status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"queued": 2, "in_flight": 0, "done_today": 1, "failed_today": 1,
                                         "watchers": 0}
