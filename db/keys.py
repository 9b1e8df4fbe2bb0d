"""Key providers and the keyring: where the master key comes from, and the data keys it wraps (table ``data_keys``).

``KeyProvider`` is the interface to the master key: ``FileKeyProvider`` (default: DATA_DIR/keys/master.key, made on
first use with mode 0600 — only while no data key exists, so a lost key is never silently replaced) and
``EnvKeyProvider`` (CLAIMFLOW_MASTER_KEY, base64). A KMS adapter implements the same three methods; the stored format
(db/crypto.py) does not change with the provider, because wrapped data keys name their master key by id.

``Keyring`` seals and opens personal data under per-subject data keys: one per member (``member/<hash>``), per claim
when no member is known (``claim/<id>``), per original (``document/<sha256>``). Nothing is cached across sessions: a
destroyed key (erasure) is gone for every reader at once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimflow.errors import ErasedError, MasterKeyError
from claimflow.settings import Settings
from db import crypto
from db.models import DataKeyRow

log = logging.getLogger(__name__)


class KeyProvider(Protocol):
    """The master key. ``current`` may create it when ``create`` is true (a fresh installation)."""

    def current(self, *, create: bool) -> bytes: ...

    def lookup(self, master_id: str) -> bytes | None:
        """The master key with this id, if this provider holds it (the current one, or one being rotated)."""
        ...

    def describe(self) -> str: ...


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise MasterKeyError(f"{where} is not a base64 master key") from e
    if len(key) != crypto.KEY_BYTES:
        raise MasterKeyError(f"{where} holds {len(key)} bytes; a master key is {crypto.KEY_BYTES} bytes (base64)")
    return key


def _write_secret(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(key).decode() + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class FileKeyProvider:
    """The master key in a file (base64, one line, mode 0600). During a rotation the new key waits in
    ``<file>.next`` until every data key is rewrapped; both are looked up, so a crash mid-rotation loses nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def next_path(self) -> Path:
        return self.path.with_name(self.path.name + ".next")

    def describe(self) -> str:
        return f"key file {self.path}"

    def _read(self, path: Path) -> bytes | None:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise MasterKeyError(f"cannot read the master key {path}: {e.strerror}") from e
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.warning("master key %s is readable by group or others; chmod 600 it", path)
        return _decode_key(text, str(path))

    def current(self, *, create: bool) -> bytes:
        key = self._read(self.path)
        if key is not None:
            return key
        if not create:
            raise MasterKeyError(f"no master key at {self.path}, but the database holds data encrypted under one")
        key = crypto.new_key()
        tmp = self.path.with_name(f"{self.path.name}.new-{secrets.token_hex(4)}")
        _write_secret(tmp, key)
        try:
            os.link(tmp, self.path)  # never replaces: of two processes starting at once, the first key wins
        except FileExistsError:
            return self.current(create=False)
        finally:
            tmp.unlink(missing_ok=True)
        log.info("created master key %s (id %s): back it up (docs/privacy.md)", self.path, crypto.master_key_id(key))
        return key

    def lookup(self, master_id: str) -> bytes | None:
        for path in (self.path, self.next_path):
            key = self._read(path)
            if key is not None and crypto.master_key_id(key) == master_id:
                return key
        return None

    def begin_rotation(self) -> bytes:
        """A new key in ``<file>.next`` (an unfinished rotation's key is reused)."""
        key = self._read(self.next_path)
        if key is None:
            key = crypto.new_key()
            _write_secret(self.next_path, key)
        return key

    def finish_rotation(self, old_id: str) -> Path:
        """Make the new key current; the old one is kept as ``<file>.retired-<id>`` (for restoring older backups)."""
        retired = self.path.with_name(f"{self.path.name}.retired-{old_id}")
        if self.path.exists():
            os.replace(self.path, retired)
        os.replace(self.next_path, self.path)
        return retired


class EnvKeyProvider:
    """CLAIMFLOW_MASTER_KEY (and, during a rotation, CLAIMFLOW_MASTER_KEY_PREVIOUS) — never created here."""

    def __init__(self, key: str | None, previous: str | None = None) -> None:
        self._key = _decode_key(key, "CLAIMFLOW_MASTER_KEY") if key else None
        self._previous = _decode_key(previous, "CLAIMFLOW_MASTER_KEY_PREVIOUS") if previous else None

    def describe(self) -> str:
        return "CLAIMFLOW_MASTER_KEY"

    def current(self, *, create: bool) -> bytes:
        if self._key is None:
            raise MasterKeyError("CLAIMFLOW_KEY_PROVIDER=env but CLAIMFLOW_MASTER_KEY is not set")
        return self._key

    def lookup(self, master_id: str) -> bytes | None:
        for key in (self._key, self._previous):
            if key is not None and crypto.master_key_id(key) == master_id:
                return key
        return None


def provider_for(settings: Settings) -> KeyProvider:
    if settings.key_provider == "env":
        prev = settings.master_key_previous
        return EnvKeyProvider(
            settings.master_key.get_secret_value() if settings.master_key else None,
            prev.get_secret_value() if prev else None,
        )
    return FileKeyProvider(settings.master_key_file)


