"""Submitting claims: idempotency, limits and hostile uploads — refused with the documented 4xx, nothing left behind
(no stored file, no document row, no claim, no audit entry)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from api_helpers import SAMPLES, Api, api, stored_files  # noqa: F401 - the fixture
from sqlalchemy import func, select

from db.audit.models import AuditEntryRow
from db.engine import session_factory
from db.models import Claim, ClaimDocumentRow, DocumentRow, IdempotencyKeyRow

PDF = (SAMPLES / "clinic-digital.pdf").read_bytes()
PNG = (SAMPLES / "clinic-scan.png").read_bytes()
BAD = SAMPLES / "bad"

# sample_docs/bad: the documented answer for each (sample_docs/README.md, docs/api.md)
REFUSED = {
    "bomb.png": (413, "limit_exceeded"),
    "empty.pdf": (422, "empty_file"),
    "encrypted.pdf": (422, "encrypted_pdf"),
    "html-renamed.pdf": (422, "unsupported_type"),
    "one-pixel.png": (422, "image_too_small"),
    "text-renamed.png": (422, "unsupported_type"),
    "truncated.pdf": (422, "corrupt_file"),
}
ACCEPTED = {"blank-page.png", "not-a-bill.jpg"}  # well-formed images: processed, then pended for review


def counts(api: Api) -> dict[str, int]:
    with session_factory(api.engine)() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0
                for t in (Claim, DocumentRow, ClaimDocumentRow, AuditEntryRow, IdempotencyKeyRow)}


def assert_nothing_left(api: Api) -> None:
    assert counts(api) == {"claims": 0, "documents": 0, "claim_documents": 0, "audit_entry": 0,
                           "idempotency_keys": 0}
    assert stored_files(api.settings) == []


def test_every_bad_sample_is_covered() -> None:
    assert {p.name for p in BAD.iterdir()} == set(REFUSED) | ACCEPTED


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_samples_are_refused_and_leave_nothing(api: Api, name: str) -> None:
    status, kind = REFUSED[name]
    # a good document first: a refusal of any part refuses the whole claim
    r = api.submit(("bill.pdf", PDF), (name, (BAD / name).read_bytes()), headers={"Idempotency-Key": f"k-{name}"})
    assert r.status_code == status, r.text
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert body["kind"] == kind and body["status"] == status and body["type"] == f"urn:claimflow:problem:{kind}"
    assert body["detail"].startswith("document 2")
    assert "/tmp" not in body["detail"] and "upload" not in body["detail"]
    assert_nothing_left(api)
    assert api.dispatcher.dispatched == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_well_formed_images_without_a_bill_are_accepted(api: Api, name: str) -> None:
    r = api.submit((name, (BAD / name).read_bytes()))
    assert r.status_code == 202 and r.json()["status"] == "received"


def test_same_idempotency_key_same_response_and_same_bytes_same_claim(api: Api) -> None:
    first = api.submit(("bill.pdf", PDF), headers={"Idempotency-Key": "abc-1"}, metadata='{"reference": "R-1"}')
    assert first.status_code == 202
    assert first.headers["location"] == first.json()["status_url"] == f"/v1/claims/{first.json()['claim_id']}"
    again = api.submit(("bill.pdf", PDF), headers={"Idempotency-Key": "abc-1"}, metadata='{"reference": "R-1"}')
    assert again.status_code == 202 and again.json()["claim_id"] == first.json()["claim_id"]
    assert again.headers["idempotent-replayed"] == "true"
    # the same bytes without a key (or under another name, another key) are the same claim
    same = api.submit(("renamed.pdf", PDF), headers={"Idempotency-Key": "abc-2"})
    assert same.json()["claim_id"] == first.json()["claim_id"] and same.json()["resubmission"]
    # the same key for another request is refused
    other = api.submit(("scan.png", PNG), headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    c = counts(api)
    assert c["claims"] == 1 and c["documents"] == 1 and c["idempotency_keys"] == 2
    assert len(api.dispatcher.dispatched) == 3  # type: ignore[attr-defined] - queued again while still received
    detail = api.client.get(first.json()["status_url"], headers=api.auth("acme", "reviewer")).json()
    assert detail["reference"] == "R-1" and detail["status"] == "received" and detail["decision"] is None


def test_several_documents_make_one_claim_and_each_original_downloads(api: Api) -> None:
    r = api.submit(("bill.pdf", PDF), ("scan.png", PNG), metadata='{"member_id": "M-9"}')
    assert r.status_code == 202
    claim = api.client.get(r.json()["status_url"], headers=api.auth("acme", "reviewer")).json()
    assert [d["ordinal"] for d in claim["documents"]] == [1, 2] and claim["declared_member_id"] == "M-9"
    for n, data, media in ((1, PDF, "application/pdf"), (2, PNG, "image/png")):
        d = api.client.get(f"{r.json()['status_url']}/documents/{n}", headers=api.auth("acme", "auditor"))
        assert d.status_code == 200 and d.content == data and d.headers["content-type"] == media
        assert d.headers["cache-control"] == "no-store"
    assert api.client.get(f"{r.json()['status_url']}/documents/3",
                          headers=api.auth("acme", "auditor")).status_code == 404
    # the same first document with other documents is a conflict, not a silent merge
    clash = api.submit(("bill.pdf", PDF))
    assert clash.status_code == 409 and clash.json()["kind"] == "conflict"
    assert counts(api)["claims"] == 1


def test_a_body_over_the_request_limit_is_413_naming_the_limit(any_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from api_helpers import make_api

    a = make_api(any_engine, tmp_path, max_request_bytes=64 * 1024)
    with a.client:
        r = a.submit(("big.pdf", PDF + b"\0" * (128 * 1024)))
        assert r.status_code == 413 and r.json()["limit"] == "CLAIMFLOW_MAX_REQUEST_BYTES"
        # a body without Content-Length (streamed) is counted as it arrives
        chunks = iter([b"x" * 40_000] * 3)
        r = a.client.post("/v1/claims", content=chunks, headers={
            **a.auth(), "Content-Type": "multipart/form-data; boundary=zz"})
        assert r.status_code == 413 and r.json()["limit"] == "CLAIMFLOW_MAX_REQUEST_BYTES"
        assert_nothing_left(a)


def test_file_documents_and_page_limits_are_named(any_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from api_helpers import make_api

    a = make_api(any_engine, tmp_path, max_file_bytes=len(PNG) - 1, max_documents_per_claim=2)
    with a.client:
        r = a.submit(("scan.png", PNG))
        assert r.status_code == 413 and r.json()["limit"] == "CLAIMFLOW_MAX_FILE_BYTES"
        r = a.submit(*[(f"d{i}.pdf", PDF) for i in range(3)])
        assert r.status_code == 413 and r.json()["limit"] == "CLAIMFLOW_MAX_DOCUMENTS_PER_CLAIM"
        assert_nothing_left(a)


def test_a_2000_page_pdf_is_refused_before_it_is_read(api: Api) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(2000):
        w.add_blank_page(width=612, height=792)
    buf = io.BytesIO()
    w.write(buf)
    r = api.submit(("huge.pdf", buf.getvalue()))
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == "CLAIMFLOW_MAX_PAGES" and "2000 pages" in r.json()["detail"]
    assert_nothing_left(api)


def test_zero_byte_part_wrong_content_type_and_malformed_parts(api: Api) -> None:
    r = api.submit(("empty.pdf", b""))
    assert r.status_code == 422 and r.json()["kind"] == "empty_file"
    r = api.client.post("/v1/claims", json={"documents": []}, headers=api.auth())
    assert r.status_code == 422 and "multipart/form-data" in r.json()["detail"]
    r = api.client.post("/v1/claims", data={"metadata": "{}"}, files=[("other", ("x.pdf", PDF))], headers=api.auth())
    assert r.status_code == 422 and "unknown part" in r.json()["detail"]
    r = api.client.post("/v1/claims", files=[("metadata", ("m.json", b"{}"))], headers=api.auth())
    assert r.status_code == 422 and "no `documents` part" in r.json()["detail"]
    r = api.submit(("bill.pdf", PDF), metadata='{"member_id": 5, "extra": 1}')
    assert r.status_code == 422 and "metadata" in r.json()["detail"]
    r = api.submit(("bill.pdf", PDF), metadata="not json")
    assert r.status_code == 422
    r = api.submit(("bill.pdf", PDF), headers={"Idempotency-Key": "has space"})
    assert r.status_code == 422
    # the declared content type of a part does not matter: the bytes do
    r = api.client.post("/v1/claims", files=[("documents", ("page.html", PDF, "text/html"))], headers=api.auth())
    assert r.status_code == 202
    r = api.client.post("/v1/claims", files=[("documents", ("bill.pdf", b"<html><body>hi</body></html>",
                                                            "application/pdf"))], headers=api.auth())
    assert r.status_code == 422 and r.json()["kind"] == "unsupported_type"
    c = counts(api)
    assert c["claims"] == 1 and c["documents"] == 1 and len(stored_files(api.settings)) == 1


def test_a_traversal_file_name_is_never_a_path(api: Api, tmp_path: Path) -> None:
    r = api.submit(("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"))
    assert r.status_code == 422 and r.json()["kind"] == "unsupported_type"
    assert_nothing_left(api)
    r = api.submit(("../../../../tmp/evil.pdf", PDF))
    assert r.status_code == 202
    assert not Path("/tmp/evil.pdf").exists()
    files = stored_files(api.settings)
    assert len(files) == 1 and files[0].name == files[0].parent.name + files[0].name[2:]  # content-addressed name
    with session_factory(api.engine)() as s:
        assert s.scalar(select(DocumentRow.original_name)) == "evil.pdf"


def test_a_malformed_multipart_body_is_422(api: Api) -> None:
    r = api.client.post("/v1/claims", content=b"--x\r\nnot a part", headers={
        **api.auth(), "Content-Type": "multipart/form-data"})  # no boundary
    assert r.status_code == 422 and r.json()["kind"] == "bad_request", r.text
    assert_nothing_left(api)


def test_an_unreachable_orchestrator_is_503_and_the_same_request_queues_the_received_claim(api: Api) -> None:
    from claimflow.errors import UnavailableError

    class Down:
        def dispatch(self, ref):  # type: ignore[no-untyped-def]
            raise UnavailableError("the claim could not be queued (ConnectError)")

        def ready(self) -> str:
            return "down"

    recording = api.client.app.state.dispatcher
    api.client.app.state.dispatcher = Down()
    r = api.submit(("bill.pdf", PDF), headers={"Idempotency-Key": "retry-me"})
    assert r.status_code == 503 and r.json()["kind"] == "unavailable"
    assert "was received but not queued" in r.json()["detail"] and "same Idempotency-Key" in r.json()["detail"]
    assert counts(api)["claims"] == 1  # kept: the client's retry finds it
    api.client.app.state.dispatcher = recording
    again = api.submit(("bill.pdf", PDF), headers={"Idempotency-Key": "retry-me"})
    assert again.status_code == 202 and again.headers["idempotent-replayed"] == "true"
    assert [ref.claim_id for ref in recording.dispatched] == [again.json()["claim_id"]]


def test_access_log_lines_carry_the_route_template_never_names_or_query_values(api: Api, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    with caplog.at_level(logging.INFO, logger="claimflow.api.access"):
        r = api.submit(("Jane-Doe-bill.pdf", PDF), metadata='{"member_id": "M-SECRET-1"}')
        api.client.get("/v1/claims", params={"status": "received", "queue": "Jane Doe"},
                       headers=api.auth("acme", "reviewer"))
        api.client.get(f"/v1/claims/{r.json()['claim_id']}", headers=api.auth("acme", "reviewer"))
    lines = [rec.getMessage() for rec in caplog.records]
    assert "POST /v1/claims 202" in lines[0] and "GET /v1/claims/{claim_id} 200" in lines[-1]
    text = "\n".join(rec.getMessage() for rec in caplog.records if rec.name.startswith(("claimflow", "api")))
    for secret in ("Jane", "M-SECRET-1", "received", r.json()["claim_id"]):
        assert secret not in text
