"""The console's session cookie, CSRF tokens and response headers (pure; no FastAPI routes here).

* A **session** is a signed, expiring cookie naming an API key id (never the key): ``<payload>.<HMAC-SHA256>`` with
  the payload ``key_id|issued|expires|nonce`` in base64url. Each request re-checks that the key is still live (a
  revoked key ends its sessions at once). The cookie is HttpOnly, SameSite=Strict, Secure when served over TLS.
* A **CSRF token** is an HMAC of the session cookie (or, before login, of a random pre-login cookie), embedded in
  every form and compared in constant time; a POST without the right token is refused (403).
* Every console response carries a Content-Security-Policy without ``unsafe-inline`` scripts or styles,
  ``Cache-Control: no-store`` and the usual hardening headers (``ConsoleHeadersMiddleware``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SESSION_COOKIE = "claimflow_console"
PRELOGIN_COOKIE = "claimflow_console_pre"
PREFIX = "/console"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def load_secret(configured: str | None, path: Path) -> bytes:
    """The signing secret: the configured one, else the one in ``path`` (32 random bytes, created on first use with
    mode 0600 so every worker of one data dir shares it)."""
    if configured:
        return hashlib.sha256(configured.encode("utf-8")).digest()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    data = path.read_bytes()
    if len(data) < 32:
        raise ValueError(f"{path}: the console secret file is shorter than 32 bytes; delete it to make a new one")
    return data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionClaims:
    key_id: str
    issued: dt.datetime
    expires: dt.datetime


class Signer:
    """Signs and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: bytes, *, lifetime: dt.timedelta) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def _mac(self, purpose: str, value: str) -> str:
        return _b64(hmac.new(self._secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest())

    def issue(self, key_id: str, now: dt.datetime) -> str:
        payload = "|".join([key_id, str(int(now.timestamp())), str(int((now + self.lifetime).timestamp())),
                            secrets.token_hex(8)])
        body = _b64(payload.encode())
        return f"{body}.{self._mac('session', body)}"

    def check(self, cookie: str | None, now: dt.datetime) -> SessionClaims | None:
        """The session's claims, or None when the cookie is missing, forged, malformed or expired."""
        if not cookie or cookie.count(".") != 1 or len(cookie) > 500:
            return None
        body, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        try:
            key_id, issued, expires, _ = _unb64(body).decode().split("|")
            claims = SessionClaims(key_id, dt.datetime.fromtimestamp(int(issued), dt.UTC),
                                   dt.datetime.fromtimestamp(int(expires), dt.UTC))
        except ValueError:
            return None
        return claims if claims.expires > now else None

    def csrf(self, bound_to: str) -> str:
        """The CSRF token of a session cookie (or pre-login cookie)."""
        return self._mac("csrf", bound_to)

    def csrf_ok(self, bound_to: str | None, token: str | None) -> bool:
        return bool(bound_to and token) and hmac.compare_digest(self.csrf(bound_to or ""), token or "")


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class ConsoleHeadersMiddleware:
    """Adds the console's CSP and hardening headers (replacing any set further in) to every /console response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                message["headers"] = [h for h in message.get("headers", []) if h[0].lower() not in names] + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)
