"""How the watcher gets a received claim decided: a small interface, and a default that runs the stages in-process.

The watcher only needs "bring this claim to a final status and tell me the result". ``ClaimRunner`` is that
interface; ``StagesRunner`` implements it by calling ``flows.stages`` directly in the watcher's worker threads (no
Prefect server needed). A runner that triggers Prefect deployment runs (``flows.dispatch``) fits the same interface.
"""

from __future__ import annotations

import threading
from typing import Protocol

from sqlalchemy.exc import OperationalError

from claimflow.errors import ClaimflowError, DatabaseError, OcrTimeoutError, StoreUnavailableError
from claimflow.settings import Settings
from db.claims import ClaimStatus
from flows import stages
from flows.dispatch import ClaimRef

__all__ = ["ClaimRef", "ClaimRunner", "StagesRunner"]


class ClaimRunner(Protocol):
    def decide(self, ref: ClaimRef) -> stages.ClaimResult:
        """Bring the claim to a settled status (decided, failed, or failed transiently after its retries) and return
        it. Raise only for transient trouble (database or store unreachable): the watcher keeps the file and tries
        again later."""
        ...


class StagesRunner:
    """OCR → extraction → adjudication through ``flows.stages`` in the calling thread, resuming a claim where it
    stopped. One claim is decided by one thread at a time; a settled claim is only summarized."""

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
            received = stages.load(ctx, ref.claim_id, ref.document_sha256)
            if received.status not in ClaimStatus.SETTLED:
                self._run(ctx, received)
            result = stages.summarize(ctx, received, file=received.original_name)
        with self._guard:
            self._locks.pop(ref.claim_id, None)
        return result

    @staticmethod
    def _run(ctx: stages.Context, received: stages.Received) -> None:
        stage = "ocr"
        try:
            if received.status == ClaimStatus.EXTRACTED:
                extraction = stages.load_extraction(ctx, received)
            else:
                ocrs = stages.read_documents(ctx, received)
                stage = "extract"
                extraction = stages.extract_documents(ctx, received, ocrs)
            stage = "adjudicate"
            stages.decide(ctx, received, extraction)
        except (DatabaseError, StoreUnavailableError, OperationalError):
            raise  # the watcher keeps the file and tries again; the claim resumes from its last completed stage
        except OcrTimeoutError as e:  # a page too slow for CLAIMFLOW_OCR_PAGE_TIMEOUT: `claimflow retry` may pass
            stages.record_failure(ctx, received, stage, e, transient=True)
        except ClaimflowError as e:
            stages.record_failure(ctx, received, stage, e)


class _ContextFactory(Protocol):
    def __call__(self, tenant: str) -> stages.Context: ...
