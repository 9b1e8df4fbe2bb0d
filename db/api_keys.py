"""API keys: keyword-only repository functions taking the session (the caller owns the transaction).

A key is ``cfk_<key_id>_<secret>``: ``key_id`` (64 random bits, hex) is public and names the key in lists, logs and
audit entries; ``secret`` holds 256 random bits from ``secrets``. Only the SHA-256 of the whole key is stored, so a
database dump does not yield a usable key; the key is shown once, when it is created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimflow.errors import ConflictError, NotFoundError
from db.models import ApiKeyRow

PREFIX = "cfk"


class Role(StrEnum):
    submitter = "submitter"
    reviewer = "reviewer"
    auditor = "auditor"
    admin = "admin"


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    tenant: str
    role: Role
    name: str | None
    key: str  # the secret: shown once
    created_at: dt.datetime


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(*, session: Session, tenant: str, role: Role | str, name: str | None = None) -> IssuedKey:
    role = Role(role)
    key_id = secrets.token_hex(8)
    key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"  # 32 bytes = 256 bits
    row = ApiKeyRow(key_id=key_id, tenant=tenant, role=role.value, name=name, secret_sha256=_digest(key),
                    created_at=dt.datetime.now(dt.UTC))
    session.add(row)
    session.flush()
    return IssuedKey(key_id, tenant, role, name, key, row.created_at)


def authenticate(*, session: Session, key: str) -> ApiKeyRow | None:
    """The live key row for ``key``, or None (unknown, malformed or revoked). Compared in constant time."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(key) > 200:
        return None
    row = session.get(ApiKeyRow, parts[1])
    if row is None or row.revoked_at is not None:
        return None
    return row if hmac.compare_digest(row.secret_sha256, _digest(key)) else None


def list_keys(*, session: Session, tenant: str | None = None) -> list[ApiKeyRow]:
    q = select(ApiKeyRow).order_by(ApiKeyRow.tenant, ApiKeyRow.created_at, ApiKeyRow.key_id)
    if tenant is not None:
        q = q.where(ApiKeyRow.tenant == tenant)
    return list(session.scalars(q))


def revoke_key(*, session: Session, key_id: str) -> ApiKeyRow:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"no API key {key_id!r}", hint="`claimflow keys list` shows the key ids")
    if row.revoked_at is not None:
        raise ConflictError(f"API key {key_id} was already revoked at {row.revoked_at.isoformat()}")
    row.revoked_at = dt.datetime.now(dt.UTC)
    session.flush()
    return row
