"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed-note form, signed with Ed25519.

A checkpoint body is ``<origin>\\n<size>\\n<base64 root>\\n``; the signed note appends a blank line and
``— <key name> base64(key ID ‖ signature)``. The private key is a PEM file outside the database (Settings.signing_key);
``keygen`` writes it with mode 0600 and the public key (PEM and C2SP verifier-key form) beside it.
A missing key never breaks claim processing: ``maybe_checkpoint`` logs a warning and returns None.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from claimflow.errors import AuditKeyError
from claimflow.settings import Settings
from db.audit import standalone_verify as sv
from db.audit.models import AuditCheckpointRow
from db.audit.writer import Head, lock_head, read_head

log_ = logging.getLogger(__name__)

KEY_NAME = sv.DEFAULT_KEY_NAME
origin_for = sv.origin_for


@dataclass(frozen=True)
class Checkpoint:
    log: str
    origin: str
    size: int
    root: bytes
    chain_hash: bytes
    signed_note: str

    @property
    def filename(self) -> str:
        return checkpoint_filename(self.log, self.size)


def checkpoint_filename(log: str, size: int) -> str:
    return f"{sv.safe_log_dirname(log)}-{size:012d}.checkpoint"


# --- keys --------------------------------------------------------------------------------------------------------


def public_paths(private_key: Path) -> tuple[Path, Path]:
    """Where keygen puts the public key: ``audit.pub`` (PEM) and ``audit.vkey`` (C2SP verifier key)."""
    return private_key.with_suffix(".pub"), private_key.with_suffix(".vkey")


def keygen(private_key: Path, *, name: str = KEY_NAME, overwrite: bool = False) -> tuple[Path, Path, str]:
    """Write a new Ed25519 key pair. The private key file is created with mode 0600 (never group/world readable)."""
    if private_key.exists() and not overwrite:
        raise AuditKeyError(
            f"{private_key} already exists",
            hint="keep it (old checkpoints are signed with it) or pass --force to replace it",
        )
    sv.check_key_name(name)
    private_key.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = private_key.with_name(private_key.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, private_key)
    pub = key.public_key()
    pub_pem, vkey_path = public_paths(private_key)
    pub_pem.write_bytes(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    vkey = sv.verifier_key(name, pub.public_bytes_raw())
    vkey_path.write_text(vkey + "\n")
    return pub_pem, vkey_path, vkey


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise AuditKeyError(f"no audit signing key at {path}") from e
    except OSError as e:
        raise AuditKeyError(f"cannot read the audit signing key {path}: {e.strerror}") from e
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise AuditKeyError(f"{path} is not an unencrypted PEM private key") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} is not an Ed25519 key")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        log_.warning("audit signing key %s is readable by group or others; chmod 600 it", path)
    return key


def key_name_for(private_key: Path) -> str:
    """The key name recorded by keygen in the .vkey file beside the key (default KEY_NAME)."""
    _, vkey = public_paths(private_key)
    try:
        return sv.parse_verifier_key(vkey.read_text().strip())[0]
    except (OSError, ValueError):
        return KEY_NAME


def sign_note(body: str, key: Ed25519PrivateKey, name: str = KEY_NAME) -> str:
    """C2SP signed note: the body, a blank line, one Ed25519 signature line."""
    sv.check_note_text(body)
    pub = key.public_key().public_bytes_raw()
    signature = key.sign(body.encode("utf-8"))
    blob = sv.key_id(name, pub) + signature
    return f"{body}\n\u2014 {name} {base64.b64encode(blob).decode('ascii')}\n"


def public_key_of(key: Ed25519PrivateKey) -> Ed25519PublicKey:
    return key.public_key()


# --- checkpoints -------------------------------------------------------------------------------------------------


def create_checkpoint(session: Session, *, log: str, key: Ed25519PrivateKey, key_name: str = KEY_NAME) -> Checkpoint | None:
    """Sign the current tree head of ``log`` and store it (in the caller's transaction). None if the log is empty or
    its current size is already checkpointed."""
    head = lock_head(session, log)
    if head.size == 0:
        return None
    existing = session.execute(
        select(AuditCheckpointRow).where(AuditCheckpointRow.log == log, AuditCheckpointRow.size == head.size)
    ).scalar_one_or_none()
    if existing is not None:
        return _from_row(existing)
    return _sign_and_store(session, head, key, key_name)


