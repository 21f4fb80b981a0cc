"""Security headers for every console and web-chat response, and the signing key.

The CSP allows scripts and styles only from our own origin: htmx and the small
console script are served from /static, there are no inline scripts or handlers,
so an injected <script> or onerror= does not run even if escaping failed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.storage.db import private_dir

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")
MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers in the database: a longer number names nothing


class SecurityHeadersMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so it does not buffer SSE streams.

    Every response but static files gets `Cache-Control: no-store` (pages show conversations and
    accounts: no browser or proxy cache may keep them). Over https (the proxy's scheme when its
    address is trusted, see `TRUSTED_PROXIES`) every cookie is marked `Secure` and HSTS is sent.
    A path with a number too large to be an id is answered 404 before any route parses it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if any(part.isdigit() and (len(part) > 10 or int(part) > MAX_DB_ID) for part in path.split("/")):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        cacheable = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                existing = {name.lower() for name, _ in headers}
                extra = [(k, v) for k, v in HEADERS if k not in existing]
                if not cacheable and b"cache-control" not in existing:
                    extra.append(NO_STORE)
                if https:
                    extra.append(HSTS)
                    headers = [(k, _secure(v) if k.lower() == b"set-cookie" else v) for k, v in headers]
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(cookie: bytes) -> bytes:
    return cookie if b"; secure" in cookie.lower() else cookie + b"; Secure"


def load_secret_key(configured: str | None, data_dir: Path) -> str:
    """The configured key, or one generated once into the data dir (0600) so restarts keep sessions."""
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return path.read_text().strip()
    private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
