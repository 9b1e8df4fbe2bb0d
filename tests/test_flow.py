"""The claim flow end to end with real OCR, rules and audit log, under Prefect's test harness."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from claimflow.settings import Settings
from db import audit
from db.audit.models import AuditEntryRow
from db.models import Claim, DecisionRow, ExtractionRow
from db.members import upsert_members
from flows import dispatch, stages
from flows.runtime import sessions_for, store_for

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_docs" / "clinic-digital.pdf"
SCAN = REPO / "sample_docs" / "clinic-scan.png"


def _entries(settings: Settings) -> list[dict]:
    with sessions_for(settings)() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.log, AuditEntryRow.seq)).all()
        return [json.loads(bytes(r.entry)) for r in rows]


def process_file(path: Path, settings: Settings, tenant: str, source: str, who: str) -> stages.ClaimResult:
    """What `claimflow process` does for one file: receive it here, then run the claim flow in this process."""
    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant=tenant, source=source,
                         submitted_by=who)
    admission = dispatch.admit(ctx, path)
    if admission.needs_run:
        dispatch.run_local(settings, admission.ref)
    return stages.summarize(ctx, admission.received, file=str(path)).named(str(path))


def _load_sample_members(settings: Settings) -> None:
    import yaml

    from claimflow.model import Member

    records = yaml.safe_load((REPO / "sample_docs" / "members.yaml").read_text())
    records = records["members"] if isinstance(records, dict) else records
    with sessions_for(settings).begin() as s:
        upsert_members(session=s, members=[Member.model_validate(r) for r in records])


@pytest.mark.slow
def test_flow_decides_a_document_and_audits_every_step(prefect_harness: None, settings: Settings, tmp_path: Path) -> None:
    _load_sample_members(settings)
    doc = tmp_path / "incoming" / "bill.png"
    doc.parent.mkdir()
    shutil.copy(SCAN, doc)

    result = process_file(doc, settings, "acme", "cli", "tester")

    assert result.claim_id and result.outcome in {"APPROVED", "PARTIALLY_APPROVED", "DENIED", "PENDING_REVIEW"}
    # The original comes back byte for byte from the store; on disk it is sealed (docs/privacy.md).
    assert result.sha256 and store_for(settings).read_bytes(result.sha256) == doc.read_bytes()
    assert (settings.documents_dir / result.sha256[:2] / result.sha256).read_bytes()[:3] == b"CFE"
    entries = _entries(settings)
    assert [e["type"] for e in entries] == ["claim.received", "ocr.completed", "extraction.completed", "claim.adjudicated"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4] and {e["log"] for e in entries} == {"acme"}
    with sessions_for(settings)() as s:
        ext = s.scalar(select(ExtractionRow))
        dec = s.scalar(select(DecisionRow))
        assert ext is not None and dec is not None
        assert entries[2]["data"]["extraction_digest"] == ext.digest
        assert entries[3]["data"]["decision_digest"] == dec.digest and entries[3]["data"]["outcome"] == dec.outcome
        # No PHI in audit payloads: neither the file name, nor the member's name or id, nor any diagnosis.
        extraction = ext.extraction
    payloads = json.dumps([e["data"] for e in entries])
    assert "bill.png" not in payloads
    for value in (extraction["patient"]["name"], extraction["patient"]["member_id"]):
        if value:
            assert value not in payloads
    for dx in extraction["diagnoses"]:
        assert not dx["description"] or dx["description"] not in payloads

    # The same bytes again (under another name) are the same claim: not processed twice, the resubmission audited.
    again = tmp_path / "incoming" / "copy-of-bill.png"
    shutil.copy(SCAN, again)
    second = process_file(again, settings, "acme", "folder", "tester")
    assert second.claim_id == result.claim_id and second.resubmission and second.outcome == result.outcome
    with sessions_for(settings)() as s:
        assert len(s.scalars(select(Claim)).all()) == 1
        assert len(s.scalars(select(DecisionRow)).all()) == 1
    entries = _entries(settings)
    assert [e["type"] for e in entries][-1] == "claim.resubmitted" and len(entries) == 5
    with sessions_for(settings)() as s:
        assert audit.verify_database(s).ok


@pytest.mark.slow
def test_flow_records_a_bad_document_without_losing_it(prefect_harness: None, settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"<html><body>not a pdf</body></html>")

    result = process_file(bad, settings, "acme", "cli", "tester")

    assert result.outcome is None and result.status == "failed" and result.error_kind == "unsupported_type"
    assert str(bad) in (result.error or "")  # the message names the file the user gave
    assert store_for(settings).read_bytes(result.sha256) == bad.read_bytes()  # kept (sealed at rest)
    entries = _entries(settings)
    assert [e["type"] for e in entries] == ["claim.received", "claim.failed"]
    assert entries[1]["data"] == {"claim_id": result.claim_id, "stage": "ocr", "error_kind": "unsupported_type"}


def test_missing_file_is_an_error_with_no_claim(settings: Settings, tmp_path: Path) -> None:
    from claimflow.errors import InputMissingError

    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant="acme", source="cli",
                         submitted_by="tester")
    with pytest.raises(InputMissingError, match="nope.pdf"):
        dispatch.admit(ctx, tmp_path / "nope.pdf")
    assert _entries(settings) == []


def test_stages_run_without_prefect_and_resume_an_interrupted_claim(settings: Settings, tmp_path: Path) -> None:
    """A claim that stopped after receipt (e.g. the machine died during OCR) is picked up again, not duplicated."""
    ctx = stages.Context(settings=settings, sessions=sessions_for(settings), tenant="acme", source="api",
                         submitted_by="tester")
    doc = tmp_path / "bill.pdf"
    shutil.copy(SAMPLE, doc)
    first = stages.receive(ctx, doc)
    assert not first.is_resubmission and first.status == "received"
    again = stages.receive(ctx, doc)
    assert again.claim_id == first.claim_id and again.is_resubmission and again.status == "received"
    assert [e["type"] for e in _entries(settings)] == ["claim.received", "claim.resubmitted"]
