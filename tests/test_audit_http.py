"""Audit over HTTP: a claim's inclusion proof fetched from the real app verifies with the offline verifier (the
``verify.py`` of an export bundle, run as a subprocess); the checkpoint and verification routes; auditor only, and
another tenant's claim or job is a 404."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from apiext_helpers import Http, decided_claim, http_api, load_members
from claimflow.settings import Settings
from db.audit import checkpoint as checkpoints
from db.audit import standalone_verify as sv

VERIFY_PY = Path(sv.__file__)


@pytest.fixture
def api(settings: Settings, any_engine: Engine) -> Iterator[Http]:
    checkpoints.keygen(settings.signing_key)
    with http_api(settings, any_engine) as http:
        load_members(http.sessions, "acme")
        yield http


def offline_verify(doc: dict, pubkey: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    proof = tmp_path / "claim-proof.json"
    proof.write_text(json.dumps(doc))
    return subprocess.run([sys.executable, str(VERIFY_PY), "--proof", str(proof), "--pubkey", str(pubkey), "--json"],
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_claims_proof_over_http_verifies_offline(api: Http, tmp_path: Path) -> None:
    claim_id, _ = decided_claim(api.settings, api.sessions, "clinic-digital")
    r = api.client.get(f"/v1/claims/{claim_id}/audit", headers=api.auth("acme", "auditor"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["format"] == sv.PROOF_FORMAT and doc["claim_id"] == claim_id and doc["log"] == "acme"
    assert doc["pending"] == []  # a checkpoint covering the claim was signed for the request
    types = [json.loads(e["entry"])["type"] for e in doc["entries"]]
    assert types == ["claim.received", "claim.adjudicated"]

    pub = checkpoints.public_paths(api.settings.signing_key)[0]
    ok = offline_verify(doc, pub, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["ok"] is True and len(json.loads(ok.stdout)["proven"]) == 2

    # The verifier is not a rubber stamp: an edited entry, or another key, fails.
    forged = json.loads(json.dumps(doc))
    forged["entries"][1]["entry"] = forged["entries"][1]["entry"].replace('"APPROVED"', '"DENIED"')
    assert offline_verify(forged, pub, tmp_path).returncode == 1
    other = tmp_path / "other" / "audit.key"
    checkpoints.keygen(other)
    assert offline_verify(doc, checkpoints.public_paths(other)[0], tmp_path).returncode == 1

    # A second claim later: its proof is against a newer checkpoint, and the first claim's still verifies.
    second, _ = decided_claim(api.settings, api.sessions, "dental-scan")
    later = api.client.get(f"/v1/claims/{second}/audit", headers=api.auth("acme", "auditor")).json()
    assert later["entries"][0]["tree_size"] > doc["entries"][0]["tree_size"]
    assert offline_verify(later, pub, tmp_path).returncode == 0


@pytest.mark.parametrize("role", ["submitter", "reviewer", "admin"])
def test_only_auditors_fetch_proofs(api: Http, role: str) -> None:
    claim_id, _ = decided_claim(api.settings, api.sessions, "clinic-digital")
    for method, path in [("GET", f"/v1/claims/{claim_id}/audit"), ("GET", "/v1/audit/checkpoint"),
                         ("POST", "/v1/audit/verify"), ("GET", "/v1/audit/verifications/x")]:
        r = api.client.request(method, path, headers=api.auth("acme", role), json={} if method == "POST" else None)
        assert r.status_code == 403, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"


def test_another_tenants_claim_is_not_found(api: Http) -> None:
    claim_id, _ = decided_claim(api.settings, api.sessions, "clinic-digital")
    r = api.client.get(f"/v1/claims/{claim_id}/audit", headers=api.auth("globex", "auditor"))
    assert r.status_code == 404 and r.json()["kind"] == "not_found"
    unknown = api.client.get("/v1/claims/00000000-0000-0000-0000-000000000000/audit",
                             headers=api.auth("globex", "auditor"))
    assert unknown.status_code == 404 and unknown.json()["detail"].split(" — ")[0] == \
        r.json()["detail"].split(" — ")[0].replace(claim_id, "00000000-0000-0000-0000-000000000000")


def test_checkpoint_route_gives_the_signed_note_and_key_id(api: Http) -> None:
    assert api.client.get("/v1/audit/checkpoint", headers=api.auth("acme", "auditor")).status_code == 404
    claim_id, _ = decided_claim(api.settings, api.sessions, "clinic-digital")
    proof = api.client.get(f"/v1/claims/{claim_id}/audit", headers=api.auth("acme", "auditor")).json()
    r = api.client.get("/v1/audit/checkpoint", headers=api.auth("acme", "auditor"))
    assert r.status_code == 200, r.text
    cp = r.json()
    assert cp["signed_note"] == proof["checkpoint"] and cp["origin"] == "claimflow.audit/acme"
    vkey_file = checkpoints.public_paths(api.settings.signing_key)[1].read_text().strip()
    assert cp["verifier_key"] == vkey_file
    name, pub = sv.parse_verifier_key(vkey_file)
    assert cp["key_name"] == name and cp["key_id"] == sv.key_id(name, pub).hex()
    key = sv.load_public_key(checkpoints.public_paths(api.settings.signing_key)[0])
    sv.verify_signature(sv.parse_checkpoint(cp["signed_note"]), [key])  # raises if it does not verify
    assert api.client.get("/v1/audit/checkpoint", headers=api.auth("globex", "auditor")).status_code == 404


def test_verify_inline_for_a_short_log(api: Http) -> None:
    decided_claim(api.settings, api.sessions, "clinic-digital")
    r = api.client.post("/v1/audit/verify", json={}, headers=api.auth("acme", "auditor"))
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["state"] == "verified" and job["report"]["ok"] is True and job["entries"] == 2
    assert job["report"]["logs"][0]["log"] == "acme" and job["report"]["logs"][0]["entries"] == 2
    again = api.client.get(job["status_url"], headers=api.auth("acme", "auditor"))
    assert again.status_code == 200 and again.json() == job
    assert api.client.get(job["status_url"], headers=api.auth("globex", "auditor")).status_code == 404


def test_verify_a_long_log_in_the_background(settings: Settings, any_engine: Engine) -> None:
    checkpoints.keygen(settings.signing_key)
    with http_api(settings, any_engine, audit_verify_inline_max=1) as api:
        load_members(api.sessions, "acme")
        decided_claim(api.settings, api.sessions, "clinic-digital")
        r = api.client.post("/v1/audit/verify", json={"strict": False}, headers=api.auth("acme", "auditor"))
        assert r.status_code == 202, r.text
        assert r.headers["location"] == r.json()["status_url"] and r.json()["state"] == "running"
        # TestClient runs the background task before it returns; a real server answers first and polls show it.
        done = api.client.get(r.headers["location"], headers=api.auth("acme", "auditor")).json()
        assert done["state"] == "verified" and done["report"]["ok"] is True and done["finished_at"]


def test_without_a_signing_key_the_proof_is_a_conflict(settings: Settings, any_engine: Engine) -> None:
    with http_api(settings, any_engine) as api:
        load_members(api.sessions, "acme")
        claim_id, _ = decided_claim(api.settings, api.sessions, "clinic-digital")
        r = api.client.get(f"/v1/claims/{claim_id}/audit", headers=api.auth("acme", "auditor"))
        assert r.status_code == 409 and r.json()["kind"] == "conflict"
        assert "keygen" in r.json()["detail"]
