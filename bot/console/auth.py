"""Login, logout and the console's language switch.

Login rotates the session (clear, then set) so a session id fixed before login is
useless after it, and answers every failure with the same message except the
lock-out, which tells the advisor how long to wait.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import csrf_token, verify_csrf
from bot.console.deps import SESSION_ACCOUNT, SESSION_EPOCH, CurrentAccount, DatabaseDep
from bot.console.i18n import COOKIE, UI_LANGUAGES
from bot.console.web import berlin, render
from bot.services import accounts

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
    db: DatabaseDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    failure: accounts.LoginFailed | None = None
    async with db.transaction() as session:
        try:
            account = await accounts.authenticate(session, username, password)
            account_id, epoch, role = account.id, account.session_epoch, account.role
        except accounts.LoginFailed as error:
            failure = error  # caught inside the transaction, so the failure counter is committed
    if failure is not None:
        until = berlin(failure.locked_until, "%H:%M") if failure.reason == "locked" else None
        error_key = "login_locked" if until else "login_failed"
        context = {"next": _safe_next(next), "error": error_key, "until": until}
        return render(request, "login.html", context, status_code=401)
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
