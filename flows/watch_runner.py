"""How the watcher gets a received claim decided: a small interface, and a default that runs the stages in-process.

The watcher only needs "bring this claim to a final status and tell me the result". ``ClaimRunner`` is that
interface; ``StagesRunner`` implements it by calling ``flows.stages`` directly in the watcher's worker threads (no
Prefect server needed). A runner that triggers Prefect deployment runs (``flows.dispatch``) fits the same interface.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

import extractors
from claimflow.errors import ClaimflowError, DatabaseError, NotFoundError, StoreUnavailableError
from claimflow.settings import Settings
from db import claims as repo
from db.claims import ClaimStatus
from extractors.extract import extract as extract_fields
from flows import stages


@dataclass(frozen=True)
class ClaimRef:
    """A claim, by ids only (what may travel to a worker or into a flow run's parameters)."""

    tenant: str
    claim_id: str
    document_sha256: str


class ClaimRunner(Protocol):
    def decide(self, ref: ClaimRef) -> stages.ClaimResult:
        """Bring the claim to a final status (decided or failed) and return it. Raise only for transient trouble
        (database unreachable, ...): the watcher keeps the file and tries again later."""
        ...


class StagesRunner:
    """OCR → extraction → adjudication through ``flows.stages``, resuming a claim where it stopped. One claim is
    decided by one thread at a time; a claim already final is only summarized."""

    def __init__(self, settings: Settings, ctx_for: _ContextFactory) -> None:
        self.settings = settings
        self._ctx_for = ctx_for
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, claim_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(claim_id, threading.Lock())

    def decide(self, ref: ClaimRef) -> stages.ClaimResult:
        ctx = self._ctx_for(ref.tenant)
        with self._lock(ref.claim_id):
            received = self._received(ctx, ref)
            if received.status not in ClaimStatus.FINAL:
                self._run(ctx, received)
            result = stages.summarize(ctx, received, file=received.original_name)
        with self._guard:
            self._locks.pop(ref.claim_id, None)
        return result

    @staticmethod
    def _received(ctx: stages.Context, ref: ClaimRef) -> stages.Received:
        with ctx.sessions() as s:
            claim = repo.get_claim(s, claim_id=ref.claim_id)
            if claim is None or claim.document_sha256 != ref.document_sha256:
                raise NotFoundError(f"claim {ref.claim_id} with document {ref.document_sha256[:12]} is not in the "
                                    "database")
            doc = claim.document
            return stages.Received(claim.id, doc.sha256, doc.original_name, claim.status, False)

    @staticmethod
    def _run(ctx: stages.Context, received: stages.Received) -> None:
        stage = "ocr"
        try:
            if received.status == ClaimStatus.EXTRACTED:
                extraction = stages.load_extraction(ctx, received)
            else:
                with stages.original_path(ctx, received.sha256) as original:
                    ocr = extractors.read(original, ctx.settings, display_name=received.original_name)
                stages.record_ocr(ctx, received, ocr)
                stage = "extract"
                extraction = extract_fields(ocr)
                stages.record_extraction(ctx, received, extraction, ocr)
            stage = "adjudicate"
            stages.decide(ctx, received, extraction)
        except (DatabaseError, StoreUnavailableError):
            raise  # transient: the watcher keeps the file and tries again
        except ClaimflowError as e:
            stages.record_failure(ctx, received, stage, e)


class _ContextFactory(Protocol):
    def __call__(self, tenant: str) -> stages.Context: ...
