"""Access accounting for the API: every response that carries a claim's personal data is recorded in the access log
(db/access.py) — the caller's key id, the claim, when, and the route — in its own short write transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from db.access import record_access
from db.engine import transaction
from db.models import Claim

from api.deps import Principal


def account(sessions: sessionmaker[Session], principal: Principal, claim_id: str, purpose: str) -> None:
    """Record that ``principal`` read claim ``claim_id``'s personal data through ``purpose`` (method and route)."""
    with transaction(sessions) as s:
        claim = s.get(Claim, claim_id)
        if claim is None or claim.tenant != principal.tenant:
            return  # nothing of it was shown
        record_access(s, claim=claim, actor=principal.actor, purpose=purpose, at=dt.datetime.now(dt.UTC))


def account_in(session: Session, principal: Principal, claim: Claim, purpose: str) -> None:
    """``account`` in the request's own write session (routes that hold one: a second writer would wait on it)."""
    record_access(session, claim=claim, actor=principal.actor, purpose=purpose, at=dt.datetime.now(dt.UTC))
    session.commit()
