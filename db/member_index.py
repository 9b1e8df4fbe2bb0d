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

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from claimflow.errors import ErasedError, MasterKeyError
from claimflow.settings import Settings
from db.keys import Keyring, member_subject, provider_for
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


_ID_COLUMNS = (("claims", "member_id"), ("claims", "declared_member_id"), ("decisions", "member_id"),
               ("members", "member_id"), ("members", "subscriber_id"))


def _plain_ids(conn: Connection) -> set[tuple[str, str]]:
    ids: set[tuple[str, str]] = set()
    for table, column in _ID_COLUMNS:
        rows = conn.execute(text(f"SELECT DISTINCT tenant, {column} FROM {table} WHERE {column} IS NOT NULL "
                                 f"AND {column} NOT LIKE '{INDEX_PREFIX}%'"))
        ids |= {(t, m) for t, m in rows}
    return ids


def convert_plain(conn: Connection, settings: Settings | None) -> int:
    """Replace every member id stored in plaintext by its blind index and seal plaintext webhook secrets, in the
    connection's transaction (migration 0011; `claimflow db upgrade` after encryption at rest was switched on).
    The member's data key moves to its index-based subject and sealed member rows are resealed for the new id; an
    erased member's id is not kept. Needs the master key: without ``settings`` (or with the key missing) it raises
    MasterKeyError when there is anything to convert; with encryption at rest off it leaves the data as it is.
    Returns how many member ids were converted."""
    from db import webhooks

    ids = _plain_ids(conn)
    secrets = conn.scalar(text("SELECT count(*) FROM webhook_endpoints WHERE secret IS NOT NULL"))
    if not ids and not secrets:
        return 0
    if settings is None:
        raise MasterKeyError("turning stored member ids into their keyed index and sealing webhook secrets (migration "
                             "0011) needs the master key, but no settings were given",
                             hint="run `claimflow db upgrade` (or any claimflow command) with your settings")
    if not settings.encrypt_at_rest:
        return 0
    keyring = Keyring(provider_for(settings))
    session = Session(bind=conn, info={"keyring": keyring}, autoflush=False)
    index_key(session, keyring)  # made now if this is the first index
    for tenant, plain in sorted(ids):
        stored = member_index(session, tenant, plain)
        old, new = member_subject(tenant, plain), member_subject(tenant, stored)
        conn.execute(text("UPDATE data_keys SET subject = :new WHERE subject = :old"), {"new": new, "old": old})
        erased = conn.scalar(text("SELECT count(*) FROM data_keys WHERE subject = :s AND wrapped IS NULL"), {"s": new})
        if not erased:  # an erased member's id is not kept (its key is gone: nothing would open it)
            member_index(session, tenant, plain, remember=True)
            session.flush()
        for row in conn.execute(text("SELECT sealed FROM members WHERE tenant = :t AND member_id = :m AND "
                                     "sealed IS NOT NULL"), {"t": tenant, "m": plain}).all():
            payload = keyring.open(session, bytes(row.sealed), f"member/{tenant}/{plain}")
            blob = keyring.seal(session, new, payload, f"member/{tenant}/{stored}")
            conn.execute(text("UPDATE members SET sealed = :b WHERE tenant = :t AND member_id = :m"),
                         {"b": blob, "t": tenant, "m": plain})
        for table, column in _ID_COLUMNS:
            conn.execute(text(f"UPDATE {table} SET {column} = :new WHERE tenant = :t AND {column} = :old"),
                         {"new": stored, "t": tenant, "old": plain})
    if secrets:
        webhooks.seal_secrets(session)
    session.flush()
    return len(ids)
