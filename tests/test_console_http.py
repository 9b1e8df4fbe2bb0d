"""The console over HTTP without a browser: sign-in, CSRF, CSP and other headers, roles, tenant isolation, no key
in any page, page images, SVG charts and the dashboard arithmetic."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from console_helpers import Console, make_console
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.console import charts
from api.console.security import CSP, Signer
from db import dashboard


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def login(client: TestClient, key: str) -> None:
    page = client.get("/console/login")
    r = client.post("/console/login", data={"key": key, "csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture
def console(any_engine: Engine, tmp_path: Path) -> Console:
    return make_console(any_engine, tmp_path)


def test_sign_in_queue_claim_and_headers(console: Console) -> None:
    claim = console.pend_sample("acme", "clinic-mismatch.png")
    with TestClient(console.app(), base_url="http://testserver") as c:
        assert c.get("/console/queue", follow_redirects=False).headers["location"].startswith("/console/login")
        login(c, console.keys[("acme", "reviewer")])
        cookie = next(x for x in c.cookies.jar if x.name == "claimflow_console")
        assert cookie.has_nonstandard_attr("HttpOnly") and "strict" in str(cookie._rest).lower()
        queue = c.get("/console/queue")
        assert queue.status_code == 200 and claim[:8] in queue.text and "data_entry" in queue.text
        page = c.get(f"/console/claims/{claim}")
        assert page.status_code == 200
        for r in (queue, page, c.get("/console/dashboard")):
            assert r.headers["content-security-policy"] == CSP
            assert "unsafe-inline" not in r.headers["content-security-policy"]
            assert r.headers["cache-control"] == "no-store"
            for key in console.keys.values():  # neither the key nor its secret part in any page
                assert key not in r.text and key.split("_", 2)[2] not in r.text
            assert "<script>" not in r.text and " style=" not in r.text and "onclick" not in r.text
        assert 'data-field="total"' in page.text and 'id="box-f' in page.text
        png = c.get(f"/console/claims/{claim}/documents/1/pages/1.png")
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.headers["cache-control"] == "no-store"
        assert c.get(f"/console/claims/{claim}/documents/1/pages/2.png").status_code == 404
        missing = c.get("/console/no/such/page")
        assert missing.status_code == 404 and "Not found" in missing.text
        css = c.get("/console/static/console.js")
        assert css.status_code == 200 and css.headers["content-security-policy"] == CSP
        assert "abbr title=\"The disposition of this claim/service is pending further review\"" in queue.text


def test_form_without_csrf_token_is_refused(console: Console) -> None:
    claim = console.pend_sample("acme", "clinic-mismatch.png")
    with TestClient(console.app()) as c:
        r = c.post("/console/login", data={"key": console.keys[("acme", "reviewer")]}, follow_redirects=False)
        assert r.status_code == 403  # the sign-in form has a token too
        login(c, console.keys[("acme", "reviewer")])
        r = c.post(f"/console/claims/{claim}/approve", data={"note": "x"}, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        r = c.post(f"/console/claims/{claim}/approve", data={"note": "x", "csrf": "forged"}, follow_redirects=False)
        assert r.status_code == 403
        page = c.get(f"/console/claims/{claim}")
        assert "pending review" in page.text  # nothing was decided
        r = c.post(f"/console/claims/{claim}/approve", data={"note": "checked", "csrf": _csrf(page.text)},
                   follow_redirects=False)
        assert r.status_code == 303
        assert "claim.reviewed" in c.get(f"/console/claims/{claim}").text


def test_other_tenant_gets_a_404_page_and_roles_are_enforced(console: Console) -> None:
    claim = console.pend_sample("acme", "clinic-mismatch.png")
    with TestClient(console.app()) as c:
        login(c, console.keys[("globex", "reviewer")])
        r = c.get(f"/console/claims/{claim}")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html") and "Not found" in r.text
        assert c.get(f"/console/claims/{claim}/documents/1/pages/1.png").status_code == 404
        assert claim[:8] not in c.get("/console/queue").text
        assert c.get("/console/audit").status_code == 403
    with TestClient(console.app()) as c:
        page = c.get("/console/login")  # no console pages for submitters: refused at sign-in
        r = c.post("/console/login", data={"key": console.keys[("acme", "submitter")], "csrf": _csrf(page.text)})
        assert r.status_code == 401
        assert c.get("/console/queue", follow_redirects=False).status_code == 303
    with TestClient(console.app()) as c:
        page = c.get("/console/login")
        r = c.post("/console/login", data={"key": "cfk_00_wrong", "csrf": _csrf(page.text)})
        assert r.status_code == 401 and "cfk_00_wrong" not in r.text


def test_forged_or_expired_session_is_not_signed_in() -> None:
    signer = Signer(b"k" * 32, lifetime=dt.timedelta(minutes=5))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cookie = signer.issue("abc", now)
    assert signer.check(cookie, now).key_id == "abc"  # type: ignore[union-attr]
    assert signer.check(cookie, now + dt.timedelta(minutes=6)) is None
    assert signer.check(cookie[:-2] + "xx", now) is None
    assert Signer(b"j" * 32, lifetime=dt.timedelta(minutes=5)).check(cookie, now) is None
    assert signer.csrf_ok(cookie, signer.csrf(cookie)) and not signer.csrf_ok(cookie, signer.csrf(cookie + "x"))


def test_svg_charts_state_their_data() -> None:
    svg = charts.bars("Claims", ["01", "02"], [charts.Series("received", [3, None]), charts.Series("decided", [1, 2])])
    assert svg.startswith("<svg") and svg.count("<rect class=\"series-0\" x=") == 2  # one bar + the legend swatch
    assert "received: 01 3" in svg and "decided: 01 1, 02 2" in svg
    line = charts.lines("<b>", ["01", "02", "03"], [charts.Series("m", [1.5, None, 2])])
    assert "&lt;b&gt;" in line and line.count("<circle") == 2 and "<polyline" not in line  # a gap breaks the line
    with pytest.raises(ValueError):
        charts.bars("x", ["01"], [charts.Series("a", [1, 2])])


def test_dashboard_figures() -> None:
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    t = lambda day, h: dt.datetime.combine(day, dt.time(h), dt.UTC)  # noqa: E731
    claims = [dashboard.ClaimIn("a", t(d1, 8)), dashboard.ClaimIn("b", t(d1, 9)), dashboard.ClaimIn("c", t(d2, 9))]
    rows = [dashboard.DecisionIn("a", 1, t(d1, 10), "APPROVED", "machine", True, None, "GOLD@1", "r/1"),
            dashboard.DecisionIn("b", 2, t(d1, 10), "PENDING_REVIEW", "machine", True, "coding", "GOLD@1", "r/1"),
            dashboard.DecisionIn("b", 3, t(d2, 13), "DENIED", "review", True, None, "GOLD@2", "r/1"),
            dashboard.DecisionIn("c", 4, t(d2, 10), "PENDING_REVIEW", "machine", True, "data_entry", None, "r/1")]
    ext = [dashboard.ExtractionIn(t(d1, 9), "ner/1", 0.9, 0.8), dashboard.ExtractionIn(t(d1, 9), "ner/1", 0.5, None),
           dashboard.ExtractionIn(t(d2, 9), "ner/2", 0.7, 0.6)]
    d = dashboard.summarize([d1, d2], claims, rows, ext)
    assert d.received == [2, 1] and d.decided == [1, 1]
    assert d.review_rate == [0.5, 1.0]
    assert d.median_hours_to_decision == [2.0, 28.0]
    assert d.outcomes["DENIED"] == [0, 1] and d.outcomes["PENDING_REVIEW"] == [1, 1]
    assert d.pended_share == {"coding": [0.5, 0.0], "data_entry": [0.0, 1.0]}
    assert d.ocr_confidence[0] is not None and d.ocr_confidence[0].n == 2 and d.extraction_confidence[0].n == 1
    assert {(v.kind, v.version) for v in d.versions} >= {("extractor", "ner/2"), ("plan", "GOLD@2")}
    assert dashboard.evidence_confidence({"fields": {"total": {"confidence": 0.5}},
                                          "line_items": [{"evidence": {"confidence": 1.0}}]}) == 0.75


def test_auditor_pages_export_and_revocation(console: Console) -> None:
    import io
    import tarfile

    from db.api_keys import revoke_key
    from db.audit import checkpoint as checkpoints
    from db.engine import transaction

    checkpoints.keygen(console.settings.signing_key)
    claim = console.pend_sample("acme", "clinic-mismatch.png")
    auditor = console.keys[("acme", "auditor")]
    with TestClient(console.app()) as c:
        login(c, auditor)
        page = c.get("/console/audit")
        assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
        secret = (console.settings.data_dir / "keys" / "console.secret").read_bytes()
        for r in (page, c.get(f"/console/claims/{claim}")):
            assert auditor not in r.text and secret.hex() not in r.text
        assert 'id="approve"' not in c.get(f"/console/claims/{claim}").text  # auditors read, reviewers act
        assert c.post(f"/console/claims/{claim}/approve", data={"csrf": _csrf(page.text)}).status_code == 403
        assert c.get("/console/queue").status_code == 403
        r = c.post("/console/audit/verify", data={"csrf": _csrf(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        job = r.headers["location"].split("job=")[1]
        state = c.get(f"/console/audit/verifications/{job}").json()
        assert state["state"] == "verified" and state["ok"] is True  # the background task ran after the response
        assert "verified" in c.get("/console/audit").text
        bundle = c.get("/console/audit/export.tar.gz")
        assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/gzip"
        with tarfile.open(fileobj=io.BytesIO(bundle.content)) as tar:
            names = tar.getnames()
        assert any(n.endswith("/verify.py") for n in names) and any(n.endswith("entries.jsonl") for n in names)
        assert c.get("/console/audit/public-key.pem").text.startswith("-----BEGIN PUBLIC KEY-----")
        with transaction(console.sessions) as s:
            revoke_key(session=s, key_id=auditor.split("_")[1])
        assert c.get("/console/audit", follow_redirects=False).status_code == 303  # the session ended with the key


def test_deny_adjust_correct_and_lease_forms(console: Console) -> None:
    deny, fix = console.pend_sample("acme", "clinic-mismatch.png"), console.pend_sample("acme", "clinic-eur-negated.pdf")
    with TestClient(console.app()) as c:
        login(c, console.keys[("acme", "reviewer")])
        token = _csrf(c.get(f"/console/claims/{deny}").text)
        r = c.post(f"/console/claims/{deny}/deny", data={"csrf": token, "carc": ""})
        assert r.status_code == 422 and "CARC" in r.text  # the page again, with why
        r = c.post(f"/console/claims/{deny}/deny", data={"csrf": token, "carc": "45"})
        assert r.status_code == 422 and 'id="approve"' in r.text  # 45 is not a denial code; still reviewable
        r = c.post(f"/console/claims/{deny}/deny", data={"csrf": token, "carc": "PR-96", "note": "not covered"})
        assert r.status_code == 200 and "denied" in r.text and "review deny" in r.text

        assert c.post(f"/console/claims/{fix}/take", data={"csrf": token}).status_code == 200
        assert "lease: you" in c.get(f"/console/claims/{fix}").text
        r = c.post(f"/console/claims/{fix}/correct", data={"csrf": token, "field": "total", "value": "370.00"})
        assert r.status_code == 200 and "claim.corrected" in r.text
        r = c.post(f"/console/claims/{fix}/adjust", data={"csrf": token, "line": "0", "allowed": "abc"})
        assert r.status_code == 422
        r = c.post(f"/console/claims/{fix}/adjust", data={"csrf": token, "line": "0", "allowed": "100.00"})
        assert r.status_code == 200 and "review adjust" in r.text
        assert c.post(f"/console/claims/{fix}/nonsense", data={"csrf": token}).status_code == 404
    with TestClient(console.app()) as other:  # another reviewer cannot act on a claim while it is leased
        login(other, console.keys[("acme", "second")])
        page = other.get(f"/console/claims/{deny}")
        r = other.post(f"/console/claims/{deny}/reopen", data={"csrf": _csrf(page.text), "reason": "appeal"})
        assert r.status_code == 200 and "pending review" in r.text  # the reopener now holds the lease
        r = c.post(f"/console/claims/{deny}/approve", data={"csrf": token})
        assert r.status_code == 409 and "lease" in r.text


def test_session_cookie_is_secure_over_tls(console: Console) -> None:
    with TestClient(console.app(), base_url="https://testserver") as c:
        page = c.get("/console/login")
        r = c.post("/console/login", data={"key": console.keys[("acme", "reviewer")], "csrf": _csrf(page.text)},
                   follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("claimflow_console=") and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    with TestClient(console.app(), base_url="http://testserver") as c:
        page = c.get("/console/login")
        r = c.post("/console/login", data={"key": console.keys[("acme", "reviewer")], "csrf": _csrf(page.text)},
                   follow_redirects=False)
        assert "Secure" not in r.headers["set-cookie"]
