"""Webhook delivery: sign and POST due outbox events (db/webhooks.py), record every attempt, retry with backoff.

``deliver_due(settings, now)`` does one pass; ``run_deliveries(settings, stop)`` repeats it until ``stop`` is set
(``claimflow serve`` runs it in a thread). Several processes may run the loop: each event attempt is leased by a
compare-and-set.

Signature (docs/webhooks.md): header ``Claimflow-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256(secret, ``f"{t}.".encode() + body``). The secret and the body are never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker

from claimflow.settings import Settings
from db import webhooks as repo
from db.engine import transaction

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Claimflow-Signature"
EVENT_ID_HEADER = "Claimflow-Event-Id"
EVENT_TYPE_HEADER = "Claimflow-Event-Type"
DEFAULT_TOLERANCE_SECONDS = 300


def body_of(event: repo.DueEvent) -> bytes:
    """The event as the receiver gets it: the same bytes on every attempt (sorted keys, no spaces)."""
    created = event.created_at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    doc = {"id": event.id, "type": event.type, "created": created, "tenant": event.tenant, "data": event.data}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Claimflow-Signature`` header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: recompute the MAC over ``t.body``, compare in constant time, refuse stale timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class DeliveryRun:
    """What one pass did: event ids delivered, retried later, and given up on."""

    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _resolves_privately(url: str) -> bool:
    """True when the URL's host resolves to any non-global address (checked before every attempt)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if repo.names_private_host(host):
        return True
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except OSError:
        return False  # unresolvable: the POST fails as a connection error and is retried
    return any(repo.is_private_address(str(info[4][0])) for info in infos)


def _send(client: httpx.Client, event: repo.DueEvent, timeout: float, *, allow_private: bool
          ) -> tuple[int | None, str | None]:
    if not allow_private and _resolves_privately(event.url):
        return None, "refused: the URL resolves to a private address (CLAIMFLOW_WEBHOOK_ALLOW_PRIVATE_NETWORKS)"
    body = body_of(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "claimflow-webhooks/1",
        EVENT_ID_HEADER: event.id,
        EVENT_TYPE_HEADER: event.type,
        SIGNATURE_HEADER: signature(event.secret, int(time.time()), body),
    }
    try:
        response = client.post(event.url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as e:  # connection refused, timeout, TLS, protocol: retried like a 5xx
        return None, type(e).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver_due(
    settings: Settings,
    now: dt.datetime | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    client: httpx.Client | None = None,
    limit: int = 50,
) -> DeliveryRun:
    """Send up to ``limit`` events due at ``now`` (default: the current time, read per event) once each, and record
    each attempt. Events are leased one at a time, just before they are sent, for twice the POST timeout: a slow
    receiver never lets another worker send the same attempt, and a crashed worker's event is free again soon."""
    if sessions is None:
        from flows.runtime import sessions_for

        sessions = sessions_for(settings)

    def clock() -> dt.datetime:
        return now if now is not None else dt.datetime.now(dt.UTC)

    lease = dt.timedelta(seconds=settings.webhook_timeout * 2 + 5)
    run = DeliveryRun()
    own = client is None
    client = client or httpx.Client(follow_redirects=False)
    try:
        for _ in range(limit):
            with transaction(sessions) as s:
                due = repo.claim_due(s, now=clock(), lease=lease, limit=1)
            if not due:
                break
            _deliver(settings, sessions, client, due[0], clock(), run)
    finally:
        if own:
            client.close()
    return run


def _deliver(settings: Settings, sessions: sessionmaker[Session], client: httpx.Client, event: repo.DueEvent,
             attempted_at: dt.datetime, run: DeliveryRun) -> None:
    status_code, error = _send(client, event, settings.webhook_timeout,
                               allow_private=settings.webhook_allow_private_networks)
    with transaction(sessions) as s:
        row = repo.record_attempt(
            s, event_id=event.id, attempted_at=attempted_at, status_code=status_code, error=error,
            max_attempts=settings.webhook_max_attempts, base_seconds=settings.webhook_backoff_seconds,
            max_seconds=settings.webhook_backoff_max_seconds,
        )
    if error is None:
        run.delivered.append(event.id)
    elif row.next_attempt_at is None:
        run.failed.append(event.id)
        log.warning("webhook event %s (%s) failed after %d attempts: %s", event.id, event.type, row.attempt, error)
    else:
        run.retrying.append(event.id)
        log.info("webhook event %s attempt %d: %s; next at %s", event.id, row.attempt, error, row.next_attempt_at)


def run_deliveries(settings: Settings, stop: threading.Event, *, sessions: sessionmaker[Session] | None = None) -> None:
    """Deliver due events every ``settings.webhook_poll_seconds`` until ``stop`` is set (a ``claimflow serve``
    component: ``Component("webhooks", partial(run_deliveries, settings))``). A failed pass is logged and retried on
    the next tick; it never ends the loop."""
    with httpx.Client(follow_redirects=False) as client:
        while not stop.is_set():
            try:
                deliver_due(settings, sessions=sessions, client=client)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop; it is logged, not hidden
                log.exception("webhook delivery pass failed; retrying in %.0f s", settings.webhook_poll_seconds)
            stop.wait(settings.webhook_poll_seconds)
