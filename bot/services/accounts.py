"""Console accounts: creation, password checks with lock-out, roles, audit trail.

Passwords are hashed with argon2id (argon2-cffi defaults); the login itself
(brakes, the check off the event loop) is `bot.services.logins`. Failed logins
are counted per account; after `MAX_FAILED_LOGINS` from anywhere the account is
locked for `LOCKOUT` (the brakes per address hold a single guesser long before).
There is no default password: the first admin is created with
`fairbot user add --role admin`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput
from bot.storage.models import ROLES, Account, AuditEvent

MAX_FAILED_LOGINS = 20  # from all addresses together; one address is braked after 5 (bot.services.logins)
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
# Words a guesser tries first here, added to zxcvbn's (English) lists: the organisation's and German favourites.
DENY_WORDS = (
    *("fairbot", "faire", "integration", "beratung", "berater", "beraterin", "konsole", "console", "admin"),
    *("passwort", "kennwort", "geheim", "hallo", "willkommen", "sommer", "winter", "herbst", "schatz"),
    *("fussball", "deutschland", "niedersachsen", "hannover", "berlin", "arbeit", "migration"),
)
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")

hasher = PasswordHasher()
# verified against when the username is unknown, so response time does not reveal which accounts exist
DUMMY_HASH = hasher.hash("not-a-real-password-only-for-timing")


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


def aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def hash_password(password: str, *context: str) -> str:
    check_password_strength(password, *context)
    return hasher.hash(password)


def check_password_strength(password: str, *context: str) -> None:
    """At least 12 characters and not guessable: zxcvbn's lists of common passwords, names and words are
    the deny-list, with the account's own name and the organisation's words added (`context`)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise AccountError("password must not start or end with whitespace")
    from zxcvbn import zxcvbn  # loads its word lists (~0.5 s) on first use: only where passwords are set

    if zxcvbn(password[:100], user_inputs=[*DENY_WORDS, *(c for c in context if c)])["score"] < 3:
        raise AccountError(
            "password too easy to guess (a common password, a name or a word with digits): "
            "use a passphrase of three or four unrelated words"
        )


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
        password_hash=hash_password(password, name, display_name),
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


async def set_password(session: AsyncSession, username: str, password: str) -> Account:
    account = await _require(session, username)
    account.password_hash = hash_password(password, account.username, account.display_name)
    account.failed_logins = 0
    account.locked_until = None
    account.session_epoch = (account.session_epoch or 0) + 1
    await audit(session, None, "account.passwd", "account", account.id, region=account.region)
    return account


async def end_sessions(session: AsyncSession, account_id: int, epoch: int | None) -> None:
    """Logout: every session of the account issued so far stops working (only if `epoch` is still current)."""
    ended = await session.execute(
        update(Account)
        .where(Account.id == account_id, Account.session_epoch == epoch)
        .values(session_epoch=Account.session_epoch + 1)
    )
    if ended.rowcount:  # type: ignore[attr-defined]
        await audit(session, account_id, "logout", "account", account_id)


async def set_totp(session: AsyncSession, username: str, enabled: bool = True) -> str | None:
    """Turn the second factor on (a new secret: returns its otpauth:// URI for the authenticator app) or off."""
    import pyotp

    account = await _require(session, username)
    account.totp_secret = pyotp.random_base32() if enabled else None
    account.totp_last_step = None
    account.session_epoch = (account.session_epoch or 0) + 1  # sessions from before end either way
    await audit(session, None, "account.totp_on" if enabled else "account.totp_off", "account", account.id)
    if account.totp_secret is None:
        return None
    return pyotp.TOTP(account.totp_secret).provisioning_uri(name=account.username, issuer_name="fairbot")


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
            locked=bool(aware(a.locked_until) and aware(a.locked_until) > now),  # type: ignore[operator]
        )
        for a in rows
    ]


async def colleagues(session: AsyncSession, region: str, exclude_id: int | None = None) -> list[Account]:
    """Active advisors, team leads and admins of a region: the names a transcript shows.
    (Whom a conversation may be transferred to is narrower: `bot.services.team.transfer_targets`.)"""
    query = (
        select(Account)
        .where(
            Account.region == region,
            Account.disabled.is_(False),
            Account.role.in_(("advisor", "teamlead", "admin")),
        )
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


REASON_ERASED = "[erased with the conversation]"


async def forget_reasons(session: AsyncSession, conversation_ids: Sequence[int]) -> int:
    """Blank the free-text reasons of audit events about these conversations; how many were blanked.

    Why: an admin's reason for opening a conversation without consent ("she wrote her boss Mr X hits
    her, phone …") may describe the person, and the audit log outlives the conversation on purpose. On
    erasure and in the retention purge the fact of the access stays (who, when, which conversation id,
    `without_consent`), the text goes. Called in the deleting transaction, so both commit together.
    """
    blanked = 0
    keys = [str(i) for i in conversation_ids]
    for start in range(0, len(keys), 500):
        events = await session.scalars(
            select(AuditEvent).where(
                AuditEvent.target_type == "conversation", AuditEvent.target_id.in_(keys[start : start + 500])
            )
        )
        for event in events:
            if event.detail and "reason" in event.detail and event.detail["reason"] != REASON_ERASED:
                event.detail = {**event.detail, "reason": REASON_ERASED}  # a new dict: the JSON column is rewritten
                blanked += 1
    return blanked
