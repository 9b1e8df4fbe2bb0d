"""How other code starts claims: admit a document (receipt, in the caller's process), then either trigger the served
deployment (``trigger``; remote workers, the watcher, the API) or run the same flow here (``run_local`` /
``run_batch``); ``wait_final`` reads the result from claimflow's database, the source of truth (not Prefect).

Idempotency: a trigger carries the key ``{tenant}:{document_sha256}`` for a claim's first run, and
``{tenant}:{document_sha256}:{attempt}`` for attempt N ≥ 1 (a retry after a transient failure, ``claimflow retry``).
Prefect makes one flow run per key and deployment, so two triggers of one document make one run, and a retry —
which first opens a new attempt in the database (``reopen``) — makes exactly one new run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from claimflow.errors import ClaimflowError, FlowError, NotFoundError, UnavailableError
from claimflow.settings import Settings
from db.claims import ClaimStatus
from db.models import Claim
from flows import runtime, stages

CLAIM_FLOW = "claim"
CLAIM_DEPLOYMENT = "claim/claim"  # <flow name>/<deployment name>
BATCH_DEPLOYMENT = "claim-batch/claim-batch"


@dataclass(frozen=True)
class ClaimRef:
    """What a flow run is given: ids only."""

    tenant: str
    claim_id: str
    document_sha256: str

    @property
    def short(self) -> str:
        return self.claim_id[:8]


@dataclass(frozen=True)
class Admission:
    """A document taken in: its claim as it stands, the reference to run it by, and the attempt to run."""

    received: stages.Received
    ref: ClaimRef

    @property
    def attempt(self) -> int:
        return self.received.attempts

    @property
    def needs_run(self) -> bool:
        """False for a claim already decided, failed on invalid input, or waiting for a retry."""
        return self.received.status not in ClaimStatus.SETTLED


def admit(ctx: stages.Context, path: Path) -> Admission:
    """Receive ``path`` (store the original, open or find its claim, audit it) — in the submitting process.

    A resubmission of a claim that failed transiently opens a new attempt (``claim.retried``); a resubmission of a
    decided claim, or of one refused as invalid input, needs no run. Raises the ClaimflowError of a file that cannot
    even be kept (missing, unreadable).
    """
    received = stages.receive(ctx, path)
    if received.is_resubmission and received.status == ClaimStatus.FAILED_TRANSIENT:
        received = stages.reopen(ctx, received, actor=ctx.submitted_by)
    return Admission(received, ClaimRef(ctx.tenant, received.claim_id, received.sha256))


def reopen(settings: Settings, claim_id: str, *, actor: str) -> Admission:
    """``claimflow retry CLAIM``: a new attempt at a claim that is not final (see ``stages.reopen``)."""
    sessions = runtime.sessions_for(settings)
    with sessions() as s:
        claim = s.get(Claim, claim_id)
        if claim is None:
            raise NotFoundError(f"claim {claim_id} is not in the database", hint="list claims with `claimflow process --json`")
        tenant, sha = claim.tenant, claim.document_sha256
    ctx = stages.Context.for_worker(settings, sessions, tenant)
    received = stages.reopen(ctx, stages.load(ctx, claim_id, sha), actor=actor)
    return Admission(received, ClaimRef(tenant, claim_id, sha))


def transient_claims(settings: Settings, tenant: str | None = None) -> list[str]:
    """Ids of the claims waiting in ``failed_transient`` (``claimflow retry --transient``)."""
    from db.claims import transient_failures

    with runtime.sessions_for(settings)() as s:
        return [c.id for c in transient_failures(s, tenant=tenant)]


def idempotency_key(ref: ClaimRef, attempt: int = 0) -> str:
    return f"{ref.tenant}:{ref.document_sha256}" + (f":{attempt}" if attempt else "")


def parameters(ref: ClaimRef, attempt: int = 0) -> dict[str, object]:
    return {"tenant": ref.tenant, "claim_id": ref.claim_id, "document_sha256": ref.document_sha256,
            "attempt": attempt}


def trigger(ref: ClaimRef, *, attempt: int = 0) -> str:
    """Start the served/deployed claim flow for ``ref`` without waiting; returns the flow run id. Uses this
    process's Prefect API (``PREFECT_API_URL``, or ``server(url)``). Two triggers of one attempt make one run.
    An unreachable Prefect API raises UnavailableError: the claim stays received, to be triggered again."""
    from prefect.deployments import run_deployment

    try:
        run = run_deployment(
            name=CLAIM_DEPLOYMENT,
            parameters=parameters(ref, attempt),
            timeout=0,
            idempotency_key=idempotency_key(ref, attempt),
            flow_run_name=f"claim-{ref.short}",
            as_subflow=False,
        )
    except ClaimflowError:
        raise
    except Exception as e:  # noqa: BLE001 - the orchestrator is unreachable: the claim waits and is triggered again
        raise UnavailableError(f"the claim could not be queued ({type(e).__name__})") from e
    return str(run.id)


@contextmanager
def server(url: str) -> Iterator[None]:
    """Talk to the Prefect API at ``url`` (``CLAIMFLOW_SERVER`` / ``--server``) inside the block."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}):
        yield


