"""Is the Prefect API reachable? (for the HTTP API's /readyz; Prefect is imported only under flows/)."""

from __future__ import annotations


def prefect_unreachable(timeout: float = 2.0) -> str | None:
    """None when Prefect's API answers its health check, else a short reason (no secrets, no URLs)."""
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True, httpx_settings={"timeout": timeout}) as client:
            failure = client.api_healthcheck()
    except Exception as e:  # noqa: BLE001 - any failure to reach it is "not ready", with its type
        return f"prefect unreachable ({type(e).__name__})"
    return None if failure is None else f"prefect unhealthy ({type(failure).__name__})"
