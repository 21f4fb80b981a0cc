"""CSRF protection: a per-session synchronizer token checked on every state-changing request.

The console cookie is already SameSite=Strict; the token is the second wall for
browsers or proxies that do not honour SameSite. Forms carry it as the hidden
field `csrf_token`; HTMX requests send it as `X-CSRF-Token` (set once on <body>
with `hx-headers`, so no inline script is needed).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (also for anonymous visitors of the login page)."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Router dependency: rejects unsafe requests whose token does not match the session's."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and try again")
