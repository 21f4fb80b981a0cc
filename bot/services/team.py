"""The advising team: who advises, in which languages, whether they are available, and whom a
conversation may be transferred to.

Why on the account: a colleague choosing whom to hand a conversation to needs to see at once who
speaks the person's language and who is at the desk (Chatwoot shows the same next to each agent).
The advisor sets their own; an admin may set anybody's, and decides whether an admin also advises.
Every change is audited without personal data (which fields changed, not to what).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.errors import InvalidInput, NotFound
from bot.services import accounts
from bot.storage.models import ADVISING_ROLES, AVAILABILITY, Account

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
MAX_LANGUAGES = 12


class NotYours(InvalidInput):
    """An advisor tried to change a colleague's languages or availability (only admins may)."""

    code = "not_yours"


@dataclass(frozen=True)
class TeamMember:
    """What a colleague sees of an advisor: name, languages, availability."""

    id: int
    display_name: str
    role: str
    languages: tuple[str, ...]
    availability: str
    advises: bool
    disabled: bool


def languages_of(account: Account) -> tuple[str, ...]:
    return tuple(code for code in (account.languages or "").split(",") if code)


def parse_languages(text: str) -> str:
    """Turn "de, EN ar" into "de,en,ar": ISO 639 codes, each once, in the order given."""
    codes: list[str] = []
    for part in re.split(r"[\s,;]+", (text or "").strip().lower()):
        if not part:
            continue
        if not LANGUAGE_CODE.match(part):
            raise InvalidInput(f"{part!r} is not a language code: use two or three letters such as de, ar, fa")
        if part not in codes:
            codes.append(part)
    if len(codes) > MAX_LANGUAGES:
        raise InvalidInput(f"at most {MAX_LANGUAGES} languages")
    return ",".join(codes)


def advises(account: Account) -> bool:
    """Advisors and team leads advise; an admin only when marked so (`Account.advises`)."""
    return account.role in ADVISING_ROLES or (account.role == "admin" and bool(account.advises))


def member(account: Account) -> TeamMember:
    return TeamMember(
        id=account.id,
        display_name=account.display_name,
        role=account.role,
        languages=languages_of(account),
        availability=account.availability or "available",
        advises=advises(account),
        disabled=account.disabled,
    )


def _advising() -> ColumnElement[bool]:
    return or_(Account.role.in_(ADVISING_ROLES), and_(Account.role == "admin", Account.advises.is_(True)))


async def transfer_targets(
    session: AsyncSession, region: str, *, exclude_id: int | None = None, language: str | None = None
) -> list[TeamMember]:
    """Active advising accounts of the region, the available ones and those who speak `language` first.

    No editors, no admins who do not advise, no disabled accounts: a conversation given to any of them
    would wait with nobody answering.
    """
    query = select(Account).where(Account.region == region, Account.disabled.is_(False), _advising())
    rows = [member(a) for a in (await session.scalars(query)).all() if a.id != exclude_id]
    rows.sort(key=lambda m: (m.availability != "available", language not in m.languages, m.display_name.lower()))
    return rows


async def team(session: AsyncSession, region: str | None = None) -> list[TeamMember]:
    """Everybody who advises or could (admins), for the admin's team page; `region` None: all regions."""
    query = select(Account).where(Account.role.in_((*ADVISING_ROLES, "admin"))).order_by(Account.display_name)
    if region:
        query = query.where(Account.region == region)
    return [member(a) for a in (await session.scalars(query)).all()]


async def update_member(
    session: AsyncSession,
    actor: Account,
    target_id: int,
    *,
    languages: str | None = None,
    availability: str | None = None,
    advising: bool | None = None,
) -> TeamMember:
    """Change languages / availability (the advisor or an admin) and, for an admin account, whether it
    advises (admins only). Audited with the names of the changed fields."""
    if actor.id != target_id and actor.role != "admin":
        raise NotYours("only admins change a colleague's languages and availability")
    target = await session.get(Account, target_id)
    if target is None:
        raise NotFound(f"account {target_id} does not exist")
    changed: list[str] = []
    if languages is not None:
        parsed = parse_languages(languages)
        if parsed != (target.languages or ""):
            target.languages = parsed
            changed.append("languages")
    if availability is not None:
        if availability not in AVAILABILITY:
            raise InvalidInput(f"availability must be one of {', '.join(AVAILABILITY)}")
        if availability != target.availability:
            target.availability = availability
            changed.append("availability")
    if advising is not None and target.role == "admin" and bool(target.advises) != advising:
        if actor.role != "admin":
            raise NotYours("only admins decide whether an admin advises")
        target.advises = advising
        changed.append("advises")
    if changed:
        await accounts.audit(
            session, actor.id, "account.team", "account", target.id, region=target.region, fields=changed
        )
    return member(target)
