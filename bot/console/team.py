"""Languages and availability of advisors: each advisor's own page (`/console/me`) and the admin's
team page (`/console/team`). The rules (who may change what, the audit) are `bot.services.team`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, CurrentAdvisor, DatabaseDep
from bot.console.web import render
from bot.errors import InvalidInput
from bot.services import team
from bot.storage.db import Database
from bot.storage.models import AVAILABILITY, Account

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])


def _me_page(request: Request, account: Account, *, notice: str = "", error: str = "") -> Response:
    """The advisor's own form, with what the last save did (an error answers 400)."""
    context = {"me": team.member(account), "availabilities": AVAILABILITY, "notice": notice, "error": error}
    return render(request, "team/me.html", context, status_code=400 if error else 200)


async def _team_page(request: Request, db: Database, *, notice: str = "", error: str = "") -> Response:
    """The admin's team form, with what the last save did (an error answers 400)."""
    async with db.session() as session:
        members = await team.team(session)
    context = {"members": members, "availabilities": AVAILABILITY, "notice": notice, "error": error}
    return render(request, "team/team.html", context, status_code=400 if error else 200)


@router.get("/me")
async def my_status(request: Request, account: CurrentAdvisor, notice: str = "") -> Response:
    return _me_page(request, account, notice=notice)


@router.post("/me")
async def my_status_save(
    request: Request,
    account: CurrentAdvisor,
    db: DatabaseDep,
    languages: Annotated[str, Form()] = "",
    availability: Annotated[str, Form()] = "available",
) -> Response:
    try:
        async with db.transaction() as session:
            await team.update_member(session, account, account.id, languages=languages, availability=availability)
    except InvalidInput as error:
        return _me_page(request, account, error=error.message)
    return RedirectResponse("/console/me?notice=saved", status_code=303)


@router.get("/team")
async def team_page(request: Request, account: CurrentAdmin, db: DatabaseDep, notice: str = "") -> Response:
    return await _team_page(request, db, notice=notice)


@router.post("/team/{account_id}")
async def team_save(
    request: Request,
    account: CurrentAdmin,
    db: DatabaseDep,
    account_id: int,
    languages: Annotated[str, Form()] = "",
    availability: Annotated[str, Form()] = "available",
    advises: Annotated[str, Form()] = "",
) -> Response:
    try:
        async with db.transaction() as session:
            await team.update_member(
                session, account, account_id, languages=languages, availability=availability, advising=advises == "on"
            )
    except InvalidInput as error:
        return await _team_page(request, db, error=error.message)
    return RedirectResponse("/console/team?notice=saved", status_code=303)
