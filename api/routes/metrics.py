"""GET /metrics: Prometheus text exposition (docs/operations.md, "Metrics")."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from claimflow.errors import AuthenticationError
from flows.metrics import build_registry

from api.problems import responses

router = APIRouter(tags=["health"])


def _registry(request: Request) -> CollectorRegistry:
    state = request.app.state
    registry = getattr(state, "metrics_registry", None)
    if registry is None:
        # reads only: on SQLite the read-only sessions do not queue for the write lock
        registry = state.metrics_registry = build_registry(getattr(state, "read_sessions", state.sessions))
    return registry


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"description": "Prometheus text exposition format 0.0.4.",
                             "content": {"text/plain": {"schema": {"type": "string"}}}}, **responses(401)})
async def metrics(
    request: Request,
    authorization: Annotated[str | None, Header(description="`Bearer <CLAIMFLOW_METRICS_TOKEN>` when it is set.")]
    = None,
) -> Response:
    """Claims by status, decisions by outcome, review queue depth and age, the OCR confidence histogram and webhook
    events by state come from the database at scrape time; stage latencies are this process's observations."""
    token = request.app.state.settings.metrics_token
    if token is not None:
        given = authorization[7:] if authorization and authorization.startswith("Bearer ") else ""
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise AuthenticationError("GET /metrics needs the metrics token",
                                      hint="send `Authorization: Bearer <CLAIMFLOW_METRICS_TOKEN>`")
    body = await run_in_threadpool(generate_latest, _registry(request))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