def server_ready(url: str, timeout: float = 3.0) -> str | None:
    """None when ``url`` is a reachable Prefect API serving claimflow's claim deployment; else why not."""
    import httpx

    try:
        health = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
        health.raise_for_status()
    except httpx.HTTPError as e:
        return f"no Prefect API at {url} ({type(e).__name__})"
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with server(url), get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(CLAIM_DEPLOYMENT)
        except ObjectNotFound:
            return f"{url} has no {CLAIM_DEPLOYMENT} deployment (start `claimflow serve` or `claimflow deploy`)"
    return None


def _result(settings: Settings, ref: ClaimRef) -> stages.ClaimResult:
    ctx = stages.Context.for_worker(settings, runtime.sessions_for(settings), ref.tenant)
    received = stages.load(ctx, ref.claim_id, ref.document_sha256)
    return stages.summarize(ctx, received, file=stages.document_label(ref.document_sha256))


def run_local(settings: Settings, ref: ClaimRef) -> stages.ClaimResult:
    """The claim flow for ``ref`` in this process (Prefect's ephemeral server unless PREFECT_API_URL is set)."""
    from flows.claim import claim_flow

    ctx = stages.Context.for_worker(settings, runtime.sessions_for(settings), ref.tenant)
    attempt = stages.load(ctx, ref.claim_id, ref.document_sha256).attempts
    with runtime.using(settings):
        claim_flow(**parameters(ref, attempt))  # type: ignore[arg-type]
    return _result(settings, ref)


def run_batch(
    settings: Settings,
    admissions: Sequence[Admission],
    *,
    on_done: Callable[[str, str], None] | None = None,
) -> dict[str, str]:
    """Many claims in this process: one batch flow run per tenant, ``settings.workers`` OCR processes.
    ``on_done(claim_id, status)`` is called as each claim finishes. Returns claim id → status."""
    from flows.claim import batch_runner

    by_tenant: dict[str, list[dict[str, object]]] = {}
    for a in admissions:
        by_tenant.setdefault(a.ref.tenant, []).append(
            {"claim_id": a.ref.claim_id, "document_sha256": a.ref.document_sha256, "attempt": a.attempt})
    statuses: dict[str, str] = {}
    with runtime.using(settings), runtime.listening(on_done or (lambda _c, _s: None)):
        for tenant, claims in by_tenant.items():
            statuses.update(batch_runner(settings.workers)(tenant=tenant, claims=claims))
    return statuses


def wait_all(
    settings: Settings,
    refs: Sequence[ClaimRef],
    timeout: float,
    *,
    on_done: Callable[[str, str], None] | None = None,
    poll: float = 0.25,
) -> dict[str, str]:
    """Poll claimflow's database until every claim is settled (final, or ``failed_transient``); claim id → status.
    Raises FlowError naming the claims still open after ``timeout`` seconds."""
    pending = {r.claim_id for r in refs}
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    sessions = runtime.sessions_for(settings)
    while pending:
        with sessions() as s:
            rows = s.execute(select(Claim.id, Claim.status).where(Claim.id.in_(pending))).all()
        for claim_id, status in rows:
            if status in ClaimStatus.SETTLED:
                pending.discard(claim_id)
                statuses[claim_id] = status
                if on_done is not None:
                    on_done(claim_id, status)
        if not pending:
            break
        if time.monotonic() > deadline:
            shown = ", ".join(sorted(c[:8] for c in pending)[:10])
            raise FlowError(f"{len(pending)} claim(s) not finished after {timeout:g} s: {shown}",
                            hint="is `claimflow serve` (or a worker of the work pool) running against this database?")
        time.sleep(poll)
    return statuses


def wait_final(settings: Settings, ref: ClaimRef, timeout: float) -> stages.ClaimResult:
    """Wait until the claim is settled, then its result as claimflow's database has it."""
    wait_all(settings, [ref], timeout)
    return _result(settings, ref)
