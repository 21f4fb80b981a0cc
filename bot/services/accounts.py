"""Console accounts: creation, password checks with lock-out, roles, audit trail.

Passwords are hashed with argon2id (argon2-cffi defaults). Failed logins are
counted per account; after `MAX_FAILED_LOGINS` in a row the account is locked
for `LOCKOUT`, so guessing a password from the login form is impractically slow
while a forgetful advisor is only delayed. There is no default password: the
first admin is created with `fairbot user add --role admin`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput
from bot.storage.models import ROLES, Account, AuditEvent

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")

_hasher = PasswordHasher()
# verified against when the username is unknown, so response time does not reveal which accounts exist
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class AccountError(InvalidInput):
    """A user-facing problem with account data (the CLI prints it, the console shows it)."""


class LoginFailed(Exception):
    """Wrong credentials, disabled or locked account; `reason` is for logs, never shown verbatim."""

    def __init__(self, reason: str, locked_until: dt.datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until


@dataclass(frozen=True)
class AccountPublic:
    id: int
    username: str
    display_name: str
    role: str
    region: str
    disabled: bool
    locked: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise AccountError("password must not start or end with whitespace")


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not set(name) <= USERNAME_CHARS:
        raise AccountError("username: 1-64 characters from a-z, 0-9 and . _ - @")
    return name


async def get_by_username(session: AsyncSession, username: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.username == username.strip().lower()))


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str = "advisor",
    region: str = "ni",
    display_name: str = "",
    ui_lang: str = "de",
    languages: str = "",
) -> Account:
    name = normalise_username(username)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if await get_by_username(session, name) is not None:
        raise AccountError(f"username {name!r} is taken")
    account = Account(
        username=name,
        display_name=display_name.strip() or name,
        password_hash=hash_password(password),
        role=role,
        region=region,
        ui_lang=ui_lang if ui_lang in ("de", "en") else "de",
        languages=languages,
        disabled=False,
        failed_logins=0,
        session_epoch=0,
    )
    session.add(account)
    await session.flush()
    await audit(session, account.id, "account.create", "account", account.id, region=region, role=role)
    return account


async def authenticate(session: AsyncSession, username: str, password: str) -> Account:
    """Return the account or raise `LoginFailed`; counts failures and locks after too many."""
    now = _now()
    account = await get_by_username(session, username)
    if account is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise LoginFailed("unknown user")
    locked_until = _aware(account.locked_until)
    if locked_until is not None and locked_until > now:
        await audit(session, account.id, "login.locked", "account", account.id, region=account.region)
        raise LoginFailed("locked", locked_until)
    try:
        _hasher.verify(account.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        account.failed_logins = (account.failed_logins or 0) + 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCKOUT
            account.failed_logins = 0
            await audit(session, account.id, "login.lockout", "account", account.id, region=account.region)
            raise LoginFailed("locked", account.locked_until) from None
        await audit(session, account.id, "login.failed", "account", account.id, region=account.region)
        raise LoginFailed("bad password") from None
    if account.disabled:
        raise LoginFailed("disabled")
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    await audit(session, account.id, "login.ok", "account", account.id, region=account.region)
    return account


async def set_password(session: AsyncSession, username: str, password: str) -> Account:
    account = await _require(session, username)
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    account.session_epoch = (account.session_epoch or 0) + 1
    await audit(session, None, "account.passwd", "account", account.id, region=account.region)
    return account


async def set_disabled(session: AsyncSession, username: str, disabled: bool = True) -> Account:
    account = await _require(session, username)
    account.disabled = disabled
    account.session_epoch = (account.session_epoch or 0) + 1
    await audit(session, None, "account.disable" if disabled else "account.enable", "account", account.id)
    return account


async def list_accounts(session: AsyncSession, region: str | None = None) -> list[AccountPublic]:
    query = select(Account).order_by(Account.username)
    if region:
        query = query.where(Account.region == region)
    now = _now()
    rows = (await session.scalars(query)).all()
    return [
        AccountPublic(
            id=a.id,
            username=a.username,
            display_name=a.display_name,
            role=a.role,
            region=a.region,
            disabled=a.disabled,
            locked=bool(_aware(a.locked_until) and _aware(a.locked_until) > now),  # type: ignore[operator]
        )
        for a in rows
    ]


async def colleagues(session: AsyncSession, region: str, exclude_id: int | None = None) -> list[Account]:
    """Active advisors and admins of a region: the people a conversation can be transferred to."""
    query = (
        select(Account)
        .where(Account.region == region, Account.disabled.is_(False), Account.role.in_(("advisor", "admin")))
        .order_by(Account.display_name)
    )
    rows = (await session.scalars(query)).all()
    return [a for a in rows if a.id != exclude_id]


async def _require(session: AsyncSession, username: str) -> Account:
    account = await get_by_username(session, username)
    if account is None:
        raise AccountError(f"no such user {username!r}")
    return account


async def audit(
    session: AsyncSession,
    account_id: int | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    *,
    region: str = "ni",
    **detail: Any,
) -> None:
    """Append one audit event in the caller's transaction (it commits with the action it records)."""
    session.add(
        AuditEvent(
            account_id=account_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            region=region,
            detail={k: v for k, v in detail.items() if v is not None},
            at=_now(),
        )
    )


async def audit_log(session: AsyncSession, *, action: str | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list((await session.scalars(query)).all())
