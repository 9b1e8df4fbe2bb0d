"""The member id's blind index: what the database stores in place of a member id (claims, decisions, members).

``member_index(session, tenant, member_id)`` is the one function every lookup, join and uniqueness check by member id
goes through. With encryption at rest it is ``mi1:`` + hex HMAC-SHA256 under the *index key*::

    HMAC-SHA256(index key, b"claimflow member index v1\\x00" | tenant | b"\\x00" | NFKC(member id).strip())

The index key is a data key like any other (subject ``index/member``, table ``data_keys``), made once and wrapped by
the master key, so ``keys rotate-master`` rewraps it and every index stays valid; erasure never destroys it. The
member id itself, where it must be shown, is sealed in ``member_refs`` under the member's data key
(``reveal_member_id``): an erasure destroys that key, so the id can no longer be read back — its index value stays
in the accounting rows, matchable only by someone holding the index key *and* the id (docs/privacy.md).

Without a keyring in the session (CLAIMFLOW_ENCRYPT_AT_REST off) the index *is* the member id (plaintext, as before).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimflow.errors import ErasedError
from db.keys import Keyring, member_subject
from db.models import DataKeyRow, MemberRefRow

INDEX_SUBJECT = "index/member"
INDEX_PREFIX = "mi1:"
_DOMAIN = b"claimflow member index v1\x00"
_KEY_CACHE = "member_index_key"
#: What a lookup uses before any member id was indexed: it matches no row.
NO_INDEX = INDEX_PREFIX + "-"


def normalise(member_id: str) -> str:
    return unicodedata.normalize("NFKC", member_id).strip()


def index_value(key: bytes, tenant: str, member_id: str) -> str:
    """The index of ``member_id`` in ``tenant`` under ``key`` (pure)."""
    mac = hmac.new(key, _DOMAIN + tenant.encode() + b"\x00" + normalise(member_id).encode(), hashlib.sha256)
    return INDEX_PREFIX + mac.hexdigest()


def is_index(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(INDEX_PREFIX)  # type: ignore[union-attr]


def _keyring(session: Session) -> Keyring | None:
    return session.info.get("keyring")


def index_key(session: Session, keyring: Keyring, *, create: bool = True) -> bytes | None:
    """The index key (made and wrapped on first use when ``create``; None if there is none yet). Cached for the
    session: it never changes — rotation only rewraps it."""
    cached = session.info.get(_KEY_CACHE)
    if cached is not None and cached[0] is keyring:
        return cached[1]  # type: ignore[no-any-return]
    if not create and session.scalar(select(DataKeyRow.id).where(DataKeyRow.subject == INDEX_SUBJECT)) is None:
        return None  # nothing was ever indexed (and a read-only session must not make the key)
    _, key = keyring.data_key(session, INDEX_SUBJECT)
    session.info[_KEY_CACHE] = (keyring, key)
    return key


def _ref_aad(tenant: str, index: str) -> str:
    return f"member-id/{tenant}/{index}"


def member_index(session: Session, tenant: str, member_id: str, *, remember: bool = False) -> str:
    """What the database stores for ``member_id`` (its blind index; the id itself when encryption is off).

    ``remember``: also keep the id sealed under the member's data key (``member_refs``) so it can be shown later —
    pass it where a member id is *stored* (an extraction, a member record, a declared id), not for lookups."""
    keyring = _keyring(session)
    if keyring is None:
        return member_id
    key = index_key(session, keyring, create=remember)
    if key is None:
        return NO_INDEX
    index = index_value(key, tenant, member_id)
    if remember and session.get(MemberRefRow, (tenant, index)) is None:
        with session.no_autoflush:
            blob = keyring.seal(session, member_subject(tenant, index), normalise(member_id).encode(),
                                _ref_aad(tenant, index))
        session.add(MemberRefRow(tenant=tenant, member_index=index, sealed=blob))
    return index


def reveal_member_id(session: Session, tenant: str, stored: str | None) -> str | None:
    """The member id behind a stored value (None: none stored, or the member was erased)."""
    if not is_index(stored):
        return stored
    keyring = _keyring(session)
    ref = session.get(MemberRefRow, (tenant, stored))
    if keyring is None or ref is None:
        return None
    try:
        return keyring.open(session, bytes(ref.sealed), _ref_aad(tenant, stored)).decode()  # type: ignore[arg-type]
    except ErasedError:
        return None


def forget(session: Session, tenant: str, index: str) -> None:
    """Delete the sealed member id of ``index`` (erasure; its key is destroyed too)."""
    ref = session.get(MemberRefRow, (tenant, index))
    if ref is not None:
        session.delete(ref)
