"""claimflow's Prefect deployments: served in one process (``claimflow serve``) or registered for a process work
pool (``claimflow deploy``) whose workers run anywhere.

Both deployments use a *module* entrypoint (``flows.claim.claim_flow``): whoever runs a flow run — ``serve``'s
runner on this machine, or ``prefect worker start --pool NAME`` on another — imports it from the Python environment
it runs in. So a worker machine needs claimflow installed (``pip install claimflow`` or ``pip install -e`` of a
checkout) and its own ``CLAIMFLOW_*`` environment (database URL, document store); nothing is pulled from storage and
no path of this machine is recorded in the deployment.

``serve`` runs components side by side: the deployments' runner in the main thread and, in threads, any extra
component (the watched folder and the HTTP API plug in here: ``Component(name, run)``, where ``run(stop)`` returns
when ``stop`` is set).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from claimflow.settings import Settings
from flows.claim import batch_flow, claim_flow
from flows.retention import retention_deployment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Component:
    """Something ``claimflow serve`` runs next to the deployments' runner. ``run(stop)`` blocks until ``stop``."""

    name: str
    run: Callable[[threading.Event], None]


def prefect_api_url() -> str | None:
    """The Prefect API this process talks to (PREFECT_API_URL); None: Prefect's private ephemeral server."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def deployments(settings: Settings, *, work_pool: str | None = None) -> list[RunnerDeployment]:
    """The claim flow (one claim; what ``flows.dispatch.trigger`` starts) and the batch flow (many claims of one
    tenant in one run); with CLAIMFLOW_RETENTION_DAYS set, also the daily retention flow (docs/privacy.md). Served on one machine, ``settings.workers`` bounds the claim runs at once and batches run one
    at a time (a batch uses every core); for a work pool the deployments carry no limit — each worker's own
    ``prefect worker start --limit N`` bounds what it takes."""
    common = {"entrypoint_type": EntrypointType.MODULE_PATH, "work_pool_name": work_pool}
    served = work_pool is None
    retention = [retention_deployment(**common)] if settings.retention_days else []  # CLAIMFLOW_RETENTION_DAYS
    return retention + [
        claim_flow.to_deployment(
            name="claim", concurrency_limit=settings.workers if served else None, tags=["claimflow"],
            description="One received claim: OCR, extraction, adjudication. Parameters: ids only.", **common,
        ),
        batch_flow.to_deployment(
            name="claim-batch", concurrency_limit=1 if served else None, tags=["claimflow"],
            description="Many received claims of one tenant, WORKERS at once in one run. Parameters: ids only.",
            **common,
        ),
    ]


def serve(settings: Settings, components: Sequence[Component] = ()) -> None:
    """Serve the deployments (at most ``settings.workers`` flow runs at once) until interrupted; run ``components``
    in threads alongside, stopping them when the runner stops."""
    from prefect import serve as prefect_serve

    stop = threading.Event()

    def run(component: Component) -> None:
        try:
            component.run(stop)
        except Exception:  # noqa: BLE001 - a component's crash is logged loudly; the runner keeps serving claims
            log.exception("claimflow serve: component %s stopped with an error", component.name)

    threads = [threading.Thread(target=run, args=(c,), name=f"claimflow-{c.name}", daemon=True) for c in components]
    for t in threads:
        t.start()
    try:
        prefect_serve(*deployments(settings), limit=settings.workers, print_starting_message=False)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)


def deploy(settings: Settings, work_pool: str) -> list[str]:
    """Register the deployments for the process work pool ``work_pool`` (created if missing); returns their ids."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=work_pool, type="process"))
            log.info("created process work pool %s", work_pool)
        except ObjectAlreadyExists:
            log.info("process work pool %s exists; deployments are registered on it", work_pool)
    return [str(d.apply(work_pool_name=work_pool)) for d in deployments(settings, work_pool=work_pool)]
