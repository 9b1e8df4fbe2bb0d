"""Submit → poll → decided over HTTP, with the real pipeline (OCR, extraction, rules, audit log) run in-process by
the app's dispatcher (the served Prefect deployment is wired by the orchestration layer)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from api_helpers import SAMPLES, Api, load_sample_members, make_api
from sqlalchemy import Engine, select

from db.audit.models import AuditEntryRow
from db.audit.verify import verify_database
from db.engine import session_factory

DECIDED = {"approved", "partially_approved", "denied", "pending_review"}


def poll(api: Api, url: str, *, timeout: float = 240.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.client.get(url, headers=api.auth("acme", "submitter")).json()
        if body["status"] in DECIDED | {"failed"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"claim at {url} not decided within {timeout}s")


@pytest.fixture
def live(any_engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    a = make_api(any_engine, tmp_path, in_process=True)
    load_sample_members(a)
    with a.client:
        yield a
    a.dispatcher.join()  # type: ignore[attr-defined]


def audit_types(api: Api) -> list[str]:
    with session_factory(api.engine)() as s:
        return list(s.scalars(select(AuditEntryRow.entry).where(AuditEntryRow.log == "acme")
                              .order_by(AuditEntryRow.seq)))


@pytest.mark.slow
def test_submit_poll_decided_with_extraction_evidence_decision_and_eob(live: Api) -> None:
    r = live.submit(("clinic-digital.pdf", (SAMPLES / "clinic-digital.pdf").read_bytes()),
                    metadata='{"reference": "INS-1"}')
    assert r.status_code == 202 and r.json()["status"] == "received"
    claim = poll(live, r.json()["status_url"])
    assert claim["status"] in DECIDED, claim.get("error")
    ext, dec = claim["extraction"], claim["decision"]
    assert ext["line_items"] and all("evidence" in li for li in ext["line_items"])
    assert [s["document"] for s in claim["line_sources"]] == [1] * len(ext["line_items"])
    assert dec["outcome"].lower() == claim["status"] and dec["decided_by"] == "claimflow/rules"
    assert isinstance(dec["payable"], str) and "." in dec["payable"]  # money is a two-place string
    assert claim["eob"].startswith("EXPLANATION OF BENEFITS")
    assert [h["digest"] for h in claim["history"]] == [dec["digest"]]
    assert claim["reference"] == "INS-1"
    listed = live.client.get("/v1/claims", params={"status": claim["status"]},
                             headers=live.auth("acme", "reviewer")).json()
    assert [c["claim_id"] for c in listed["items"]] == [claim["claim_id"]]
    assert listed["items"][0]["outcome"] == dec["outcome"]
    with session_factory(live.engine)() as s:
        report = verify_database(s, log="acme")
    assert report.ok, report.first_problem
    # resubmitting the same bytes answers with the decided claim, not a second run
    again = live.submit(("copy.pdf", (SAMPLES / "clinic-digital.pdf").read_bytes()))
    assert again.json()["claim_id"] == claim["claim_id"] and again.json()["status"] == claim["status"]


@pytest.mark.slow
def test_a_claim_of_two_documents_is_decided_over_both_documents_line_items(live: Api) -> None:
    bill, rx = (SAMPLES / "clinic-digital.pdf").read_bytes(), (SAMPLES / "pharmacy-digital.pdf").read_bytes()
    r = live.submit(("bill.pdf", bill), ("rx.pdf", rx))
    claim = poll(live, r.json()["status_url"])
    assert claim["status"] in DECIDED, claim.get("error")
    docs = {s["document"] for s in claim["line_sources"]}
    assert docs == {1, 2}, claim["line_sources"]
    assert len(claim["line_sources"]) == len(claim["extraction"]["line_items"])
    shas = [d["sha256"] for d in claim["documents"]]
    assert [s["sha256"] for s in claim["line_sources"]] == [shas[s["document"] - 1] for s in claim["line_sources"]]
    # each document was read (one ocr.completed each), one extraction and one decision for the claim
    import json

    entries = [json.loads(bytes(e)) for e in audit_types(live)]
    types = [e["type"] for e in entries]
    assert types == ["claim.received", "ocr.completed", "ocr.completed", "extraction.completed", "claim.adjudicated"]
    assert entries[0]["data"]["documents"] == shas
    assert {e["data"]["document_sha256"] for e in entries if e["type"] == "ocr.completed"} == set(shas)
