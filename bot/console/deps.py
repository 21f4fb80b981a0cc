"""FastAPI dependencies of the console: the database, the logged-in account and its role.

Modelled on full-stack-fastapi-template's `Annotated` aliases, so a route states
what it needs in its signature (`account: CurrentAdvisor`) and the check cannot
be forgotten in the body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.archive import Archive
from bot.services.editorial import EditorDesk, Editorial
from bot.services.inbox import Inbox
from bot.services.reporting import REPORT_ROLES
from bot.services.service_profile import ServiceProfileStore
from bot.storage.db import Database
from bot.storage.models import Account

SESSION_ACCOUNT = "aid"
SESSION_EPOCH = "epoch"


class LoginRequired(Exception):
    """Raised by the account dependencies; the app turns it into a redirect to the login page."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this page."""


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def runtime(request: Request) -> Any:
    """What the app's lifespan built (`bot.app.Runtime`: settings, db, bus, conversations, answers)."""
    return request.app.state.runtime


def get_database(request: Request) -> Database:
    return runtime(request).db


async def get_session(db: Annotated[Database, Depends(get_database)]) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def current_account(request: Request, session: SessionDep) -> Account:
    account_id = request.session.get(SESSION_ACCOUNT)
    if not account_id:
        raise LoginRequired
    account = await session.get(Account, int(account_id))
    # a password change or disable bumps the epoch: older cookies stop working at once
    if account is None or account.disabled or request.session.get(SESSION_EPOCH) != account.session_epoch:
        request.session.pop(SESSION_ACCOUNT, None)
        raise LoginRequired
    request.state.account = account
    return account


def _role(*roles: str) -> Any:
    async def check(account: Annotated[Account, Depends(current_account)]) -> Account:
        if account.role not in roles:
            raise Forbidden
        return account

    return check


CurrentAccount = Annotated[Account, Depends(current_account)]
# team leads are advisors who may also read colleagues' conversations (bot.services.visibility)
CurrentAdvisor = Annotated[Account, Depends(_role("advisor", "teamlead", "admin"))]
CurrentEditor = Annotated[Account, Depends(_role("editor", "admin"))]
CurrentAdmin = Annotated[Account, Depends(_role("admin"))]
CurrentReporter = Annotated[Account, Depends(_role(*REPORT_ROLES))]


def get_inbox(request: Request) -> Inbox:
    """The advisor inbox's use cases over the runtime's conversation core and database."""
    rt = runtime(request)
    return Inbox(rt.conversations, rt.db, ServiceProfileStore(rt.settings).values)


def get_editor_desk(request: Request) -> EditorDesk:
    """The editor console's use cases over the app's editorial service (it holds the baseline cache and
    the encoder) and the runtime's database, answer service and bus."""
    rt = runtime(request)
    editorial: Editorial = request.app.state.editorial
    return EditorDesk(editorial, rt.db, rt.answers, rt.bus)


def get_archive(request: Request) -> Archive:
    return Archive(runtime(request).db)


InboxDep = Annotated[Inbox, Depends(get_inbox)]
ArchiveDep = Annotated[Archive, Depends(get_archive)]
EditorDeskDep = Annotated[EditorDesk, Depends(get_editor_desk)]
