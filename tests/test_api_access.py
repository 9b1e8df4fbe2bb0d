"""Who may call what: every /v1 operation × every role (table-driven), and tenant isolation over every claim- or
job-scoped operation.

Another tenant's claim is a 404 — the same answer as for a claim that does not exist — never a 403.

Coverage: ``served(app)`` walks what the app actually routes (``fastapi.routing.iter_route_contexts``, which descends
into included routers — ``app.routes`` alone shows FastAPI 0.150's included routers as opaque entries) and
``documented(app)`` what ``app.openapi()`` lists. The two must agree except for ``NOT_IN_SCHEMA`` (the console, which
has its own role and tenant tests in test_console_http.py, and FastAPI's docs pages); every documented /v1 operation
must have exactly one ROUTES row, and every other documented operation one OPEN row (no API key).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_helpers import SAMPLES, Api, api, make_api  # noqa: F401 - the fixture
from apiext_helpers import decided_claim, load_members
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine

import db.audit as audit
from api.main import create_app
from db.api_keys import Role
from db.audit import checkpoint as checkpoints
from db.engine import session_factory, transaction

PDF = (SAMPLES / "clinic-digital.pdf").read_bytes()
ROLES = [r.value for r in Role]
ALL = frozenset(ROLES)
MEMBER = {"members": [{"member_id": "M-1", "plan_id": "GOLD-PPO", "coverage_start": "2026-01-01"}]}
UNKNOWN = "00000000-0000-0000-0000-000000000000"
MEMBER_ID = "W824331958"  # clinic-eur-negated's member (sample_docs/members.yaml)
HOOK = "https://93.184.216.34/claimflow/events"  # a public address literal: no DNS look-up


@dataclass(frozen=True)
class Op:
    """One operation: who may call it and what an allowed role gets on acme's pended claim (``World``)."""

    method: str
    path: str  # the OpenAPI template
    allowed: frozenset[str]
    ok: int
    json: dict[str, Any] | None = None
    foreign: int = 404  # what an allowed role of another tenant gets for acme's thing (and for an unknown one)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def scoped(self) -> bool:
        """Names one of the tenant's own things: another tenant must get a 404 for it."""
        return any(p in self.path for p in ("{claim_id}", "{job_id}", "{member_id}"))


ROUTES = [
    Op("POST", "/v1/claims", frozenset({"submitter", "admin"}), 202),
    Op("GET", "/v1/claims", ALL, 200),
    Op("GET", "/v1/claims/{claim_id}", ALL, 200),
    Op("GET", "/v1/claims/{claim_id}/documents/{ordinal}", frozenset({"reviewer", "auditor"}), 200),
    # review (docs/review.md): reviewers act, auditors read
    Op("GET", "/v1/review/queue", frozenset({"reviewer", "auditor"}), 200),
    Op("GET", "/v1/claims/{claim_id}/review", frozenset({"reviewer", "auditor"}), 200),
    Op("POST", "/v1/claims/{claim_id}/lease", frozenset({"reviewer"}), 200),
    Op("DELETE", "/v1/claims/{claim_id}/lease", frozenset({"reviewer"}), 204),
    Op("POST", "/v1/claims/{claim_id}/review", frozenset({"reviewer"}), 200, {"kind": "deny", "carc": "CO-96"}),
    Op("POST", "/v1/claims/{claim_id}/corrections", frozenset({"reviewer"}), 200,
       {"field": "line_items[0].amount", "value": "120.00"}),
    Op("POST", "/v1/claims/{claim_id}/confirm", frozenset({"reviewer"}), 409),  # nothing awaits a second reviewer
    Op("POST", "/v1/claims/{claim_id}/reopen", frozenset({"reviewer"}), 409, {"reason": "new bill"}),  # not decided
    # members and plans
    Op("POST", "/v1/members", frozenset({"admin"}), 200, MEMBER),
    Op("GET", "/v1/members", frozenset({"admin"}), 200),
    Op("GET", "/v1/plans", frozenset({"admin"}), 200),
    # erasure (docs/privacy.md): nothing of another tenant's member is found, exactly as for an unknown member
    Op("POST", "/v1/members/{member_id}/erase", frozenset({"admin"}), 200, foreign=200),
    # audit (docs/audit-http.md)
    Op("GET", "/v1/claims/{claim_id}/audit", frozenset({"auditor"}), 200),
    Op("GET", "/v1/audit/checkpoint", frozenset({"auditor"}), 200),
    Op("POST", "/v1/audit/verify", frozenset({"auditor"}), 200, {}),
    Op("GET", "/v1/audit/verifications/{job_id}", frozenset({"auditor"}), 200),
    # FHIR (docs/fhir.md)
    Op("GET", "/v1/claims/{claim_id}/fhir/ClaimResponse", ALL, 200),
    Op("GET", "/v1/claims/{claim_id}/fhir/ExplanationOfBenefit", ALL, 200),
    # webhooks (docs/webhooks.md)
    Op("PUT", "/v1/webhooks", frozenset({"admin"}), 200, {"url": HOOK}),
    Op("GET", "/v1/webhooks", frozenset({"admin"}), 200),
    Op("DELETE", "/v1/webhooks", frozenset({"admin"}), 204),
    Op("GET", "/v1/webhooks/deliveries", frozenset({"admin"}), 200),
]
# documented operations outside /v1: no API key (/metrics takes CLAIMFLOW_METRICS_TOKEN when set: test_metrics.py)
OPEN = [Op("GET", "/healthz", ALL, 200), Op("GET", "/readyz", ALL, 200), Op("GET", "/metrics", ALL, 200)]
# served, deliberately not in the OpenAPI document
NOT_IN_SCHEMA = ("/console", "/docs", "/redoc", "/openapi.json")
SCOPED = [op for op in ROUTES if op.scoped]


