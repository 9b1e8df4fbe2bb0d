"""Erasure (crypto-shredding) and retention: keyword-only functions taking the session (the caller commits).

Erasing a member destroys the data keys that sealed their personal data (their member key, the keys of their claims
that had no member yet, the keys of their originals), empties their member record's personal fields and the claims'
free-text errors and file names, and appends ``privacy.erased`` (ids and digests only) to the tenant's audit log. The
stored originals are deleted by the caller *after* the commit (``Erasure.documents``): a rolled-back erasure leaves
everything as it was. What stays: amounts, outcomes, dates of processing, digests, and the member id's blind index
(docs/privacy.md, "What stays").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import db.audit as audit
from db.keys import Keyring, claim_subject, document_subject, member_subject
from db.member_index import forget, member_index
from db.models import Claim, ClaimDocumentRow, DataKeyRow, DecisionRow, DocumentRow, ExtractionRow, MemberRow

ERASED_NAME = "(erased)"


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: the claims touched, originals to delete, keys destroyed, records made unreadable."""

    tenant: str
    subject: str  # member/<hash>, or claim/<id> for a claim without a member
    claims: tuple[str, ...]
    documents: tuple[str, ...]  # sha256 of originals no other claim uses: delete them from the store
    keys_destroyed: int
    extraction_digests: tuple[str, ...]
    decision_digests: tuple[str, ...]

    def audit_data(self) -> dict[str, object]:
        return {"subject": self.subject, "claims": list(self.claims), "documents": list(self.documents),
                "keys_destroyed": self.keys_destroyed, "extraction_digests": list(self.extraction_digests),
                "decision_digests": list(self.decision_digests)}


def _erase(session: Session, *, keyring: Keyring, tenant: str, subject: str, claims: list[Claim], actor: str,
           at: dt.datetime) -> Erasure:
    ids = [c.id for c in claims]
    shas = set(session.scalars(select(ClaimDocumentRow.sha256).where(ClaimDocumentRow.claim_id.in_(ids))))
    shas |= {c.document_sha256 for c in claims}
    shared = set(session.scalars(
        select(ClaimDocumentRow.sha256).where(ClaimDocumentRow.sha256.in_(shas), ClaimDocumentRow.claim_id.not_in(ids))
    )) | set(session.scalars(select(Claim.document_sha256).where(Claim.document_sha256.in_(shas),
                                                                 Claim.id.not_in(ids))))
    documents = sorted(shas - shared)
    subjects = [subject, *(claim_subject(i) for i in ids), *(document_subject(s) for s in documents)]
    destroyed = keyring.destroy(session, subjects, at=at)
    for claim in claims:
        claim.error_message = None  # may name the submitted file
    for doc in session.scalars(select(DocumentRow).where(DocumentRow.sha256.in_(documents))):
        doc.original_name = ERASED_NAME
    ext = sorted(session.scalars(select(ExtractionRow.digest).where(ExtractionRow.claim_id.in_(ids))))
    dec = sorted(session.scalars(select(DecisionRow.digest).where(DecisionRow.claim_id.in_(ids))))
    erasure = Erasure(tenant, subject, tuple(sorted(ids)), tuple(documents), len(destroyed), tuple(ext), tuple(dec))
    audit.append(session, log=tenant, actor=actor, type="privacy.erased", data=erasure.audit_data())
    session.flush()
    return erasure


def erase_member(session: Session, *, keyring: Keyring, tenant: str, member_id: str, actor: str,
                 at: dt.datetime) -> Erasure:
    """Erase the member's personal data in ``tenant`` (their claims by extracted or declared member id)."""
    return erase_stored_member(session, keyring=keyring, tenant=tenant, stored=member_index(session, tenant, member_id),
                               actor=actor, at=at)


def erase_stored_member(session: Session, *, keyring: Keyring, tenant: str, stored: str, actor: str,
                        at: dt.datetime) -> Erasure:
    """Erase the member whose stored id (blind index, db/member_index.py) is ``stored``: with their data key the
    sealed copy of the id is destroyed too (``member_refs``)."""
    claims = list(session.scalars(select(Claim).where(
        Claim.tenant == tenant, or_(Claim.member_id == stored, Claim.declared_member_id == stored))))
    member = session.get(MemberRow, (tenant, stored))
    if member is not None:
        member.name_stored = None
        member.date_of_birth_stored = None
        member.sealed = None
    forget(session, tenant, stored)
    return _erase(session, keyring=keyring, tenant=tenant, subject=member_subject(tenant, stored), claims=claims,
                  actor=actor, at=at)


def erase_claim(session: Session, *, keyring: Keyring, claim: Claim, actor: str, at: dt.datetime) -> Erasure:
    """Erase a claim that has no member (its data sealed under the claim's own key)."""
    return _erase(session, keyring=keyring, tenant=claim.tenant, subject=claim_subject(claim.id), claims=[claim],
                  actor=actor, at=at)


@dataclass(frozen=True)
class Expired:
    """What retention would erase: members whose latest claim was received before the cutoff, and claims without a
    member received before it."""

    members: tuple[tuple[str, str], ...]  # (tenant, stored member id: its blind index)
    claims: tuple[str, ...]


def expired(session: Session, *, cutoff: dt.date) -> Expired:
    """Subjects past retention that still have personal data (a live data key): erased ones are not listed again."""
    latest = (
        select(Claim.tenant, Claim.member_id)
        .where(Claim.member_id.is_not(None))
        .group_by(Claim.tenant, Claim.member_id)
        .having(func.max(Claim.received_on) < cutoff)
    )
    members = sorted((t, m) for t, m in session.execute(latest))
    claims = sorted(session.scalars(select(Claim.id).where(
        Claim.member_id.is_(None), Claim.declared_member_id.is_(None), Claim.received_on < cutoff)))
    wanted = [member_subject(t, m) for t, m in members] + [claim_subject(c) for c in claims]
    live = set(session.scalars(select(DataKeyRow.subject).where(DataKeyRow.subject.in_(wanted),
                                                                DataKeyRow.wrapped.is_not(None))))
    return Expired(tuple(m for m in members if member_subject(*m) in live),
                   tuple(c for c in claims if claim_subject(c) in live))


def document_erased(session: Session, *, sha256: str) -> bool:
    """Whether the original ``sha256`` was erased (its data key destroyed, or its record emptied by an erasure)."""
    destroyed = session.scalar(select(func.count()).select_from(DataKeyRow).where(
        DataKeyRow.subject == document_subject(sha256), DataKeyRow.wrapped.is_(None)))
    return bool(destroyed) or session.scalar(
        select(DocumentRow.original_name).where(DocumentRow.sha256 == sha256)) == ERASED_NAME
