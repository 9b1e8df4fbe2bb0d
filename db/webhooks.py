"""Webhooks: per-tenant endpoints, an outbox of events written in the same transaction as what they announce, and a
record of every delivery attempt. Keyword-only functions taking the session; the caller owns the transaction.

The outbox (``webhook_events``) is the transactional half: ``enqueue`` is called inside the transaction that records a
decision or a review, so an event exists if and only if that change committed. Delivery (flows/webhooks.py) claims
due events, POSTs them, and records each attempt (``webhook_deliveries``) with its status code and next attempt.

Payloads carry ids, statuses, outcomes and amounts only — never names, diagnoses, document text or file names:
``enqueue`` refuses any other key.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from claimflow.errors import DatabaseError, MasterKeyError, NotFoundError, RequestError
from db.models import Base, Claim, DecisionRow, utcnow

#: Event types a receiver can get (docs/webhooks.md).
CLAIM_DECIDED = "claim.decided"
CLAIM_PENDED = "claim.pended"
CLAIM_REVIEWED = "claim.reviewed"
EVENT_TYPES = frozenset({CLAIM_DECIDED, CLAIM_PENDED, CLAIM_REVIEWED})

#: The only keys an event's data may hold (ids, statuses, amounts: no PHI).
DATA_KEYS = frozenset({"claim_id", "status", "outcome", "payable", "final", "review_queue", "decision_id", "reviewer"})
_MONEY = re.compile(r"^-?\d+\.\d{2}$")

PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"


class WebhookEndpoint(Base):
    """One callback URL per tenant and the secret its deliveries are signed with (shown once, when set)."""

    __tablename__ = "webhook_endpoints"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The signing secret in clear only while encryption at rest is off; otherwise NULL and sealed in
    #: ``secret_sealed`` under the tenant's webhook data key (``webhook/<tenant>``, not a member's). Read it with
    #: ``endpoint_secret``.
    secret: Mapped[str | None] = mapped_column(String(200))
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class WebhookEvent(Base):
    """The outbox: one row per event, with its delivery state."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    type: Mapped[str] = mapped_column(String(50))
    claim_id: Mapped[str | None] = mapped_column(String(36), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """One delivery attempt: when, the HTTP status (None when no response), the error kind, the next attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    claim_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(50))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# --- endpoints ---------------------------------------------------------------------------------------------------


def is_private_address(address: str) -> bool:
    """True for an IP address that is not globally routable (loopback, private, link-local, cloud metadata …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global


def names_private_host(host: str) -> bool:
    """True when ``host`` is ``localhost`` or a literal non-global IP address (no DNS lookup here)."""
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return is_private_address(h)
    except ValueError:
        return False  # a DNS name: checked when it is resolved, at delivery


def _check_url(url: str, *, allow_private: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestError(f"webhook URL {url!r} is not an absolute http(s) URL", hint="e.g. https://example.com/hook")
    if parts.username or parts.password:
        raise RequestError("a webhook URL must not carry credentials", hint="authenticate with the signature")
    if not allow_private and names_private_host(parts.hostname):
        raise RequestError(f"webhook URL {url!r} points into a private network",
                           hint="use a public address, or set CLAIMFLOW_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true")
    return url


def set_endpoint(
    session: Session, *, tenant: str, url: str, rotate_secret: bool = False, allow_private: bool = False
) -> tuple[WebhookEndpoint, str | None]:
    """Set the tenant's callback URL. Returns the endpoint and the new secret when one was made (first time, or
    ``rotate_secret``): the only moment it is shown. 256 bits from ``secrets``. A URL naming a private address is
    refused unless ``allow_private`` (a tenant must not reach into the server's network)."""
    _check_url(url, allow_private=allow_private)
    row = session.get(WebhookEndpoint, tenant)
    new_secret = None
    if row is None:
        new_secret = "whsec_" + secrets.token_urlsafe(32)
        row = WebhookEndpoint(tenant=tenant, url=url)
        _store_secret(session, row, new_secret)
        session.add(row)
    else:
        row.url = url
        row.updated_at = utcnow()
        if rotate_secret:
            new_secret = "whsec_" + secrets.token_urlsafe(32)
            _store_secret(session, row, new_secret)
    session.flush()
    return row, new_secret


def secret_subject(tenant: str) -> str:
    """The data key that seals a tenant's webhook secret (a system key: no erasure destroys it)."""
    return f"webhook/{tenant}"


def _secret_aad(tenant: str) -> str:
    return f"webhook-secret/{tenant}"


def _store_secret(session: Session, row: WebhookEndpoint, secret: str) -> None:
    """Keep ``secret`` sealed (with a keyring in the session; in clear without — encryption at rest off)."""
    keyring = session.info.get("keyring")
    if keyring is None:
        row.secret, row.secret_sealed = secret, None
        return
    row.secret_sealed = keyring.seal(session, secret_subject(row.tenant), secret.encode(), _secret_aad(row.tenant))
    row.secret = None


def endpoint_secret(session: Session, row: WebhookEndpoint) -> str:
    """The endpoint's signing secret (opened with the session's keyring when it is sealed)."""
    if row.secret_sealed is None:
        if row.secret is None:
            raise DatabaseError(f"the webhook endpoint of tenant {row.tenant} has no secret",
                                hint="set a new one: PUT /v1/webhooks with rotate_secret true")
        return row.secret
    keyring = session.info.get("keyring")
    if keyring is None:
        raise MasterKeyError("the webhook secret is encrypted at rest, but this session has no key provider")
    return keyring.open(session, bytes(row.secret_sealed), _secret_aad(row.tenant)).decode()  # type: ignore[no-any-return]


def seal_secrets(session: Session) -> int:
    """Seal every webhook secret still stored in clear (migration 0011; encryption at rest on). Returns the count."""
    n = 0
    for row in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.secret.is_not(None))):
        _store_secret(session, row, row.secret)  # type: ignore[arg-type]
        n += 1
    session.flush()
    return n


def get_endpoint(session: Session, *, tenant: str) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, tenant)


