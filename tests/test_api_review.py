"""Review over HTTP: a pended claim approved, denied, adjusted, corrected (re-adjudicated), confirmed under four-eyes
by a second reviewer, a lease held and expired — the audit log verifying after each; and who may do it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from api_helpers import Api, make_api
from review_helpers import Desk, make_desk
from sqlalchemy import Engine

from db.api_keys import create_key
from db.engine import session_factory, transaction

PENDED = {"lines": ["72148 420.00", "99213 105.00"], "total_confidence": 0.5}  # low-confidence total: data entry


def setup(engine: Engine, tmp: Path, **overrides: object) -> tuple[Api, Desk, dict[str, str]]:
    (tmp / "desk").mkdir(exist_ok=True)
    desk = make_desk(engine, tmp / "desk", four_eyes_above=overrides.get("four_eyes_above"),  # type: ignore[arg-type]
                     lease_seconds=int(overrides.get("review_lease_seconds", 600)))  # type: ignore[arg-type]
    api = make_api(engine, tmp, **overrides)
    with transaction(session_factory(engine)) as s:
        second = create_key(session=s, tenant="acme", role="reviewer", name="second").key
    return api, desk, {"Authorization": f"Bearer {second}"}


def reviewer(api: Api, tenant: str = "acme") -> dict[str, str]:
    return api.auth(tenant, "reviewer")


def test_approve_deny_adjust_correct_over_http(any_engine: Engine, tmp_path: Path) -> None:
    api, desk, _ = setup(any_engine, tmp_path)
    with api.client:
        c = api.client
        approve, deny, adjust, correct = (desk.pend(PENDED), desk.pend({"lines": ["99213 105.00"],
                                          "total_confidence": 0.4}), desk.pend({"lines": ["72148 420.00", "- 105.00"]}),
                                          desk.pend({"lines": ["99213 105.00"], "total": "150.00"}))
        queue = c.get("/v1/review/queue", headers=reviewer(api)).json()
        assert {q["claim_id"] for q in queue} == {approve, deny, adjust, correct}
        pended = c.get("/v1/claims", params={"queue": "data_entry"}, headers=reviewer(api)).json()["items"]
        assert approve in {p["claim_id"] for p in pended} and adjust not in {p["claim_id"] for p in pended}

        r = c.post(f"/v1/claims/{approve}/review", json={"kind": "approve", "note": "checked"}, headers=reviewer(api))
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved" and r.json()["final"] and r.json()["reviewer"].startswith("key:")
        claim = c.get(f"/v1/claims/{approve}", headers=api.auth("acme", "submitter")).json()
        assert [h["decided_by"] for h in claim["history"]] == ["claimflow/rules", r.json()["reviewer"]]
        assert claim["decision"]["outcome"] == "APPROVED" and claim["eob"]

        r = c.post(f"/v1/claims/{deny}/review", json={"kind": "deny", "carc": "45"}, headers=reviewer(api))
        assert r.status_code == 422 and r.json()["kind"] == "review_invalid"
        r = c.post(f"/v1/claims/{deny}/review", json={"kind": "deny", "carc": "PR-96"}, headers=reviewer(api))
        assert r.status_code == 200 and r.json()["outcome"] == "DENIED"
        r = c.post(f"/v1/claims/{deny}/review", json={"kind": "approve"}, headers=reviewer(api))
        assert r.status_code == 409 and r.json()["kind"] == "not_reviewable"

        r = c.post(f"/v1/claims/{adjust}/review", json={"kind": "adjust", "lines": [
            {"line": 0, "allowed": "300.00"}, {"line": 1, "code": "99213"}]}, headers=reviewer(api))
        assert r.status_code == 200 and r.json()["outcome"] == "APPROVED", r.text  # priced after the approval above
        r = c.post(f"/v1/claims/{adjust}/review", json={"kind": "adjust", "lines": []}, headers=reviewer(api))
        assert r.status_code == 422 and r.json()["kind"] == "validation_error"

        r = c.post(f"/v1/claims/{correct}/corrections", json={"field": "total", "value": "105.00"},
                   headers=reviewer(api))
        assert r.status_code == 200, r.text
        assert r.json()["action"] == "correct" and r.json()["extraction_digest"]
        shown = c.get(f"/v1/claims/{correct}/review", headers=api.auth("acme", "auditor")).json()
        assert shown["extraction"]["total"] == "105.00" and len(shown["history"]) == 2

        r = c.post(f"/v1/claims/{approve}/reopen", json={"reason": "new bill"}, headers=reviewer(api))
        assert r.status_code == 200 and r.json()["status"] == "pending_review"
        desk.assert_audit_verifies()


def test_four_eyes_needs_a_second_different_reviewer(any_engine: Engine, tmp_path: Path) -> None:
    api, desk, second = setup(any_engine, tmp_path, four_eyes_above="0")
    with api.client:
        c = api.client
        claim = desk.pend({"lines": ["99213 105.00"], "total_confidence": 0.4})
        r = c.post(f"/v1/claims/{claim}/review", json={"kind": "approve"}, headers=reviewer(api))
        assert r.status_code == 200 and not r.json()["final"] and r.json()["status"] == "awaiting_confirmation"
        r = c.post(f"/v1/claims/{claim}/confirm", headers=reviewer(api))
        assert r.status_code == 403 and r.json()["kind"] == "four_eyes"
        r = c.post(f"/v1/claims/{claim}/confirm", headers=second)
        assert r.status_code == 200 and r.json()["final"] and r.json()["status"] == "approved"
        desk.assert_audit_verifies()


def test_a_lease_is_held_then_expires(any_engine: Engine, tmp_path: Path) -> None:
    api, desk, second = setup(any_engine, tmp_path, review_lease_seconds=1)
    with api.client:
        c = api.client
        claim = desk.pend(PENDED)
        r = c.post(f"/v1/claims/{claim}/lease", headers=reviewer(api))
        assert r.status_code == 200 and r.json()["reviewer"].startswith("key:")
        held = c.post(f"/v1/claims/{claim}/review", json={"kind": "approve"}, headers=second)
        assert held.status_code == 409 and held.json()["kind"] == "lease_held"
        assert c.delete(f"/v1/claims/{claim}/lease", headers=second).status_code == 409
        assert c.post(f"/v1/claims/{claim}/lease", headers=second).status_code == 409
        time.sleep(1.2)  # the lease lasts CLAIMFLOW_REVIEW_LEASE_SECONDS
        r = c.post(f"/v1/claims/{claim}/lease", headers=second)
        assert r.status_code == 200
        assert c.delete(f"/v1/claims/{claim}/lease", headers=second).status_code == 204
        r = c.post(f"/v1/claims/{claim}/review", json={"kind": "approve"}, headers=reviewer(api))
        assert r.status_code == 200
        desk.assert_audit_verifies()


# (method, path, body, roles allowed)
REVIEW_ROUTES = [
    ("GET", "/v1/claims/{claim_id}/review", None, {"reviewer", "auditor"}),
    ("POST", "/v1/claims/{claim_id}/lease", None, {"reviewer"}),
    ("DELETE", "/v1/claims/{claim_id}/lease", None, {"reviewer"}),
    ("POST", "/v1/claims/{claim_id}/corrections", {"field": "total", "value": "525.00"}, {"reviewer"}),
    ("POST", "/v1/claims/{claim_id}/review", {"kind": "approve"}, {"reviewer"}),
    ("POST", "/v1/claims/{claim_id}/confirm", None, {"reviewer"}),
    ("POST", "/v1/claims/{claim_id}/reopen", {"reason": "r"}, {"reviewer"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), REVIEW_ROUTES, ids=[f"{m} {p}" for m, p, *_ in
                                                                                  REVIEW_ROUTES])
def test_review_role_matrix_and_tenant_isolation(any_engine: Engine, tmp_path: Path, method: str, path: str,
                                                 body: dict | None, allowed: set[str]) -> None:
    api, desk, _ = setup(any_engine, tmp_path)
    with api.client:
        claim = desk.pend(PENDED)
        url = path.format(claim_id=claim)
        for role in ("submitter", "reviewer", "auditor", "admin"):
            # another tenant: 404 whatever the role may do (never 403: that would confirm the claim exists)
            other = api.client.request(method, url, json=body, headers=api.auth("globex", role))
            assert other.status_code == (404 if role in allowed else 403), (role, other.text)
            r = api.client.request(method, url, json=body, headers=api.auth("acme", role))
            if role in allowed:
                assert r.status_code not in (401, 403, 404), (role, r.text)
            else:
                assert r.status_code == 403 and r.json()["kind"] == "forbidden", (role, r.text)
        queue = api.client.get("/v1/review/queue", headers=api.auth("globex", "reviewer")).json()
        assert queue == []
        assert api.client.get("/v1/review/queue", headers=api.auth("acme", "submitter")).status_code == 403
        desk.assert_audit_verifies()
