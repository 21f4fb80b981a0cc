"""Login, logout and the console's language switch.

Login rotates the session (clear, then set) so a session id fixed before login is
useless after it, and answers every failure with the same message (wrong name,
wrong password, locked or disabled account alike); only the brake on this client
address says how long to wait, which tells nothing about any account.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import csrf_token, verify_csrf
from bot.console.deps import SESSION_ACCOUNT, SESSION_EPOCH, CurrentAccount, runtime
from bot.console.i18n import COOKIE, UI_LANGUAGES
from bot.console.web import berlin, render
from bot.services import accounts
from bot.services.logins import LoginBraked

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/console/"
    return target


def home_for(role: str) -> str:
    return "/console/editor" if role == "editor" else "/console/inbox"


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    csrf_token(request)
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/console/",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    logins = runtime(request).logins
    address = request.client.host if request.client else "unknown"
    try:
        account = await logins.log_in(username, password, address, code)
    except (accounts.LoginFailed, LoginBraked) as failure:
        # one message for a wrong name, a wrong password, a locked or a disabled account
        braked = isinstance(failure, LoginBraked)
        context = {
            "next": _safe_next(next),
            "error": "login_braked" if braked else "login_failed",
            "until": berlin(failure.until, "%H:%M") if isinstance(failure, LoginBraked) else None,
        }
        return render(request, "login.html", context, status_code=429 if braked else 401)
    account_id, epoch, role = account.id, account.session_epoch, account.role
    request.session.clear()
    request.session[SESSION_ACCOUNT] = account_id
    request.session[SESSION_EPOCH] = epoch
    csrf_token(request)
    target = _safe_next(next)
    if target == "/console/":
        target = home_for(role)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session here and on the server: the epoch bump voids every cookie issued before (a copy too)."""
    account_id = request.session.get(SESSION_ACCOUNT)
    if account_id:
        async with runtime(request).db.transaction() as session:
            await accounts.end_sessions(session, int(account_id), request.session.get(SESSION_EPOCH))
    request.session.clear()
    return RedirectResponse("/console/login", status_code=303)


@router.get("/")
async def home(account: CurrentAccount) -> Response:
    return RedirectResponse(home_for(account.role), status_code=303)


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str) -> Response:
    back = _safe_next(request.headers.get("referer", "").split(request.url.netloc, 1)[-1] or None)
    response = RedirectResponse(back, status_code=303)
    if code in UI_LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="strict", httponly=True)
    return response