def delete_endpoint(session: Session, *, tenant: str) -> None:
    row = session.get(WebhookEndpoint, tenant)
    if row is None:
        raise NotFoundError(f"tenant {tenant!r} has no webhook endpoint")
    session.delete(row)


# --- the outbox ----------------------------------------------------------------------------------------------------


def event_type_for(outcome: str) -> str:
    """``claim.pended`` for a decision that sends the claim to review, ``claim.decided`` otherwise."""
    return CLAIM_PENDED if outcome.upper() == "PENDING_REVIEW" else CLAIM_DECIDED


def enqueue(
    session: Session, *, tenant: str, type: str, claim_id: str, data: dict[str, str | int | bool | None]
) -> WebhookEvent | None:
    """Write an event in the caller's transaction (it is delivered only if that transaction commits).

    Nothing is written when the tenant has no endpoint (events are not kept for a URL that may never be set).
    ``data`` may hold only DATA_KEYS; ``payable`` must be a two-place string. Raises ValueError otherwise.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}; known: {sorted(EVENT_TYPES)}")
    extra = set(data) - DATA_KEYS
    if extra:
        raise ValueError(f"webhook data may hold only {sorted(DATA_KEYS)}, not {sorted(extra)} (no PHI in events)")
    payable = data.get("payable")
    if payable is not None and not (isinstance(payable, str) and _MONEY.match(payable)):
        raise ValueError(f"payable must be a two-place decimal string, not {payable!r}")
    if session.get(WebhookEndpoint, tenant) is None:
        return None
    now = utcnow()
    row = WebhookEvent(
        id=str(uuid.uuid4()), tenant=tenant, type=type, claim_id=claim_id, data={**data, "claim_id": claim_id},
        state=PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def enqueue_decision(
    session: Session, *, claim: Claim, row: DecisionRow, type: str | None = None, reviewer: str | None = None
) -> WebhookEvent | None:
    """The event for a decision row just recorded on ``claim``, in the same transaction: ``claim.decided`` or
    ``claim.pended`` for the machine's (``type`` None), ``claim.reviewed`` (with the reviewer's id) for a person's."""
    review_queue = row.decision.get("review_queue") if isinstance(row.decision, dict) else None
    return enqueue(
        session, tenant=claim.tenant, type=type or event_type_for(row.outcome), claim_id=claim.id,
        data={"status": claim.status, "outcome": row.outcome, "payable": f"{row.payable:.2f}", "final": row.final,
              "review_queue": review_queue, "decision_id": row.id,
              **({"reviewer": reviewer} if reviewer is not None else {})},
    )


