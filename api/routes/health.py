"""/healthz (the process answers) and /readyz (the database, the document store and the orchestrator answer)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from flows.runtime import store_for

from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Readiness: database, document store, orchestrator",
            responses={503: {"model": Readiness, "description": "Something the API needs is not reachable."}})
async def readyz(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(_checks, request)
    ok = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ok else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


def _checks(request: Request) -> dict[str, str]:
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        with state.sessions() as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # noqa: BLE001 - reported, not raised: this is a probe
        checks["database"] = f"unreachable ({type(e).__name__})"
    try:
        store_for(state.settings).exists("0" * 64)  # a round trip to the store (a HEAD on S3)
        checks["documents"] = "ok"
    except Exception as e:  # noqa: BLE001 - reported, not raised
        checks["documents"] = f"unavailable ({type(e).__name__})"
    reason = state.dispatcher.ready()
    checks["orchestrator"] = "ok" if reason is None else reason
    return checks
