"""Who may call what: every route × every role (table-driven), and tenant isolation over every route.

Another tenant's claim is a 404 — the same answer as for a claim that does not exist — never a 403.
"""

from __future__ import annotations

import pytest
from api_helpers import SAMPLES, Api, api  # noqa: F401 - the fixture

from api.main import create_app
from db.api_keys import Role

PDF = (SAMPLES / "clinic-digital.pdf").read_bytes()
ROLES = [r.value for r in Role]
MEMBER = {"members": [{"member_id": "M-1", "plan_id": "GOLD-PPO", "coverage_start": "2026-01-01"}]}


def call(api: Api, method: str, path: str, claim_id: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = path.format(claim_id=claim_id)
    if method == "POST" and path == "/v1/claims":
        return api.client.post(url, files=[("documents", ("bill.pdf", PDF, "application/pdf"))], headers=headers)
    if method == "POST" and path == "/v1/members":
        return api.client.post(url, json=MEMBER, headers=headers)
    return api.client.request(method, url, headers=headers)


# (method, path, roles allowed, status for an allowed role)
ROUTES = [
    ("POST", "/v1/claims", {"submitter", "admin"}, 202),
    ("GET", "/v1/claims", set(ROLES), 200),
    ("GET", "/v1/claims/{claim_id}", set(ROLES), 200),
    ("GET", "/v1/claims/{claim_id}/documents/1", {"reviewer", "auditor"}, 200),
    ("POST", "/v1/members", {"admin"}, 200),
    ("GET", "/v1/members", {"admin"}, 200),
    ("GET", "/v1/plans", {"admin"}, 200),
]
CLAIM_ROUTES = [r for r in ROUTES if "{claim_id}" in r[1]]


@pytest.fixture
def claim_id(api: Api) -> str:
    r = api.submit(("bill.pdf", PDF))
    assert r.status_code == 202, r.text
    return r.json()["claim_id"]


def test_the_table_covers_every_route_of_these_routers(api: Api) -> None:
    app = api.client.app
    mine = {(m, r.path) for r in app.routes for m in getattr(r, "methods", ()) if r.path.startswith(
        ("/v1/claims", "/v1/members", "/v1/plans")) and m != "HEAD"}
    table = {(m, p.replace("/documents/1", "/documents/{ordinal}")) for m, p, _, _ in ROUTES}
    assert mine <= table | {("GET", "/v1/claims/{claim_id}/documents/{ordinal}")}, mine - table


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed", "ok"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_role_matrix(api: Api, claim_id: str, method: str, path: str, allowed: set[str], ok: int, role: str) -> None:
    r = call(api, method, path, claim_id, api.auth("acme", role))
    if role in allowed:
        assert r.status_code == ok, r.text
    else:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["kind"] == "forbidden" and r.json()["status"] == 403


@pytest.mark.parametrize(("method", "path", "allowed", "ok"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_without_a_valid_key_every_route_is_401(api: Api, claim_id: str, method: str, path: str, allowed: set[str],
                                                 ok: int) -> None:
    for headers in ({}, {"Authorization": "Bearer cfk_0000000000000000_nope"}, {"Authorization": "Basic eDp5"}):
        r = call(api, method, path, claim_id, headers)
        assert r.status_code == 401, r.text
        assert r.json()["kind"] == "unauthenticated"


def test_a_revoked_key_stops_working(api: Api, claim_id: str) -> None:
    from db.api_keys import list_keys, revoke_key
    from db.engine import session_factory, transaction

    with transaction(session_factory(api.engine)) as s:
        key_id = next(k.key_id for k in list_keys(session=s, tenant="acme") if k.role == "auditor")
        revoke_key(session=s, key_id=key_id)
    r = api.client.get(f"/v1/claims/{claim_id}", headers=api.auth("acme", "auditor"))
    assert r.status_code == 401


@pytest.mark.parametrize(("method", "path", "allowed", "ok"), CLAIM_ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in CLAIM_ROUTES])
def test_another_tenants_claim_is_not_found_for_every_role(api: Api, claim_id: str, method: str, path: str,
                                                           allowed: set[str], ok: int) -> None:
    for role in sorted(allowed):
        theirs = call(api, method, path, claim_id, api.auth("globex", role))
        unknown = call(api, method, path, "00000000-0000-0000-0000-000000000000", api.auth("globex", role))
        assert theirs.status_code == unknown.status_code == 404, theirs.text
        assert theirs.json()["kind"] == unknown.json()["kind"] == "not_found"
        assert claim_id not in theirs.text.replace(f"no claim {claim_id}", "")


def test_another_tenant_cannot_list_filter_or_resubmit_into_a_claim(api: Api, claim_id: str) -> None:
    for role in ROLES:
        page = api.client.get("/v1/claims", params={"status": "received"}, headers=api.auth("globex", role)).json()
        assert page["items"] == []
    mine = api.client.get("/v1/claims", headers=api.auth("acme", "reviewer")).json()
    assert [c["claim_id"] for c in mine["items"]] == [claim_id]
    # the same bytes from another tenant open that tenant's own claim
    r = api.submit(("bill.pdf", PDF), tenant="globex")
    assert r.status_code == 202 and r.json()["claim_id"] != claim_id and not r.json()["resubmission"]
    # members are per tenant
    assert api.client.post("/v1/members", json=MEMBER, headers=api.auth("acme", "admin")).status_code == 200
    assert api.client.get("/v1/members", headers=api.auth("globex", "admin")).json()["items"] == []
    listed = api.client.get("/v1/members", headers=api.auth("acme", "admin")).json()["items"]
    assert [m["member_id"] for m in listed] == ["M-1"] and "name" not in listed[0]


def test_rate_limit_answers_429_with_retry_after(any_engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from api_helpers import make_api

    a = make_api(any_engine, tmp_path, api_rate_per_second=0.5, api_rate_burst=3)
    with a.client:
        codes = [a.client.get("/v1/claims", headers=a.auth("acme", "reviewer")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = a.client.get("/v1/claims", headers=a.auth("acme", "reviewer"))
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and r.json()["kind"] == "rate_limited"
        # one key's limit is not another's
        assert a.client.get("/v1/claims", headers=a.auth("acme", "auditor")).status_code == 200


def test_security_headers_and_no_store(api: Api, claim_id: str) -> None:
    r = api.client.get(f"/v1/claims/{claim_id}", headers=api.auth("acme", "reviewer"))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    pre = api.client.options("/v1/claims", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in {k.lower() for k in pre.headers}
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "documents": "ok",
                                                                    "orchestrator": "ok"}


def test_readyz_reports_what_is_down(api: Api) -> None:
    class Down:
        def dispatch(self, ref):  # type: ignore[no-untyped-def]
            raise AssertionError("not called")

        def ready(self) -> str:
            return "prefect unreachable (ConnectError)"

    app = create_app(api.settings, dispatcher=Down(), sessions=api.client.app.state.sessions)
    from fastapi.testclient import TestClient

    r = TestClient(app).get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["orchestrator"] == "prefect unreachable (ConnectError)"


def test_unknown_routes_and_bad_parameters_are_problem_json(api: Api) -> None:
    r = api.client.get("/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = api.client.get("/v1/claims", params={"limit": "0", "received_from": "yesterday"},
                       headers=api.auth("acme", "reviewer"))
    assert r.status_code == 422 and r.json()["kind"] == "validation_error"
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("query", "limit"), ("query", "received_from")}
    assert "yesterday" not in r.text  # submitted values are never echoed
    r = api.client.get("/v1/claims", params={"cursor": "!!"}, headers=api.auth("acme", "reviewer"))
    assert r.status_code == 422 and r.json()["kind"] == "bad_request"


def test_claims_are_listed_newest_first_in_cursor_pages(api: Api) -> None:
    from PIL import Image
    import io

    ids = []
    for i in range(5):
        buf = io.BytesIO()
        Image.new("L", (64 + i, 64), 255).save(buf, "PNG")
        r = api.submit((f"s{i}.png", buf.getvalue()), metadata=f'{{"reference": "R-{i}"}}')
        assert r.status_code == 202, r.text
        ids.append(r.json()["claim_id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.client.get("/v1/claims", params=params, headers=api.auth("acme", "auditor")).json()
        assert len(page["items"]) <= 2
        seen += [c["claim_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    created = [c["created_at"] for c in api.client.get("/v1/claims", headers=api.auth("acme", "auditor")).json()["items"]]
    assert created == sorted(created, reverse=True) and all(c.endswith(("Z", "+00:00")) for c in created)
    assert api.client.get("/v1/claims", params={"received_to": "2000-01-01"},
                          headers=api.auth("acme", "auditor")).json()["items"] == []
