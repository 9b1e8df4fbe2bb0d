"""How a received claim is handed on for processing: a ``Dispatcher`` the app is built with.

``create_app(settings, dispatcher=...)``: the default, ``PrefectDispatcher``, triggers the claim's deployment run
through ``flows.dispatch.trigger`` (the orchestration layer); ``InProcessDispatcher`` runs the pipeline's stages in a
background thread of this process (tests, a single box without Prefect). A dispatcher must not block on the work.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from claimflow.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimRef:
    """What a run needs to find its claim: ids and a digest, never PHI (they travel as flow-run parameters)."""

    tenant: str
    claim_id: str
    document_sha256: str
    attempt: int = 0  # runs after a transient failure (claims.attempts): a retry is a new run


class Dispatcher(Protocol):
    def dispatch(self, ref: ClaimRef) -> None:
        """Queue the claim for processing; raise UnavailableError when it cannot be queued now."""

    def ready(self) -> str | None:
        """None when the dispatcher can take claims, else why not (for /readyz)."""


class PrefectDispatcher:
    """Triggers a run of the claim deployment (``flows.dispatch.trigger``) on the Prefect API of CLAIMFLOW_SERVER
    (or this process's PREFECT_API_URL). Prefect makes one run per claim attempt, however often it is triggered."""

    def __init__(self, settings: Settings) -> None:
        self.server = settings.server

    def dispatch(self, ref: ClaimRef) -> None:
        from contextlib import nullcontext

        from flows import dispatch as flow_dispatch

        # an unreachable orchestrator is UnavailableError (503): the claim waits, the client retries
        with flow_dispatch.server(self.server) if self.server else nullcontext():
            flow_dispatch.trigger(flow_dispatch.ClaimRef(ref.tenant, ref.claim_id, ref.document_sha256),
                                  attempt=ref.attempt)

    def ready(self) -> str | None:
        if self.server:
            from flows.dispatch import server_ready

            try:
                return server_ready(self.server)
            except Exception as e:  # noqa: BLE001 - a probe reports, it does not raise
                return f"prefect unreachable ({type(e).__name__})"
        from flows.health import prefect_unreachable

        return prefect_unreachable()


class InProcessDispatcher:
    """Runs ``flows.stages.process`` for each claim in a background thread (one at a time, in order).

    ``join()`` waits until every dispatched claim is processed (tests).
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], *, synchronous: bool = False) -> None:
        self.settings = settings
        self.sessions = sessions
        self.synchronous = synchronous
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def dispatch(self, ref: ClaimRef) -> None:
        if self.synchronous:
            self.run(ref)
            return
        t = threading.Thread(target=self.run, args=(ref,), name=f"claim-{ref.claim_id[:8]}", daemon=True)
        with self._lock:  # one claim at a time: member accumulators are decided in order
            previous = self._threads[-1] if self._threads else None
            self._threads.append(t)
        t._previous = previous  # type: ignore[attr-defined]
        t.start()

    def run(self, ref: ClaimRef) -> None:
        from flows import stages

        previous = getattr(threading.current_thread(), "_previous", None)
        if previous is not None:
            previous.join()
        ctx = stages.Context.for_worker(self.settings, self.sessions, ref.tenant)
        try:
            stages.process(ctx, stages.load(ctx, ref.claim_id, ref.document_sha256))
        except Exception as e:  # noqa: BLE001 - a background run must not die silently: log the kind, not the text
            log.error("in-process run of claim %s failed: %s", ref.claim_id, type(e).__name__)

    def join(self, timeout: float = 300.0) -> None:
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout)

    def ready(self) -> str | None:
        return None
