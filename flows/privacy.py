"""Privacy operations as plain functions (no Prefect): the CLI, the API and the retention flow call these.

Each erasure is one transaction (keys destroyed, records emptied, ``privacy.erased`` audited); the originals are
deleted from the document store after it commits — a crash in between leaves originals whose keys are gone
(unreadable; ``claimflow privacy erase`` again deletes them).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from claimflow.errors import MasterKeyError, NotFoundError
from claimflow.settings import Settings
from db import crypto
from db import privacy as repo
from db.engine import transaction
from db.keys import FileKeyProvider, Keyring
from db.member_index import member_index
from db.models import Claim
from flows.runtime import keyring_for, sessions_for, store_for

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _keyring(settings: Settings) -> Keyring:
    keyring = keyring_for(settings)
    if keyring is None:
        raise MasterKeyError("CLAIMFLOW_ENCRYPT_AT_REST is off: there are no data keys to destroy or rotate",
                             hint="erasure by crypto-shredding needs encryption at rest (docs/privacy.md)")
    return keyring


#: Called with the originals of every erasure done in this process, after the commit: in-memory copies (the
#: console's rendered pages, api/console/pages.py) register here to drop theirs. Other processes' copies are dropped
#: on their next read (the console checks ``db.privacy.document_erased`` before it serves a cached page).
erased_listeners: list[Callable[[tuple[str, ...]], object]] = []


def _delete_originals(settings: Settings, erasure: repo.Erasure) -> None:
    store = store_for(settings)
    for sha in erasure.documents:
        store.delete(sha)
    for listener in erased_listeners:
        listener(erasure.documents)


def erase_member(settings: Settings, *, tenant: str, member_id: str | None = None, stored: str | None = None,
                 actor: str, at: dt.datetime | None = None) -> repo.Erasure:
    """Erase a member, named by their id or by what the database stores for it (``stored``: retention)."""
    keyring = _keyring(settings)
    with transaction(sessions_for(settings)) as s:
        if stored is None:
            assert member_id is not None, "name the member by member_id or stored"
            stored = member_index(s, tenant, member_id)
        erasure = repo.erase_stored_member(s, keyring=keyring, tenant=tenant, stored=stored, actor=actor,
                                           at=at or utcnow())
    if not erasure.claims and not erasure.keys_destroyed:
        log.info("erasure in %s found nothing of the member", tenant)
    _delete_originals(settings, erasure)
    return erasure


def erase_claim(settings: Settings, *, claim_id: str, actor: str, at: dt.datetime | None = None) -> repo.Erasure:
    keyring = _keyring(settings)
    with transaction(sessions_for(settings)) as s:
        claim = s.get(Claim, claim_id)
        if claim is None:
            raise NotFoundError(f"claim {claim_id} is not in the database")
        erasure = repo.erase_claim(s, keyring=keyring, claim=claim, actor=actor, at=at or utcnow())
    _delete_originals(settings, erasure)
    return erasure


@dataclass
class RetentionReport:
    days: int | None
    cutoff: dt.date | None
    dry_run: bool
    members: list[tuple[str, str]] = field(default_factory=list)  # (tenant, stored member id) — not for logs
    claims: list[str] = field(default_factory=list)
    erasures: list[repo.Erasure] = field(default_factory=list)

    def summary(self) -> str:
        if self.days is None:
            return "retention is off (CLAIMFLOW_RETENTION_DAYS is not set): nothing erased"
        verb = "would erase" if self.dry_run else "erased"
        docs = sum(len(e.documents) for e in self.erasures)
        return (f"retention {self.days} days (received before {self.cutoff}): {verb} {len(self.members)} member(s) "
                f"and {len(self.claims)} claim(s) without a member" + ("" if self.dry_run else f"; {docs} original(s) "
                "deleted"))


def apply_retention(settings: Settings, *, actor: str = "claimflow/retention", dry_run: bool = False,
                    today: dt.date | None = None) -> RetentionReport:
    """Erase every member whose latest claim, and every claim without a member, was received more than
    CLAIMFLOW_RETENTION_DAYS days ago. Off (returns an empty report) when the setting is not set."""
    days = settings.retention_days
    if days is None:
        return RetentionReport(None, None, dry_run)
    cutoff = (today or utcnow().date()) - dt.timedelta(days=days)
    with sessions_for(settings)() as s:
        due = repo.expired(s, cutoff=cutoff)
    report = RetentionReport(days, cutoff, dry_run, list(due.members), list(due.claims))
    if dry_run:
        return report
    for tenant, stored in due.members:
        report.erasures.append(erase_member(settings, tenant=tenant, stored=stored, actor=actor))
    for claim_id in due.claims:
        report.erasures.append(erase_claim(settings, claim_id=claim_id, actor=actor))
    return report


@dataclass(frozen=True)
class Rotation:
    rewrapped: int
    master_key_id: str
    retired: str | None


def rotate_master(settings: Settings) -> Rotation:
    """Rewrap every data key under a new master key. Key file: a new key is made (``master.key.next`` until the
    database commits, then current; the old one kept as ``master.key.retired-<id>``). Environment: the new key is
    CLAIMFLOW_MASTER_KEY, the old one CLAIMFLOW_MASTER_KEY_PREVIOUS."""
    keyring = _keyring(settings)
    provider = keyring.provider
    if isinstance(provider, FileKeyProvider):
        old = provider.current(create=False) if provider.path.exists() else None
        new = provider.begin_rotation()
    else:
        old, new = None, provider.current(create=False)
    with transaction(sessions_for(settings)) as s:
        n = keyring.rewrap(s, new)
    retired = None
    if isinstance(provider, FileKeyProvider):
        retired = str(provider.finish_rotation(crypto.master_key_id(old) if old else "none"))
    return Rotation(n, crypto.master_key_id(new), retired)


def record_opener(settings: Settings) -> Callable[[str, str, bytes], Any] | None:
    """Opens encrypted extraction/decision rows for ``db.audit.records.verify_records`` (None: encryption is off)."""
    keyring = keyring_for(settings)
    if keyring is None:
        return None
    sessions = sessions_for(settings)
    field = {"extractions": "extraction", "decisions": "decision"}

    def open_record(table: str, claim_id: str, blob: bytes) -> Any:
        with sessions() as session:
            payload = json.loads(keyring.open(session, blob, f"{field[table]}/{claim_id}"))
        return payload[field[table]]

    return open_record
