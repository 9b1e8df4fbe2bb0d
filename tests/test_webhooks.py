"""Webhooks: the outbox is written with the decision, a receiver on 127.0.0.1 checks the signature, a 500 is retried
with backoff, a dead receiver is given up on after the bounded attempts, and every attempt is recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from apiext_helpers import SAMPLES, decided_claim, http_api, load_members
from claimflow.settings import Settings
from db import webhooks as repo
from db.engine import session_factory, transaction
from flows import webhooks

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


class Receiver:
    """A tiny HTTP receiver: answers each POST with the next planned status and keeps what it got, checking the
    signature exactly as docs/webhooks.md tells a receiver to (independently of flows.webhooks)."""

    def __init__(self, secret: str | None, statuses: list[int]) -> None:
        self.secret = secret
        self.statuses = statuses
        self.got: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers["Claimflow-Signature"]
                parts = dict(p.split("=", 1) for p in header.split(","))
                mac = hmac.new(outer.secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
                outer.got.append({"body": json.loads(body), "valid": hmac.compare_digest(mac, parts["v1"]),
                                  "event_id": self.headers["Claimflow-Event-Id"],
                                  "type": self.headers["Claimflow-Event-Type"]})
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(None, [500])
    yield r
    r.close()


@pytest.fixture
def sessions(any_engine: Engine) -> sessionmaker[Session]:
    return session_factory(any_engine)


@pytest.fixture
def wh_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_backoff_seconds": 60.0, "webhook_max_attempts": 3,
                                       "webhook_allow_private_networks": True})


def set_url(sessions: sessionmaker[Session], url: str, tenant: str = "acme") -> str:
    with transaction(sessions) as s:
        _, secret = repo.set_endpoint(s, tenant=tenant, url=url, allow_private=True)
    assert secret is not None
    return secret


def events(sessions: sessionmaker[Session]) -> list[repo.WebhookEvent]:
    with sessions() as s:
        return list(s.scalars(select(repo.WebhookEvent).order_by(repo.WebhookEvent.created_at)))


def test_decisions_enqueue_events_without_phi(wh_settings: Settings, sessions: sessionmaker[Session]) -> None:
    load_members(sessions, "acme")
    set_url(sessions, "https://insurer.example/hook")
    decided = {name: decided_claim(wh_settings, sessions, name) for name in SAMPLES}
    rows = {e.claim_id: e for e in events(sessions)}
    assert len(rows) == len(SAMPLES)
    for name, (claim_id, decision) in decided.items():
        e = rows[claim_id]
        assert e.type == ("claim.pended" if SAMPLES[name] == "PENDING_REVIEW" else "claim.decided")
        assert e.state == "pending" and e.attempts == 0
        assert e.data["outcome"] == SAMPLES[name] and e.data["payable"] == f"{decision.payable:.2f}"
        assert e.data["status"] == SAMPLES[name].lower() and e.data["claim_id"] == claim_id
        assert set(e.data) <= repo.DATA_KEYS
        assert decision.member_id not in json.dumps(e.data)


def test_no_endpoint_no_event_and_rollback_leaves_no_event(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert repo.enqueue(s, tenant="acme", type="claim.decided", claim_id="c1", data={"payable": "1.00"}) is None
    set_url(sessions, "https://insurer.example/hook")
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        assert repo.enqueue(s, tenant="acme", type="claim.decided", claim_id="c1", data={}) is not None
        raise RuntimeError("the decision's own write failed")
    assert events(sessions) == []


@pytest.mark.parametrize(
    ("type_", "data", "match"),
    [
        ("claim.decided", {"patient_name": "Jane Roe"}, "no PHI"),
        ("claim.deleted", {}, "unknown webhook event type"),
        ("claim.decided", {"payable": "12.5"}, "two-place"),
    ],
)
def test_enqueue_refuses_bad_events(sessions: sessionmaker[Session], type_: str, data: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match), sessions() as s:
        repo.enqueue(s, tenant="acme", type=type_, claim_id="c1", data=data)


@pytest.mark.parametrize("url", ["ftp://x.example/hook", "/relative", "https://user:pw@x.example/hook"])
def test_bad_urls_are_refused(sessions: sessionmaker[Session], url: str) -> None:
    from claimflow.errors import RequestError

    with pytest.raises(RequestError), sessions() as s:
        repo.set_endpoint(s, tenant="acme", url=url)


def test_secret_is_shown_once_and_rotates(sessions: sessionmaker[Session]) -> None:
    first = set_url(sessions, "https://a.example/hook")
    with transaction(sessions) as s:
        row, again = repo.set_endpoint(s, tenant="acme", url="https://b.example/hook")
        assert again is None and row.url == "https://b.example/hook" and row.secret == first
        _, rotated = repo.set_endpoint(s, tenant="acme", url="https://b.example/hook", rotate_secret=True)
    assert rotated and rotated != first and len(first) >= len("whsec_") + 43  # 32 random bytes, base64url


def test_a_500_is_retried_with_backoff_and_the_signature_verifies(
    wh_settings: Settings, sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.secret = set_url(sessions, receiver.url)
    with transaction(sessions) as s:
        event = repo.enqueue(s, tenant="acme", type="claim.decided", claim_id="c1",
                             data={"status": "approved", "outcome": "APPROVED", "payable": "25.00"})
        assert event is not None
        event.next_attempt_at = T0  # due now in the test's clock

    first = webhooks.deliver_due(wh_settings, T0, sessions=sessions)
    assert first.retrying == [event.id] and not first.delivered
    # Not due again until the backoff has passed.
    assert webhooks.deliver_due(wh_settings, T0 + dt.timedelta(seconds=59), sessions=sessions).retrying == []
    second = webhooks.deliver_due(wh_settings, T0 + dt.timedelta(seconds=60), sessions=sessions)
    assert second.delivered == [event.id]
    assert webhooks.deliver_due(wh_settings, T0 + dt.timedelta(days=1), sessions=sessions) == webhooks.DeliveryRun()

    assert [g["valid"] for g in receiver.got] == [True, True]
    assert receiver.got[0]["body"] == receiver.got[1]["body"]  # the same bytes on every attempt
    body = receiver.got[0]["body"]
    assert body["id"] == event.id == receiver.got[0]["event_id"] and body["type"] == "claim.decided"
    assert body["data"] == {"claim_id": "c1", "status": "approved", "outcome": "APPROVED", "payable": "25.00"}

    with sessions() as s:
        rows = repo.list_deliveries(s, tenant="acme")
        assert repo.list_deliveries(s, tenant="other") == []
    assert [(r.attempt, r.status_code, r.error) for r in rows] == [(2, 200, None), (1, 500, "HTTP 500")]
    assert rows[1].next_attempt_at is not None and rows[0].next_attempt_at is None
    assert rows[1].next_attempt_at.replace(tzinfo=dt.UTC) == T0 + dt.timedelta(seconds=60)


def test_an_unreachable_receiver_is_given_up_after_bounded_attempts(
    wh_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    set_url(sessions, f"http://127.0.0.1:{port}/hook")
    with transaction(sessions) as s:
        event = repo.enqueue(s, tenant="acme", type="claim.pended", claim_id="c2", data={"payable": "0.00"})
        assert event is not None
        event.next_attempt_at = T0
    now, delays = T0, []
    for _ in range(wh_settings.webhook_max_attempts):
        run = webhooks.deliver_due(wh_settings, now, sessions=sessions)
        assert run.retrying + run.failed == [event.id]
        with sessions() as s:
            e = repo.get_event(s, event_id=event.id)
            assert e is not None
            if e.next_attempt_at is not None:
                nxt = e.next_attempt_at.replace(tzinfo=dt.UTC)
                delays.append((nxt - now).total_seconds())
                now = nxt
    assert run.failed == [event.id] and delays == [60.0, 120.0]  # exponential backoff
    with sessions() as s:
        rows = repo.list_deliveries(s, tenant="acme")
        assert [(r.attempt, r.status_code, r.error) for r in rows] == [(3, None, "ConnectError"),
                                                                      (2, None, "ConnectError"),
                                                                      (1, None, "ConnectError")]
        assert s.scalar(select(func.count()).select_from(repo.WebhookEvent).where(
            repo.WebhookEvent.state == "failed")) == 1


def test_an_event_is_leased_to_one_worker(wh_settings: Settings, sessions: sessionmaker[Session]) -> None:
    set_url(sessions, "https://insurer.example/hook")
    with transaction(sessions) as s:
        repo.enqueue(s, tenant="acme", type="claim.decided", claim_id="c3", data={})
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    lease = dt.timedelta(seconds=30)
    with transaction(sessions) as s:
        assert len(repo.claim_due(s, now=now, lease=lease)) == 1
    with transaction(sessions) as s:
        assert repo.claim_due(s, now=now, lease=lease) == []  # leased: another worker gets nothing
    with transaction(sessions) as s:
        assert len(repo.claim_due(s, now=now + lease, lease=lease)) == 1  # the lease ran out (worker died)


def test_signature_helper_refuses_tampering_and_stale_timestamps() -> None:
    body = b'{"id":"e1"}'
    header = webhooks.signature("whsec_k", 1_800_000_000, body)
    assert webhooks.verify_signature("whsec_k", header, body, now=1_800_000_010)
    assert not webhooks.verify_signature("whsec_k", header, body + b" ", now=1_800_000_010)
    assert not webhooks.verify_signature("whsec_other", header, body, now=1_800_000_010)
    assert not webhooks.verify_signature("whsec_k", header, body, now=1_800_000_000 + 301)
    assert not webhooks.verify_signature("whsec_k", "garbage", body)


# --- over HTTP: an admin sets the URL, a decision is delivered signed, deliveries are listed -------------------------


def test_over_http_set_url_deliver_a_decision_and_list_deliveries(
    settings: Settings, any_engine: Engine, receiver: Receiver
) -> None:
    with http_api(settings, any_engine, webhook_backoff_seconds=0.0, webhook_allow_private_networks=True) as api:
        load_members(api.sessions, "acme")
        admin = api.auth("acme", "admin")
        assert api.client.get("/v1/webhooks", headers=admin).status_code == 404
        r = api.client.put("/v1/webhooks", json={"url": receiver.url}, headers=admin)
        assert r.status_code == 200, r.text
        receiver.secret = r.json()["secret"]
        assert receiver.secret.startswith("whsec_")
        shown = api.client.get("/v1/webhooks", headers=admin).json()
        assert shown["url"] == receiver.url and "secret" not in shown
        assert "secret" not in api.client.put("/v1/webhooks", json={"url": receiver.url}, headers=admin).json()
        bad = api.client.put("/v1/webhooks", json={"url": "file:///etc/passwd"}, headers=admin)
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"

        claim_id, decision = decided_claim(api.settings, api.sessions, "clinic-digital")
        # The receiver answers 500 first; with no backoff the retry is due at once, in the same pass.
        run = webhooks.deliver_due(api.settings, sessions=api.sessions)
        assert len(run.retrying) == 1 and run.delivered == run.retrying
        assert [g["valid"] for g in receiver.got] == [True, True]
        assert receiver.got[-1]["body"]["data"] == {
            "claim_id": claim_id, "status": "approved", "outcome": "APPROVED", "final": True,
            "payable": f"{decision.payable:.2f}", "review_queue": None,
            "decision_id": receiver.got[-1]["body"]["data"]["decision_id"]}

        page = api.client.get("/v1/webhooks/deliveries", headers=admin)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert [(i["attempt"], i["status_code"], i["claim_id"], i["type"]) for i in items] == [
            (2, 200, claim_id, "claim.decided"), (1, 500, claim_id, "claim.decided")]
        assert items[1]["next_attempt_at"] is not None and items[0]["next_attempt_at"] is None
        one = api.client.get("/v1/webhooks/deliveries?limit=1", headers=admin).json()
        assert len(one["items"]) == 1 and one["next"] == f"before={items[0]['id']}&limit=1"
        older = api.client.get(f"/v1/webhooks/deliveries?{one['next']}", headers=admin).json()
        assert [i["attempt"] for i in older["items"]] == [1]

        # Another tenant sees none of it; other roles may not manage webhooks.
        assert api.client.get("/v1/webhooks/deliveries", headers=api.auth("globex", "admin")).json()["items"] == []
        assert api.client.get("/v1/webhooks", headers=api.auth("globex", "admin")).status_code == 404
        for role in ("submitter", "reviewer", "auditor"):
            for method, path in [("GET", "/v1/webhooks"), ("PUT", "/v1/webhooks"), ("DELETE", "/v1/webhooks"),
                                 ("GET", "/v1/webhooks/deliveries")]:
                r = api.client.request(method, path, headers=api.auth("acme", role),
                                       json={"url": receiver.url} if method == "PUT" else None)
                assert r.status_code == 403, (role, method, path)
        assert api.client.delete("/v1/webhooks", headers=admin).status_code == 204
        assert api.client.get("/v1/webhooks", headers=admin).status_code == 404


def test_a_reviewers_decision_is_a_claim_reviewed_event(wh_settings: Settings, sessions: sessionmaker[Session]) -> None:
    """The review workflow calls enqueue_decision(..., type=CLAIM_REVIEWED, reviewer=...) in its own transaction."""
    from db import claims as claims_repo

    load_members(sessions, "acme")
    set_url(sessions, "https://insurer.example/hook")
    claim_id, _ = decided_claim(wh_settings, sessions, "clinic-eur-negated")
    with transaction(sessions) as s:
        claim = claims_repo.get_claim(s, claim_id=claim_id)
        row = claims_repo.latest_decision(s, claim_id=claim_id)
        assert claim is not None and row is not None
        e = repo.enqueue_decision(s, claim=claim, row=row, type=repo.CLAIM_REVIEWED, reviewer="key:0a1b2c3d")
        assert e is not None
    assert [(x.type, x.data.get("reviewer")) for x in events(sessions)] == [("claim.pended", None),
                                                                            ("claim.reviewed", "key:0a1b2c3d")]
    assert events(sessions)[0].data["review_queue"] == "claims_examiner"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/hook",
                                 "http://169.254.169.254/latest/meta-data", "https://10.1.2.3/hook"])
def test_private_addresses_are_refused_by_default(sessions: sessionmaker[Session], url: str) -> None:
    from claimflow.errors import RequestError

    with pytest.raises(RequestError, match="private network"), sessions() as s:
        repo.set_endpoint(s, tenant="acme", url=url)


def test_delivery_refuses_a_host_that_resolves_privately(
    wh_settings: Settings, sessions: sessionmaker[Session], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = wh_settings.model_copy(update={"webhook_allow_private_networks": False})
    set_url(sessions, receiver.url, tenant="acme")  # set while allowed, delivered while not: checked on every attempt
    set_url(sessions, "https://hooks.insurer.example/claimflow", tenant="globex")
    real = __import__("socket").getaddrinfo

    def fake(host: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "hooks.insurer.example":  # DNS pointing into the server's network
            return [(2, 1, 6, "", ("10.0.0.5", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr("socket.getaddrinfo", fake)
    with transaction(sessions) as s:
        for tenant in ("acme", "globex"):
            e = repo.enqueue(s, tenant=tenant, type="claim.decided", claim_id=f"c-{tenant}", data={})
            assert e is not None
            e.next_attempt_at = T0
    run = webhooks.deliver_due(strict, T0, sessions=sessions)
    assert len(run.retrying) == 2 and receiver.got == []
    with sessions() as s:
        errors = [r.error for t in ("acme", "globex") for r in repo.list_deliveries(s, tenant=t)]
    assert all(e and e.startswith("refused: the URL resolves to a private address") for e in errors)


def test_the_review_workflow_enqueues_claim_reviewed(wh_settings: Settings, sessions: sessionmaker[Session]) -> None:
    from apiext_helpers import context
    from claimflow.model.review import Approve
    from flows import review

    load_members(sessions, "acme")
    set_url(sessions, "https://insurer.example/hook")
    claim_id, _ = decided_claim(wh_settings, sessions, "clinic-eur-negated")
    out = review.decide(context(wh_settings, sessions, "acme"), claim_id, reviewer="key:0a1b2c3d", action=Approve())
    pended, reviewed = events(sessions)
    assert (pended.type, reviewed.type) == ("claim.pended", "claim.reviewed")
    assert reviewed.data["reviewer"] == "key:0a1b2c3d" and reviewed.data["status"] == out.status
    assert reviewed.data["outcome"] != "PENDING_REVIEW" and reviewed.data["decision_id"] > pended.data["decision_id"]


def test_the_delivery_loop_delivers_until_stopped(
    wh_settings: Settings, sessions: sessionmaker[Session], receiver: Receiver
) -> None:
    import time

    receiver.statuses = []  # answer 200
    receiver.secret = set_url(sessions, receiver.url)
    stop = threading.Event()
    loop = threading.Thread(target=webhooks.run_deliveries,
                            args=(wh_settings.model_copy(update={"webhook_poll_seconds": 0.05}), stop),
                            kwargs={"sessions": sessions}, daemon=True)
    loop.start()
    try:
        with transaction(sessions) as s:
            repo.enqueue(s, tenant="acme", type="claim.decided", claim_id="c9", data={"payable": "1.00"})
        deadline = time.monotonic() + 20
        while not receiver.got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()
    assert [(g["valid"], g["body"]["data"]["claim_id"]) for g in receiver.got] == [(True, "c9")]
    assert [e.state for e in events(sessions)] == ["delivered"]


def test_a_proposal_awaiting_confirmation_is_not_final(wh_settings: Settings, sessions: sessionmaker[Session]) -> None:
    from decimal import Decimal

    from apiext_helpers import context
    from claimflow.model.review import Approve
    from flows import review

    four_eyes = wh_settings.model_copy(update={"four_eyes_above": Decimal("0")})
    load_members(sessions, "acme")
    set_url(sessions, "https://insurer.example/hook")
    claim_id, _ = decided_claim(four_eyes, sessions, "clinic-eur-negated")
    out = review.decide(context(four_eyes, sessions, "acme"), claim_id, reviewer="key:0a1b2c3d", action=Approve())
    reviewed = events(sessions)[-1]
    assert out.status == "awaiting_confirmation" == reviewed.data["status"]
    assert reviewed.type == "claim.reviewed" and reviewed.data["final"] is False
    assert events(sessions)[0].data["final"] is True  # the machine's decision
