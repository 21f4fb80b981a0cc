"""Console login: the password check off the event loop, brakes per address and name, uniform failures.

The argon2 check costs ~0.3 s of CPU. It runs in a worker thread (argon2 releases the GIL),
one at a time per process, and outside any database transaction, so logins (honest or
not) never stall the web chat or hold SQLite's single writer. Failures are braked before
that cost is paid: per client address and per (address, name). The name brake counts typed
names, known or not, and every failure looks the same (message, and an argon2 check for
unknown names too), so the login form does not tell which accounts exist. An attacker
cannot lock an advisor out from elsewhere either: the brakes hold the attacker's address;
the account itself locks only after `accounts.MAX_FAILED_LOGINS` failures from many
addresses (its counter is one atomic UPDATE, so concurrent failures cannot race past it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from bot.config import Settings
from bot.services import accounts
from bot.services.brakes import Brakes, create_brakes
from bot.storage.db import Database
from bot.storage.models import Account, utcnow

log = logging.getLogger(__name__)


BUSY_RETRY_SECONDS = 10


class LoginBraked(Exception):
    """Too many failures from this address (or for this name from it): no password is checked until `until`."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__("braked")
        self.until = until


def _name_key(name: str) -> str:
    """Typed names may be mistyped passwords: counters and the audit log keep only a digest."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


class Logins:
    """Checks console passwords; one per process (its brakes and its one-at-a-time password check)."""

    def __init__(
        self,
        db: Database,
        brakes: Brakes,
        *,
        per_address: int = 10,
        per_name: int = 5,
        concurrent_checks: int = 1,
        max_waiting: int = 20,
    ) -> None:
        self.db = db
        self.brakes = brakes
        self.per_address = per_address
        self.per_name = per_name
        self._checks = asyncio.Semaphore(concurrent_checks)
        # Logins from many addresses at once queue for the check; past this many waiting, the next ones
        # are told to retry in a few seconds instead of piling up (each queued login holds a request).
        self.max_waiting = max_waiting
        self._waiting = 0

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Logins:
        brakes = create_brakes(
            settings.redis_url, 60.0 * settings.login_brake_minutes, settings.redis_key_prefix + "logins:"
        )
        return cls(
            db,
            brakes,
            per_address=settings.login_failures_per_address,
            per_name=settings.login_failures_per_name,
        )

    async def close(self) -> None:
        await self.brakes.close()

    async def _braked_until(self, address: str, name_key: str) -> dt.datetime | None:
        wait = 0.0
        for key, limit in ((f"ip:{address}", self.per_address), (f"name:{address}:{name_key}", self.per_name)):
            count, left = await self.brakes.count(key)
            if count >= limit:
                wait = max(wait, left)
        return utcnow() + dt.timedelta(seconds=wait) if wait > 0 else None

    async def _check(self, password_hash: str, password: str) -> bool:
        if self._waiting >= self.max_waiting:
            log.warning("login_checks_busy")
            raise LoginBraked(utcnow() + dt.timedelta(seconds=BUSY_RETRY_SECONDS))
        self._waiting += 1
        try:
            async with self._checks:
                return await asyncio.to_thread(accounts.hasher.verify, password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        finally:
            self._waiting -= 1

    async def log_in(self, username: str, password: str, address: str, code: str = "") -> Account:
        """The account, or `accounts.LoginFailed` (any reason, shown alike) or `LoginBraked`.

        `code`: the authenticator app's code, needed when the account has a second factor.
        """
        name = username.strip().lower()[:64]
        name_key = _name_key(name)
        until = await self._braked_until(address, name_key)
        if until is not None:
            log.warning("login_braked")
            raise LoginBraked(until)
        async with self.db.session() as session:
            account = await session.scalar(select(Account).where(Account.username == name))
        ok = await self._check(account.password_hash if account else accounts.DUMMY_HASH, password)
        now = utcnow()
        locked_until = accounts.aware(account.locked_until) if account else None
        locked = locked_until is not None and locked_until > now
        if account is None or not ok or locked or account.disabled or not await self._second_factor(account, code):
            await self.brakes.add(f"ip:{address}")
            await self.brakes.add(f"name:{address}:{name_key}")
            reason = await self._record_failure(account, ok, locked, address, name_key)
            raise accounts.LoginFailed(reason)
        new_hash = None
        if accounts.hasher.check_needs_rehash(account.password_hash):
            new_hash = await asyncio.to_thread(accounts.hasher.hash, password)
        async with self.db.transaction() as session:
            values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if new_hash is not None:
                values["password_hash"] = new_hash
            await session.execute(update(Account).where(Account.id == account.id).values(**values))
            await accounts.audit(session, account.id, "login.ok", "account", account.id, region=account.region)
            account = await session.get(Account, account.id, populate_existing=True)
        assert account is not None
        await self.brakes.reset(f"name:{address}:{name_key}")
        return account

    async def _second_factor(self, account: Account, code: str) -> bool:
        """No second factor set up, or a current code not used before (its time step is claimed atomically)."""
        if not account.totp_secret:
            return True
        import pyotp

        totp = pyotp.TOTP(account.totp_secret)
        code = "".join(code.split())
        now = utcnow()
        for drift in (0, -1, 1):  # a clock up to one step off still works
            moment = now + dt.timedelta(seconds=drift * totp.interval)
            if code and hmac.compare_digest(totp.at(moment), code):
                step = totp.timecode(moment)
                async with self.db.transaction() as session:
                    claimed = await session.execute(
                        update(Account)
                        .where(
                            Account.id == account.id,
                            (Account.totp_last_step.is_(None)) | (Account.totp_last_step < step),
                        )
                        .values(totp_last_step=step)
                    )
                return bool(claimed.rowcount)  # type: ignore[attr-defined]
        return False

    async def _record_failure(
        self, account: Account | None, password_ok: bool, locked: bool, address: str, name_key: str
    ) -> str:
        """One short transaction: the audit entry and, for a wrong password or code, the atomic failure count."""
        async with self.db.transaction() as session:
            if account is None:
                await accounts.audit(session, None, "login.unknown", "account", "", ip=address, name=name_key)
                return "unknown user"
            region = account.region
            if locked:
                await accounts.audit(session, account.id, "login.locked", "account", account.id, region=region)
                return "locked"
            if password_ok and account.disabled:
                await accounts.audit(session, account.id, "login.disabled", "account", account.id, region=region)
                return "disabled"
            # a wrong password, or the right one with a wrong second-factor code: both are guesses
            action, reason = ("login.bad_code", "bad code") if password_ok else ("login.failed", "bad password")
            count = await session.scalar(
                update(Account)
                .where(Account.id == account.id)
                .values(failed_logins=Account.failed_logins + 1)
                .returning(Account.failed_logins)
            )
            if (count or 0) >= accounts.MAX_FAILED_LOGINS:
                locked_now = await session.execute(
                    update(Account)
                    .where(Account.id == account.id, Account.failed_logins >= accounts.MAX_FAILED_LOGINS)
                    .values(failed_logins=0, locked_until=utcnow() + accounts.LOCKOUT)
                )
                if locked_now.rowcount:  # type: ignore[attr-defined]
                    await accounts.audit(session, account.id, "login.lockout", "account", account.id, region=region)
                    return "locked"
            await accounts.audit(session, account.id, action, "account", account.id, region=region, ip=address)
            return reason