def ids(ops: list[Op]) -> list[str]:
    return [f"{op.method} {op.path}" for op in ops]


@pytest.fixture
def claim_id(api: Api) -> str:
    r = api.submit(("bill.pdf", PDF))
    assert r.status_code == 202, r.text
    return r.json()["claim_id"]


# --- coverage ------------------------------------------------------------------------------------------------------


def served(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app routes, included routers and all (HEAD, implied by GET, left out)."""
    return {(m, rc.path) for rc in iter_route_contexts(app.routes) for m in (rc.methods or ()) if m != "HEAD"}


def documented(app: FastAPI) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}


def coverage_gaps(app: FastAPI, routes: list[Op], open_routes: list[Op]) -> dict[str, set[tuple[str, str]]]:
    """What the tables miss or list in vain, and what the app serves outside its OpenAPI document; all empty when
    the tables match the app."""
    served_ops, doc_ops = served(app), documented(app)
    table = [op.key for op in routes]
    v1 = {k for k in doc_ops if k[1].startswith("/v1/")}
    return {
        "not in the role table": v1 - set(table),
        "in the role table, not served": set(table) - v1,
        "in the role table twice": {k for k in table if table.count(k) > 1},
        "documented, not in OPEN": doc_ops - v1 - {op.key for op in open_routes},
        "in OPEN, not served": {op.key for op in open_routes} - doc_ops,
        "served, not documented": {k for k in served_ops - doc_ops if not k[1].startswith(NOT_IN_SCHEMA)},
        "documented, not served": doc_ops - served_ops,
    }


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    from api_helpers import RecordingDispatcher
    from claimflow.settings import Settings
    from db.engine import make_engine

    d = tmp_path_factory.mktemp("coverage")
    settings = Settings(data_dir=d, database_url=f"sqlite:///{d / 'x.db'}", _env_file=None)  # type: ignore[call-arg]
    return create_app(settings, dispatcher=RecordingDispatcher(),
                      sessions=session_factory(make_engine(settings.database_url)))


def test_the_tables_cover_every_operation_the_app_serves(bare_app: FastAPI) -> None:
    assert {k: v for k, v in coverage_gaps(bare_app, ROUTES, OPEN).items() if v} == {}
    # the walk sees the included routers (FHIR, audit, webhooks, review…) and the console's routes
    assert ("GET", "/v1/claims/{claim_id}/fhir/ExplanationOfBenefit") in served(bare_app)
    assert ("POST", "/v1/audit/verify") in served(bare_app)
    assert {p for _, p in served(bare_app) if p.startswith("/console/claims/")}


def test_the_coverage_check_reports_a_missing_a_stale_and_a_doubled_row(bare_app: FastAPI) -> None:
    fhir = next(op for op in ROUTES if op.path.endswith("/ClaimResponse"))
    bogus = Op("GET", "/v1/claims/{claim_id}/nothing", ALL, 200)
    gaps = coverage_gaps(bare_app, [op for op in ROUTES if op != fhir] + [bogus, ROUTES[0]], OPEN[1:])
    assert gaps["not in the role table"] == {fhir.key}
    assert gaps["in the role table, not served"] == {bogus.key}
    assert gaps["in the role table twice"] == {ROUTES[0].key}
    assert gaps["documented, not in OPEN"] == {OPEN[0].key}


def test_a_route_served_but_left_out_of_the_schema_is_reported(bare_app: FastAPI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi import APIRouter

    hidden = APIRouter()

    @hidden.get("/v1/hidden", include_in_schema=False)
    def _hidden() -> dict[str, str]:
        return {}

    app = create_app(bare_app.state.settings, dispatcher=bare_app.state.dispatcher, sessions=bare_app.state.sessions)
    app.include_router(hidden)
    assert coverage_gaps(app, ROUTES, OPEN)["served, not documented"] == {("GET", "/v1/hidden")}


# --- the world every row runs against ------------------------------------------------------------------------------


@dataclass
class World:
    """acme: a claim pended for review (clinic-eur-negated, decided through the real stages), a signed checkpoint,
    a finished log verification, a webhook URL. globex: nothing."""

    api: Api
    claim_id: str
    job_id: str
    before: dict[str, Any] = field(default_factory=dict)

    def call(self, op: Op, tenant: str, role: str | None, *, claim_id: str | None = None,
             job_id: str | None = None, member_id: str | None = None):  # type: ignore[no-untyped-def]
        url = self.url(op, claim_id=claim_id, job_id=job_id, member_id=member_id)
        headers = self.api.auth(tenant, role) if role else {}
        return self.request(op, url, headers)

    def url(self, op: Op, *, claim_id: str | None = None, job_id: str | None = None,
            member_id: str | None = None) -> str:
        return op.path.format(claim_id=claim_id or self.claim_id, job_id=job_id or self.job_id,
                              member_id=member_id or MEMBER_ID, ordinal=1)

    def request(self, op: Op, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        if op.key == ("POST", "/v1/claims"):
            return self.api.client.post(url, files=[("documents", ("bill.pdf", PDF, "application/pdf"))],
                                        headers=headers)
        return self.api.client.request(op.method, url, json=op.json, headers=headers)


@pytest.fixture
def world(any_engine: Engine, tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    api = make_api(any_engine, tmp_path, api_rate_per_second=1000.0, api_rate_burst=1000)
    sessions = session_factory(any_engine)
    checkpoints.keygen(api.settings.signing_key)
    with api.client:
        load_members(sessions, "acme")
        claim_id, decision = decided_claim(api.settings, sessions, "clinic-eur-negated")
        assert decision.outcome.value == "PENDING_REVIEW"
        with transaction(sessions) as s:
            audit.maybe_checkpoint(s, settings=api.settings, log="acme", force=True)
        job = api.client.post("/v1/audit/verify", json={}, headers=api.auth("acme", "auditor"))
        assert job.status_code == 200, job.text
        hook = api.client.put("/v1/webhooks", json={"url": HOOK}, headers=api.auth("acme", "admin"))
        assert hook.status_code == 200, hook.text
        yield World(api, claim_id, job.json()["id"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", ROUTES, ids=ids(ROUTES))
def test_role_matrix(world: World, op: Op, role: str) -> None:
    r = world.call(op, "acme", role)
    if role in op.allowed:
        assert r.status_code == op.ok, r.text
    else:
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["kind"] == "forbidden" and r.json()["status"] == 403


@pytest.mark.parametrize("op", OPEN, ids=ids(OPEN))
def test_open_routes_need_no_key(world: World, op: Op) -> None:
    assert world.call(op, "acme", None).status_code == op.ok


@pytest.mark.parametrize("op", ROUTES, ids=ids(ROUTES))
def test_without_a_valid_key_every_route_is_401(world: World, op: Op) -> None:
    for headers in ({}, {"Authorization": "Bearer cfk_0000000000000000_nope"}, {"Authorization": "Basic eDp5"}):
        r = world.request(op, world.url(op), headers)
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


@pytest.mark.parametrize("op", SCOPED, ids=ids(SCOPED))
def test_another_tenants_claim_is_not_found_for_every_role(world: World, op: Op) -> None:
    """globex, with every role, gets for acme's claim (or verification) exactly what it gets for
    one that does not exist; acme's claim is left as it was."""
    owner = world.api.auth("acme", "auditor")
    before = world.api.client.get(f"/v1/claims/{world.claim_id}/review", headers=owner).json()
    for role in ROLES:  # a role the operation refuses is refused alike, whether the claim exists or not
        theirs = world.call(op, "globex", role)
        unknown = world.call(op, "globex", role, claim_id=UNKNOWN, job_id=UNKNOWN, member_id="M-UNKNOWN")
        status, kind = (op.foreign, "not_found") if role in op.allowed else (403, "forbidden")
        assert theirs.status_code == unknown.status_code == status, (role, theirs.text)
        if status >= 400:
            assert theirs.json()["kind"] == unknown.json()["kind"] == kind
        # the very same answer, the id asked for aside: nothing tells that acme's claim exists
        masked = theirs.text.replace(world.claim_id, UNKNOWN).replace(world.job_id, UNKNOWN)
        assert masked == unknown.text.replace("M-UNKNOWN", MEMBER_ID), role
    after = world.api.client.get(f"/v1/claims/{world.claim_id}/review", headers=owner).json()
    assert after == before


def test_another_tenant_sees_none_of_acmes_claims_jobs_or_deliveries_in_lists(world: World) -> None:
    acme, client = world.api.auth, world.api.client
    assert [q["claim_id"] for q in client.get("/v1/review/queue", headers=acme("acme", "reviewer")).json()] == [
        world.claim_id]
    for role in ("reviewer", "auditor"):
        assert client.get("/v1/review/queue", headers=acme("globex", role)).json() == []
    for role in ROLES:
        assert client.get("/v1/claims", headers=acme("globex", role)).json()["items"] == []
    assert client.get("/v1/webhooks", headers=acme("globex", "admin")).status_code == 404
    deliveries = client.get("/v1/webhooks/deliveries", params={"claim_id": world.claim_id},
                            headers=acme("globex", "admin"))
    assert deliveries.status_code == 200 and deliveries.json()["items"] == []
    assert client.get("/v1/audit/checkpoint", headers=acme("globex", "auditor")).status_code == 404
    # globex's verification covers globex's (empty) log, not acme's
    job = client.post("/v1/audit/verify", json={}, headers=acme("globex", "auditor")).json()
    assert job["entries"] == 0 and job["state"] == "verified"
    assert client.get(f"/v1/audit/verifications/{job['id']}", headers=acme("acme", "auditor")).status_code == 404
    # globex setting and deleting its own webhook leaves acme's alone
    other = "https://93.184.216.35/globex"
    assert client.put("/v1/webhooks", json={"url": other}, headers=acme("globex", "admin")).status_code == 200
    assert client.delete("/v1/webhooks", headers=acme("globex", "admin")).status_code == 204
    assert client.get("/v1/webhooks", headers=acme("acme", "admin")).json()["url"] == HOOK


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


# --- the console (/console: outside the OpenAPI document, signed-in sessions instead of bearer keys) --------------

CONSOLE_ROLES = ("reviewer", "auditor", "admin")  # a submitter key is refused at sign-in
READERS = frozenset({"reviewer", "auditor"})
# (method, path, roles allowed, status for an allowed role, form); every console route but the static files
CONSOLE = [
    Op("GET", "/console", frozenset(CONSOLE_ROLES), 303),
    Op("GET", "/console/", frozenset(CONSOLE_ROLES), 303),
    Op("GET", "/console/login", frozenset(CONSOLE_ROLES), 200),
    Op("POST", "/console/login", frozenset(CONSOLE_ROLES), 303),  # signs in: tested by console_client
    Op("POST", "/console/logout", frozenset(CONSOLE_ROLES), 303),
    Op("GET", "/console/audit", frozenset({"auditor"}), 200),
    Op("POST", "/console/audit/verify", frozenset({"auditor"}), 303),
    Op("GET", "/console/audit/verifications/{job_id}", frozenset({"auditor"}), 200),
    Op("GET", "/console/audit/export.tar.gz", frozenset({"auditor"}), 200),
    Op("GET", "/console/audit/public-key.pem", frozenset({"auditor"}), 200),
    Op("GET", "/console/dashboard", frozenset(CONSOLE_ROLES), 200),
    Op("GET", "/console/queue", frozenset({"reviewer"}), 200),
    Op("GET", "/console/next", frozenset({"reviewer"}), 303),
    Op("GET", "/console/claims/{claim_id}", READERS, 200),
    Op("GET", "/console/claims/{claim_id}/documents/{n}/pages/{page}.png", READERS, 200),
    Op("POST", "/console/claims/{claim_id}/{action}", frozenset({"reviewer"}), 303),  # take the lease
    Op("GET", "/console/{path:path}", frozenset(CONSOLE_ROLES), 404),
]
CONSOLE_SCOPED = [op for op in CONSOLE if op.scoped]


def console_gaps(app: FastAPI, table: list[Op]) -> dict[str, set[tuple[str, str]]]:
    mine = {k for k in served(app) if k[1] == "/console" or k[1].startswith("/console/")}
    keys = {op.key for op in table}
    return {"not in the console table": mine - keys, "in the console table, not served": keys - mine}


def test_the_console_table_covers_every_console_route(bare_app: FastAPI) -> None:
    assert {k: v for k, v in console_gaps(bare_app, CONSOLE).items() if v} == {}
    gaps = console_gaps(bare_app, [op for op in CONSOLE if op.path != "/console/queue"])
    assert gaps["not in the console table"] == {("GET", "/console/queue")}


def console_client(world: World, tenant: str, role: str):  # type: ignore[no-untyped-def]
    """A browser signed in with the tenant's key of that role."""
    import re

    from fastapi.testclient import TestClient

    c = TestClient(world.api.client.app, base_url="https://testserver")
    page = c.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    r = c.post("/console/login", data={"key": world.api.keys[(tenant, role)], "csrf": csrf.group(1)},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def console_call(world: World, c, op: Op, *, claim_id: str | None = None, job_id: str | None = None):  # type: ignore[no-untyped-def]
    import re

    url = op.path.replace("{path:path}", "nothing-here").format(
        claim_id=claim_id or world.claim_id, job_id=job_id or world.job_id, n=1, page=1, action="take")
    if op.method == "GET":
        return c.get(url, follow_redirects=False)
    if op.path == "/console/login":
        page = c.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        key = world.api.keys[("acme", "reviewer")]
        return c.post(url, data={"key": key, "csrf": token.group(1) if token else ""}, follow_redirects=False)
    token = c.cookies.get("claimflow_console")
    assert token is not None
    form = re.search(r'name="csrf" value="([^"]+)"', c.get("/console/dashboard").text)
    assert form, "the dashboard has no CSRF field"
    return c.post(url, data={"csrf": form.group(1)}, follow_redirects=False)


@pytest.mark.parametrize("role", CONSOLE_ROLES)
@pytest.mark.parametrize("op", CONSOLE, ids=ids(CONSOLE))
def test_console_role_matrix(world: World, op: Op, role: str) -> None:
    r = console_call(world, console_client(world, "acme", role), op)
    if role in op.allowed:
        assert r.status_code == op.ok, r.text
    else:
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html"), r.text


@pytest.mark.parametrize("op", CONSOLE_SCOPED, ids=ids(CONSOLE_SCOPED))
def test_console_another_tenants_claim_is_not_found(world: World, op: Op) -> None:
    for role in CONSOLE_ROLES:
        c = console_client(world, "globex", role)
        theirs = console_call(world, c, op)
        unknown = console_call(world, c, op, claim_id=UNKNOWN, job_id=UNKNOWN)
        status = 404 if role in op.allowed else 403
        assert theirs.status_code == unknown.status_code == status, (role, theirs.text[:500])
        masked = theirs.text.replace(world.claim_id, UNKNOWN).replace(world.job_id, UNKNOWN)
        assert masked == unknown.text, role


def test_console_refuses_a_submitter_key_and_strangers(world: World) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(world.api.client.app, base_url="https://testserver")
    for op in CONSOLE:
        if op.method == "GET" and op.path != "/console/login":
            url = op.path.replace("{path:path}", "x").format(claim_id=world.claim_id, job_id=world.job_id,
                                                             n=1, page=1)
            r = c.get(url, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/console/login"), (url, r.status_code)
    import re

    page = c.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    r = c.post("/console/login", data={"key": world.api.keys[("acme", "submitter")], "csrf": token.group(1)})
    assert r.status_code == 401