def _sign_and_store(session: Session, head: Head, key: Ed25519PrivateKey, key_name: str) -> Checkpoint:
    origin = origin_for(head.log)
    body = sv.checkpoint_body(origin, head.size, head.root)
    note = sign_note(body, key, key_name)
    session.add(
        AuditCheckpointRow(log=head.log, size=head.size, root=head.root, chain_hash=head.chain_hash, signed_note=note)
    )
    session.flush()
    log_.info("audit: signed checkpoint %s size %d", origin, head.size)
    return Checkpoint(head.log, origin, head.size, head.root, head.chain_hash, note)


def _from_row(row: AuditCheckpointRow) -> Checkpoint:
    return Checkpoint(row.log, origin_for(row.log), row.size, bytes(row.root), bytes(row.chain_hash), row.signed_note)


def latest_checkpoint(session: Session, log: str) -> Checkpoint | None:
    row = session.execute(
        select(AuditCheckpointRow)
        .where(AuditCheckpointRow.log == log)
        .order_by(AuditCheckpointRow.size.desc())
        .limit(1)
    ).scalar_one_or_none()
    return _from_row(row) if row is not None else None


def list_checkpoints(session: Session, log: str) -> list[Checkpoint]:
    rows = session.execute(
        select(AuditCheckpointRow).where(AuditCheckpointRow.log == log).order_by(AuditCheckpointRow.size)
    ).scalars()
    return [_from_row(r) for r in rows]


_KEY_WARNED: set[tuple[str, str]] = set()


def maybe_checkpoint(
    session: Session,
    *,
    settings: Settings,
    log: str,
    force: bool = False,
    export_dir: Path | None = None,
) -> Checkpoint | None:
    """Sign a checkpoint of ``log`` if ``settings.checkpoint_every`` entries were added since the last one, or the
    last one is older than ``settings.checkpoint_seconds``, or ``force``; None if nothing is due or nothing is new. Runs in the caller's transaction; after it commits, the checkpoint is also written as a file to
    ``export_dir`` (default DATA_DIR/checkpoints). A missing or unreadable key logs a warning and returns None."""
    head = read_head(session, log)
    if head is None or head.size == 0:
        return None
    last_row = session.execute(
        select(AuditCheckpointRow.size, AuditCheckpointRow.created_at)
        .where(AuditCheckpointRow.log == log)
        .order_by(AuditCheckpointRow.size.desc())
        .limit(1)
    ).one_or_none()
    last_size = last_row.size if last_row is not None else 0
    if last_size == head.size:
        return None
    if not force and head.size - last_size < settings.checkpoint_every and not _stale(last_row, settings):
        return None
    key_path = settings.signing_key
    try:
        key = load_private_key(key_path)
    except AuditKeyError as e:
        # Once per key and log in a process: claims keep flowing, and a batch should not repeat this on every entry.
        if (str(key_path), log) not in _KEY_WARNED:
            _KEY_WARNED.add((str(key_path), log))
            log_.warning("audit: checkpoint of %s skipped: %s (run `claimflow audit keygen`); further skips are not logged", log, e.message)
        return None
    cp = create_checkpoint(session, log=log, key=key, key_name=key_name_for(key_path))
    if cp is not None:
        _write_after_commit(session, cp, export_dir or settings.data_dir / "checkpoints")
    return cp


_PENDING = "claimflow.audit.pending_checkpoint_files"


def _write_after_commit(session: Session, cp: Checkpoint, directory: Path) -> None:
    """Export the checkpoint file only once its row is committed (a rolled-back checkpoint must not exist as a file)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []

        def flush(_session: Session) -> None:
            items, pending[:] = list(pending), []
            for c, d in items:
                _write_quietly(c, d)

        def drop(_session: Session) -> None:
            pending.clear()

        event.listen(session, "after_commit", flush)
        event.listen(session, "after_rollback", drop)
    pending.append((cp, directory))


def _stale(last_row: Any, settings: Settings) -> bool:
    """The last checkpoint is older than CLAIMFLOW_CHECKPOINT_SECONDS (the first checkpoint is due by count only)."""
    if last_row is None or not settings.checkpoint_seconds:
        return False
    created = last_row.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes; they were written in UTC
        created = created.replace(tzinfo=dt.UTC)
    return (dt.datetime.now(dt.UTC) - created).total_seconds() >= settings.checkpoint_seconds


def write_checkpoint_file(cp: Checkpoint, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / cp.filename
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(cp.signed_note, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _write_quietly(cp: Checkpoint, directory: Path) -> None:
    try:
        write_checkpoint_file(cp, directory)
    except OSError as e:  # the checkpoint is in the database; the file copy is a convenience for auditors
        log_.warning("audit: could not write checkpoint file to %s: %s", directory, e.strerror)


def fingerprint(pub: bytes) -> str:
    return hashlib.sha256(pub).hexdigest()[:16]
