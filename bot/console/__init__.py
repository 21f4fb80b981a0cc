"""The advisor and editor console and the web chat: one FastAPI add-on, mounted by `include_console(app)`.

`create_app` puts `settings` on `app.state`, and its lifespan builds
`app.state.runtime` (`bot.app.Runtime`: db, bus, conversations, answers).
The console adds its own: the editorial service and the signing secret.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

SESSION_COOKIE = "fairbot_console"
SESSION_MAX_AGE = 12 * 3600  # a working day; the cookie is signed, the server re-checks the account each time


def include_console(app: FastAPI) -> None:
    from bot.console import (
        advisors,
        archive,
        auth,
        canned,
        chat,
        chat_calendar,
        chat_letters,
        editors,
        people,
        profile,
        reports,
        team,
    )
    from bot.console.deps import Forbidden, LoginRequired
    from bot.console.security import SecurityHeadersMiddleware, load_secret_key
    from bot.console.web import STATIC_DIR, render
    from bot.errors import FairbotError, NotFound
    from bot.services.editorial import Editorial

    settings = app.state.settings
    configured = settings.fairbot_secret_key.get_secret_value() if settings.fairbot_secret_key else None
    secret = load_secret_key(configured, settings.fairbot_data_dir)
    app.state.console_secret = secret
    app.state.editorial = Editorial(settings)

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="strict",
        https_only=settings.console_https_only,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.include_router(auth.router)
    app.include_router(advisors.router)
    app.include_router(editors.router)
    app.include_router(chat.router)
    app.include_router(chat_letters.router)
    app.include_router(chat_calendar.router)
    app.include_router(profile.router)
    app.include_router(people.router)
    app.include_router(reports.router)
    app.include_router(archive.router)
    app.include_router(team.router)
    app.include_router(canned.router)

    @app.get("/", include_in_schema=False)
    async def _root() -> Response:
        """The web chat is what `fairbot run` shows first: the whole system, no Telegram token needed."""
        return RedirectResponse("/chat", status_code=307)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = "/console/login"
        if request.method == "GET" and not request.headers.get("hx-request"):
            target += f"?next={request.url.path}"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return render(request, "error.html", {"message_key": "forbidden"}, status_code=403)

    # An id that names nothing is a page that does not exist (404), on every route, never a 500.
    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return render(request, "error.html", {"message": exc.message}, status_code=404)

    @app.exception_handler(FairbotError)
    async def _refused(request: Request, exc: FairbotError) -> Response:
        return render(request, "error.html", {"message": exc.message}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if all(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return render(request, "error.html", {"message_key": "not_found"}, status_code=404)
        return await request_validation_exception_handler(request, exc)
