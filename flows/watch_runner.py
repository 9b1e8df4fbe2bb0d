"""How the watcher gets a received claim decided: a small interface, and a default that runs the stages in-process.

The watcher only needs "bring this claim to a final status and tell me the result". ``ClaimRunner`` is that
interface; ``StagesRunner`` implements it by calling ``flows.stages`` directly in the watcher's worker threads (no
Prefect server needed). A runner that triggers Prefect deployment runs (``flows.dispatch``) fits the same interface.
"""

from __future__ import annotations

import threading
from typing import Protocol

from claimflow.settings import Settings
from db.claims import ClaimStatus
from flows import dispatch, stages
from flows.dispatch import ClaimRef
from flows.runtime import sessions_for

__all__ = ["ClaimRef", "ClaimRunner", "DispatchRunner", "StagesRunner"]


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
            result = stages.process(ctx, stages.load(ctx, ref.claim_id, ref.document_sha256), keep_transient=True)
        with self._guard:
            self._locks.pop(ref.claim_id, None)
        return result


class DispatchRunner:
    """Each claim as a run of the served claim deployment (``flows.dispatch.trigger``), then claimflow's database is
    polled until the claim settles (``flows.dispatch.wait_all``): what ``claimflow serve`` uses, so the folder's
    claims run under the same concurrency limit, on the same workers, as the API's."""

    def __init__(self, settings: Settings, *, timeout: float = 3600.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def decide(self, ref: ClaimRef) -> stages.ClaimResult:
        ctx = stages.Context.for_worker(self.settings, sessions_for(self.settings), ref.tenant)
        received = stages.load(ctx, ref.claim_id, ref.document_sha256)
        if received.status not in ClaimStatus.SETTLED:
            dispatch.trigger(ref, attempt=received.attempts)  # unreachable: UnavailableError, the file waits
        dispatch.wait_all(self.settings, [ref], self.timeout)
        return stages.summarize(ctx, stages.load(ctx, ref.claim_id, ref.document_sha256), file=received.original_name)


class _ContextFactory(Protocol):
    def __call__(self, tenant: str) -> stages.Context: ...