@dataclass(frozen=True)
class DueEvent:
    """An event claimed for delivery by one worker, with where to send it and how to sign it."""

    id: str
    tenant: str
    type: str
    claim_id: str | None
    data: dict[str, object]
    created_at: dt.datetime
    attempt: int  # the attempt about to be made (1-based)
    url: str
    secret: str


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def claim_due(session: Session, *, now: dt.datetime, lease: dt.timedelta, limit: int = 50) -> list[DueEvent]:
    """Take up to ``limit`` events due at ``now``: each is leased (its next attempt moved to ``now + lease``) with a
    compare-and-set, so two workers never send the same attempt. Events whose tenant has no endpoint any more are
    dropped."""
    rows = session.execute(
        select(WebhookEvent, WebhookEndpoint)
        .outerjoin(WebhookEndpoint, WebhookEndpoint.tenant == WebhookEvent.tenant)
        .where(WebhookEvent.state == PENDING, WebhookEvent.next_attempt_at <= now)
        .order_by(WebhookEvent.next_attempt_at)
        .limit(limit)
    ).all()
    out = []
    for event, endpoint in rows:
        if endpoint is None:
            event.state = DROPPED
            event.next_attempt_at = None
            continue
        taken = session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event.id, WebhookEvent.state == PENDING,
                   WebhookEvent.next_attempt_at == event.next_attempt_at)
            .values(next_attempt_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            out.append(DueEvent(event.id, event.tenant, event.type, event.claim_id, dict(event.data),
                                _aware(event.created_at), event.attempts + 1, endpoint.url,
                                endpoint_secret(session, endpoint)))
    session.flush()
    return out


def backoff(attempt: int, *, base_seconds: float, max_seconds: float) -> dt.timedelta:
    """Delay before the attempt after ``attempt``: base, 2×base, 4×base … capped at ``max_seconds``."""
    return dt.timedelta(seconds=min(max_seconds, base_seconds * 2 ** (attempt - 1)))


def record_attempt(
    session: Session,
    *,
    event_id: str,
    attempted_at: dt.datetime,
    status_code: int | None,
    error: str | None,
    max_attempts: int,
    base_seconds: float,
    max_seconds: float,
) -> WebhookDelivery:
    """Record one attempt and move the event on: delivered on a 2xx, retried with exponential backoff otherwise,
    failed after ``max_attempts``."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        raise NotFoundError(f"webhook event {event_id} does not exist")
    event.attempts += 1
    ok = status_code is not None and 200 <= status_code < 300
    if ok:
        event.state, event.next_attempt_at = DELIVERED, None
    elif event.attempts >= max_attempts:
        event.state, event.next_attempt_at = FAILED, None
    else:
        delay = backoff(event.attempts, base_seconds=base_seconds, max_seconds=max_seconds)
        event.next_attempt_at = attempted_at + delay
    row = WebhookDelivery(
        event_id=event.id, tenant=event.tenant, claim_id=event.claim_id, type=event.type, attempt=event.attempts,
        status_code=status_code, error=error, attempted_at=attempted_at, next_attempt_at=event.next_attempt_at,
    )
    session.add(row)
    session.flush()
    return row


def list_deliveries(
    session: Session, *, tenant: str, claim_id: str | None = None, before_id: int | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    """The tenant's delivery attempts, newest first (``before_id`` pages back)."""
    q = select(WebhookDelivery).where(WebhookDelivery.tenant == tenant)
    if claim_id is not None:
        q = q.where(WebhookDelivery.claim_id == claim_id)
    if before_id is not None:
        q = q.where(WebhookDelivery.id < before_id)
    return list(session.scalars(q.order_by(WebhookDelivery.id.desc()).limit(limit)))


def get_event(session: Session, *, event_id: str) -> WebhookEvent | None:
    return session.get(WebhookEvent, event_id)
