"""Request hygiene: a body size limit, security headers, one access log line without PHI, a per-key rate limit.

Pure ASGI middleware (no buffering): the body limit is checked against Content-Length before anything is read and
counted while the body streams, so an oversized upload is refused before it is spooled anywhere.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from claimflow.errors import LimitExceededError, RateLimitedError

from api.problems import problem_response

log = logging.getLogger("claimflow.api.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")


def body_limit_error(limit: int) -> LimitExceededError:
    return LimitExceededError(
        f"the request body is over the {limit} byte limit", limit="CLAIMFLOW_MAX_REQUEST_BYTES"
    )


class HygieneMiddleware:
    """Body size limit + security headers (Cache-Control: no-store on every /v1 response) + access log."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int) -> None:
        self.app = app
        self.max = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}
        private = scope["path"].startswith("/v1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if private and b"cache-control" not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        try:
            declared = int(dict(scope.get("headers", [])).get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max:
            e = body_limit_error(self.max)
            await problem_response(413, e.kind, str(e), limit=e.limit)(scope, receive, send_with_headers)
            self._log(scope, 413, started)
            return
        seen = {"n": 0}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["n"] += len(message.get("body", b""))
                if seen["n"] > self.max:
                    raise body_limit_error(self.max)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        finally:
            self._log(scope, status["code"], started)

    @staticmethod
    def _log(scope: Scope, status: int, started: float) -> None:
        # The route template (/v1/claims/{claim_id}), never the query string; ids are opaque, bodies never logged.
        route = scope.get("route")
        path = getattr(route, "path", None) or "(unrouted)"
        log.info("%s %s %d %.1fms", scope.get("method"), path, status, (time.perf_counter() - started) * 1000)


class RateLimiter:
    """An in-process token bucket per API key: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key_id: str) -> None:
        """Spend one token for ``key_id`` or raise RateLimitedError with the seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
                raise RateLimitedError(f"too many requests for key {key_id}", retry_after=wait)
            self._buckets[key_id] = (tokens - 1.0, now)
