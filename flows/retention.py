"""The retention flow: erase what is past CLAIMFLOW_RETENTION_DAYS, on a schedule (Prefect only here).

``flows.deployments.deployments`` serves it beside the claim deployments when CLAIMFLOW_RETENTION_DAYS is set; it
takes no parameter: settings come from the worker's environment.
The run's result and log say what was done, in counts only (no member ids).
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.privacy import apply_retention
from flows.runtime import current_settings

DEFAULT_CRON = "17 3 * * *"  # daily, at a quiet hour (UTC)


@flow(name="retention", log_prints=False)
def retention_flow() -> dict[str, int]:
    report = apply_retention(current_settings())
    get_run_logger().info("%s", report.summary())
    return {"members": len(report.members), "claims": len(report.claims),
            "originals_deleted": sum(len(e.documents) for e in report.erasures)}


def retention_deployment(cron: str = DEFAULT_CRON, **kwargs: Any) -> Any:
    """The scheduled deployment (``RunnerDeployment``) to pass to ``prefect.serve``."""
    return retention_flow.to_deployment(name="retention", cron=cron, **kwargs)
