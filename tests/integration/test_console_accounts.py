"""Console accounts on both backends: argon2 hashes, lock-out, password change ends sessions, audit trail."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.services import accounts
from bot.services.brakes import MemoryBrakes
from bot.services.logins import Logins
from bot.storage.db import Database
from bot.storage.models import Account, AuditEvent
from tests import backend

PASSWORD = "a-long-enough-password"


async def _add(db: Database, username: str = "bea", role: str = "advisor") -> None:
    async with db.transaction() as session:
        await accounts.create_account(session, username=username, password=PASSWORD, role=role)


async def test_password_is_stored_as_argon2_hash(db: Database) -> None:
    await _add(db, "Bea")
    async with db.session() as session:
        account = await session.scalar(select(Account))
    assert account is not None
    assert account.username == "bea"  # normalised
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


async def test_bad_input_is_refused_with_a_reason(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(accounts.AccountError, match="too short"):
            await accounts.create_account(session, username="x", password="short")
        with pytest.raises(accounts.AccountError, match="role"):
            await accounts.create_account(session, username="x", password=PASSWORD, role="root")
        with pytest.raises(accounts.AccountError, match="username"):
            await accounts.create_account(session, username="no spaces", password=PASSWORD)
    await _add(db)
    async with db.transaction() as session:
        with pytest.raises(accounts.AccountError, match="taken"):
            await accounts.create_account(session, username="BEA", password=PASSWORD)


def _logins(db: Database, concurrent_checks: int = 1) -> Logins:
    return Logins(db, MemoryBrakes(900), concurrent_checks=concurrent_checks)


async def _fail(logins: Logins, name: str, password: str, address: str) -> str:
    with pytest.raises(accounts.LoginFailed) as failure:
        await logins.log_in(name, password, address)
    return failure.value.reason


async def test_lockout_after_failures_from_many_addresses_then_unlock(db: Database) -> None:
    await _add(db)
    logins = _logins(db)
    reasons = [await _fail(logins, "bea", "wrong-password", f"10.0.0.{n}") for n in range(accounts.MAX_FAILED_LOGINS)]
    assert reasons == ["bad password"] * (accounts.MAX_FAILED_LOGINS - 1) + ["locked"]
    assert await _fail(logins, "bea", PASSWORD, "10.0.1.1") == "locked"  # the right password is refused
    async with db.transaction() as session:  # the lock expires
        account = await accounts.get_by_username(session, "bea")
        assert account is not None and account.locked_until is not None
        account.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    account = await logins.log_in("bea", PASSWORD, "10.0.1.1")
    assert account.failed_logins == 0 and account.locked_until is None
    async with db.session() as session:
        actions = [e.action for e in (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()]
    assert "login.lockout" in actions and "login.locked" in actions and actions[-1] == "login.ok"


async def test_concurrent_failures_are_all_counted(db: Database) -> None:
    """Finding 20: the counter is one UPDATE ... SET n = n + 1, so parallel failures cannot overwrite each other."""
    await _add(db)
    logins = _logins(db, concurrent_checks=8)
    attempts = 8
    reasons = await asyncio.gather(*(_fail(logins, "bea", "wrong", f"10.0.2.{n}") for n in range(attempts)))
    assert reasons == ["bad password"] * attempts
    async with db.session() as session:
        account = await accounts.get_by_username(session, "bea")
    assert account is not None and account.failed_logins == attempts


async def test_unknown_user_and_disabled_account_fail_alike(db: Database) -> None:
    await _add(db)
    async with db.transaction() as session:
        await accounts.set_disabled(session, "bea")
    logins = _logins(db)
    assert await _fail(logins, "bea", PASSWORD, "10.0.3.1") == "disabled"
    assert await _fail(logins, "nobody", PASSWORD, "10.0.3.1") == "unknown user"
    async with db.session() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    unknown = [e for e in events if e.action == "login.unknown"]
    assert len(unknown) == 1 and unknown[0].detail["ip"] == "10.0.3.1"
    assert "nobody" not in str(unknown[0].detail)  # a digest only: a typed name may be a mistyped password


async def test_password_change_bumps_the_session_epoch_and_unlocks(db: Database) -> None:
    await _add(db)
    async with db.transaction() as session:
        account = await accounts.get_by_username(session, "bea")
        assert account is not None
        before = account.session_epoch
        account.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    async with db.transaction() as session:
        account = await accounts.set_password(session, "bea", "another-long-password")
        assert account.session_epoch == before + 1
    await _logins(db).log_in("bea", "another-long-password", "10.0.4.1")


def test_cli_user_add_list_passwd_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console.cli import user

    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path))
    for name, value in backend.environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    result = runner.invoke(user, ["add", "ada", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(user, ["add", "bob", "--password-stdin"], input="short\n")
    assert result.exit_code == 2 and "too short" in result.output
    result = runner.invoke(user, ["add", "ada", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 2 and "taken" in result.output
    result = runner.invoke(user, ["passwd", "ada", "--password-stdin"], input="a-different-password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(user, ["disable", "ada"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(user, ["list"])
    assert listing.exit_code == 0
    assert "ada\tadmin\tni" in listing.output and "disabled" in listing.output
    # no password on the command line: prompted twice when not from stdin
    prompted = runner.invoke(user, ["add", "cem"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output


@pytest.mark.parametrize(
    "password", ["elevenchars", "password1234", "Passwort2024!", "qwertzuiop123", "Fairbot2024!", "bea123456789"]
)
async def test_short_and_common_passwords_are_refused(db: Database, password: str) -> None:
    """Finding 14: at least 12 characters, and none a guesser tries first (common, the organisation's, the name)."""
    async with db.transaction() as session:
        with pytest.raises(accounts.AccountError, match=r"too short|too easy"):
            await accounts.create_account(session, username="bea", password=password)
    async with db.transaction() as session:  # a passphrase of unrelated words passes
        await accounts.create_account(session, username="bea", password="tulpe-fahrrad-wolke-87")


async def test_a_second_factor_needs_a_fresh_code(db: Database) -> None:
    """Finding 14 (optional TOTP): the right password alone no longer logs in; a code works once."""
    import pyotp

    await _add(db, "ada", role="admin")
    async with db.transaction() as session:
        uri = await accounts.set_totp(session, "ada")
    assert uri is not None and uri.startswith("otpauth://totp/fairbot:ada?")
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    logins = _logins(db)
    assert await _fail(logins, "ada", PASSWORD, "10.0.5.1") == "bad code"  # no code
    assert await _fail(logins, "ada", "wrong-password", "10.0.5.2") == "bad password"
    code = pyotp.TOTP(secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(accounts.LoginFailed):
        await logins.log_in("ada", PASSWORD, "10.0.5.4", wrong)
    account = await logins.log_in("ada", PASSWORD, "10.0.5.5", code)
    assert account.username == "ada"
    assert await _fail_with_code(logins, "ada", PASSWORD, "10.0.5.6", code) == "bad code"  # a replay
    async with db.transaction() as session:
        assert await accounts.set_totp(session, "ada", False) is None
    assert (await logins.log_in("ada", PASSWORD, "10.0.5.7")).username == "ada"


async def _fail_with_code(logins: Logins, name: str, password: str, address: str, code: str) -> str:
    with pytest.raises(accounts.LoginFailed) as failure:
        await logins.log_in(name, password, address, code)
    return failure.value.reason


def test_cli_turns_the_second_factor_on_and_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console.cli import user

    monkeypatch.setenv("FAIRBOT_DATA_DIR", str(tmp_path))
    for name, value in backend.environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    assert (
        runner.invoke(user, ["add", "ada", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    )
    on = runner.invoke(user, ["totp", "ada"])
    assert on.exit_code == 0 and "otpauth://totp/fairbot:ada?secret=" in on.output and "secret: " in on.output
    off = runner.invoke(user, ["totp", "ada", "--disable"])
    assert off.exit_code == 0 and "turned off" in off.output
    unknown = runner.invoke(user, ["totp", "nobody"])
    assert unknown.exit_code == 2 and "no such user" in unknown.output


async def test_password_checks_do_not_pile_up(db: Database) -> None:
    """Finding 1: past `max_waiting` queued checks, logins are told to retry instead of queueing without end."""
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from bot.services.logins import LoginBraked

    await _add(db)
    slow = PasswordHasher(time_cost=60, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with db.transaction() as session:
        await session.execute(update(Account).where(Account.username == "bea").values(password_hash=slow))
    logins = Logins(db, MemoryBrakes(900), max_waiting=2)
    results = await asyncio.gather(
        *(logins.log_in("bea", "wrong-guess", f"10.0.6.{n}") for n in range(6)), return_exceptions=True
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds.count("LoginBraked") == 4 and kinds.count("LoginFailed") == 2, kinds
    assert all(isinstance(r, (LoginBraked, accounts.LoginFailed)) for r in results)
