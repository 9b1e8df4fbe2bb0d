"""RFC 9457 problem details: every error the API returns is ``application/problem+json``.

``ClaimflowError`` carries ``http_status``, ``kind`` and ``hint``; they become ``status``, ``type``
(``urn:claimflow:problem:<kind>``), ``title`` and ``detail``. Validation errors list their locations and messages,
never the submitted values (they may be PHI). Unexpected errors are logged by type only and answered with a 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimflow.errors import ClaimflowError, LimitExceededError, RateLimitedError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:claimflow:problem:"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where in the request: e.g. [\"query\", \"limit\"].")
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="urn:claimflow:problem:<kind>; docs/api.md lists every kind.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong with this request, and what to do next.")
    kind: str = Field(description="The stable machine-readable kind (ClaimflowError.kind).")
    limit: str | None = Field(None, description="The setting whose limit was exceeded (413/422 limit errors).")
    errors: list[FieldError] | None = Field(None, description="Validation errors, one per invalid input.")

    model_config = {"json_schema_extra": {"examples": [{
        "type": "urn:claimflow:problem:not_found", "title": "Not Found", "status": 404,
        "detail": "no claim 3f2a… — check the claim id", "kind": "not_found",
    }]}}


def problem_response(status: int, kind: str, detail: str, *, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = Problem(type=TYPE_PREFIX + kind, title=_title(status), status=status, detail=detail, kind=kind, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE,
                        headers=headers)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_KINDS = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          406: "not_acceptable", 409: "conflict", 413: "limit_exceeded", 415: "unsupported_media_type",
          422: "bad_request", 429: "rate_limited"}


def claimflow_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClaimflowError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    extra = {"limit": exc.limit} if isinstance(exc, LimitExceededError) else {}
    if exc.http_status >= 500:
        log.error("request failed: %s", exc.kind)
    return problem_response(exc.http_status, exc.kind, str(exc), headers=headers, **extra)


def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(loc=[str(p) if not isinstance(p, int) else p for p in e.get("loc", ())], msg=e.get("msg", ""))
              for e in exc.errors()]
    where = "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in errors[:5])
    return problem_response(422, "validation_error", f"the request is invalid: {where}", errors=errors)


def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
    return problem_response(exc.status_code, _KINDS.get(exc.status_code, "error"), detail,
                            headers=dict(exc.headers or {}))


def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error: %s", type(exc).__name__)  # never the message: it may carry PHI
    return problem_response(500, "unexpected", "an unexpected error occurred; it was logged — retry later")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ClaimflowError, claimflow_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem statuses a route can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        kind = _KINDS.get(status, "error")
        example = {"type": TYPE_PREFIX + kind, "title": _title(status), "status": status, "detail": _EXAMPLES.get(
            status, _title(status)), "kind": kind}
        out[status] = {"description": _title(status),
                       "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"},
                                                "example": example}}}
    return out


_EXAMPLES = {
    401: "no API key — send `Authorization: Bearer <key>`; `claimflow keys create` issues one",
    403: "the submitter role may not use this route",
    404: "no claim 0b8f0c1e-3a55-4c55-9d1e-4d5ce2cfb0a1",
    409: "claim 0b8f… was opened for the same first document with other documents",
    413: "document 1: the PDF has 2000 pages, over the limit of 50 — the limit is CLAIMFLOW_MAX_PAGES",
    415: "send multipart/form-data",
    422: "document 1: the content is an HTML page, not a PDF, JPEG, PNG, TIFF or WebP",
    429: "too many requests for key 1a2b3c4d5e6f7a8b — slow down",
    503: "the database is not reachable",
}