def member_subject(tenant: str, member_id: str) -> str:
    """The data-key subject of a member: a hash, so the key table holds no member id."""
    return "member/" + hashlib.sha256(f"{tenant}\x00{member_id}".encode()).hexdigest()[:40]


def claim_subject(claim_id: str) -> str:
    return f"claim/{claim_id}"


def document_subject(sha256: str) -> str:
    return f"document/{sha256}"


class Keyring:
    """Seal and open bytes under per-subject data keys wrapped by the provider's master key."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    def _master_for_wrapping(self, session: Session) -> tuple[bytes, str]:
        live = select(func.count()).select_from(DataKeyRow).where(DataKeyRow.wrapped.is_not(None))
        create = not session.scalar(live)
        master = self.provider.current(create=create)
        return master, crypto.master_key_id(master)

    def data_key(self, session: Session, subject: str) -> tuple[str, bytes]:
        """The subject's data key (id, key), made and wrapped on first use. Raises ErasedError if it was destroyed."""
        row = session.scalar(select(DataKeyRow).where(DataKeyRow.subject == subject))
        if row is not None and row.wrapped is None:
            # Erased earlier, and the subject has new data now (a member who claims again): a new key seals it; the
            # destroyed one keeps its id (what it sealed stays unreadable) under a retired subject name.
            row.subject = f"{subject}#erased-{row.id}"
            session.flush()
            row = None
        if row is None:
            master, master_id = self._master_for_wrapping(session)
            key_id, key = secrets.token_hex(16), crypto.new_key()
            row = DataKeyRow(id=key_id, subject=subject, wrapped=crypto.wrap(master, key_id, key),
                             master_key_id=master_id)
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # another worker made it first: use theirs
                row = session.scalar(select(DataKeyRow).where(DataKeyRow.subject == subject))
                assert row is not None
            else:
                return key_id, key
        return row.id, self._unwrap(row)

    def _unwrap(self, row: DataKeyRow) -> bytes:
        if row.wrapped is None:
            raise ErasedError(f"data key {row.id} was destroyed on {row.destroyed_at:%Y-%m-%d} (erasure)")
        master_id = row.master_key_id or ""
        master = self.provider.lookup(master_id)
        if master is None:
            # The provider's current key (if any) is named so the operator sees which key they have.
            try:
                have = crypto.master_key_id(self.provider.current(create=False))
            except MasterKeyError as e:
                raise MasterKeyError(f"{e.message}; the data keys are wrapped under master key {master_id}") from e
            raise MasterKeyError(
                f"the master key from {self.provider.describe()} (id {have}) is not the key the data was encrypted "
                f"under (id {master_id})"
            )
        try:
            return crypto.unwrap(master, row.id, bytes(row.wrapped))
        except (crypto.OpenError, crypto.SealedFormatError) as e:
            raise MasterKeyError(f"data key {row.id} does not unwrap under master key {master_id}: damaged") from e

    def key_by_id(self, session: Session, key_id: str) -> bytes:
        row = session.get(DataKeyRow, key_id)
        if row is None:
            raise MasterKeyError(f"data key {key_id} is not in the database (restored from a different backup?)")
        return self._unwrap(row)

    def seal(self, session: Session, subject: str, plaintext: bytes, aad: str) -> bytes:
        key_id, key = self.data_key(session, subject)
        return crypto.seal(key, key_id, plaintext, aad.encode())

    def open(self, session: Session, blob: bytes, aad: str) -> bytes:
        key = self.key_by_id(session, crypto.key_id_of(blob))
        try:
            return crypto.open_blob(key, blob, aad.encode())
        except crypto.OpenError as e:
            raise MasterKeyError(f"sealed data for {aad} does not open: altered or moved from another record",
                                 hint="restore the record from a backup; `claimflow audit verify --records` "
                                 "lists what no longer matches the audit log") from e

    def destroy(self, session: Session, subjects: list[str], *, at: dt.datetime) -> list[str]:
        """Crypto-shred: forget the wrapped keys of ``subjects``. Returns the ids of keys destroyed now."""
        rows = session.scalars(select(DataKeyRow).where(DataKeyRow.subject.in_(subjects),
                                                        DataKeyRow.wrapped.is_not(None)))
        done = []
        for row in rows:
            row.wrapped = None
            row.master_key_id = None
            row.destroyed_at = at
            done.append(row.id)
        session.flush()
        return done

    def rewrap(self, session: Session, new_master: bytes) -> int:
        """Rewrap every live data key under ``new_master`` (the data itself is not touched). Returns the count."""
        new_id = crypto.master_key_id(new_master)
        n = 0
        for row in session.scalars(select(DataKeyRow).where(DataKeyRow.wrapped.is_not(None))):
            if row.master_key_id == new_id:
                continue
            key = self._unwrap(row)
            row.wrapped = crypto.wrap(new_master, row.id, key)
            row.master_key_id = new_id
            n += 1
        session.flush()
        return n


def check_master(session: Session, keyring: Keyring) -> None:
    """Fail early, with the fix, when the configured master key cannot unwrap the stored data keys."""
    row = session.scalar(select(DataKeyRow).where(DataKeyRow.wrapped.is_not(None)).limit(1))
    if row is not None:
        keyring._unwrap(row)
