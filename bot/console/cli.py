"""`fairbot user ...`: console accounts from the command line.

There is no default account and no default password. The first admin is made
here: `fairbot user add alice --role admin` asks for the password twice, or
reads it from standard input with `--password-stdin` (for scripts; never as an
argument, where it would land in the shell history and the process list).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from bot.config import get_settings
from bot.errors import FairbotError
from bot.storage.db import Database

T = TypeVar("T")


class UserError(click.ClickException):
    """A mistake the person at the terminal can fix; exits 2, the project's convention for user errors."""

    exit_code = 2


def _run(action: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        db = Database(get_settings().effective_database_url)
        try:
            await db.migrate()
            return await action(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except FairbotError as error:
        raise UserError(error.message) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise click.ClickException("no password on standard input")
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group("user")
def user() -> None:
    """Manage console accounts (advisors, editors, admins)."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["advisor", "teamlead", "editor", "admin"]), default="advisor", show_default=True
)
@click.option("--region", default=None, help="Counselling centre region (default: FAIRBOT_REGION).")
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@click.option("--ui-lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--languages", default="", help="Languages the advisor speaks, e.g. de,en,ar.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(
    username: str,
    role: str,
    region: str | None,
    display_name: str,
    ui_lang: str,
    languages: str,
    password_stdin: bool,
) -> None:
    """Create an account; the password is asked for (or read from stdin), never taken as an argument."""
    from bot.services import accounts

    password = _read_password(password_stdin)
    region = region or get_settings().fairbot_region

    async def action(db: Database) -> str:
        async with db.transaction() as session:
            account = await accounts.create_account(
                session,
                username=username,
                password=password,
                role=role,
                region=region,
                display_name=display_name,
                ui_lang=ui_lang,
                languages=languages,
            )
            return account.username

    click.echo(f"created {_run(action)} ({role}, region {region})")


@user.command("list")
@click.option("--region", default=None, help="Only accounts of this region.")
def list_(region: str | None) -> None:
    """List accounts with role, region and whether they are disabled or locked."""
    from bot.services import accounts

    async def action(db: Database) -> list[accounts.AccountPublic]:
        async with db.session() as session:
            return await accounts.list_accounts(session, region)

    rows = _run(action)
    if not rows:
        click.echo("no accounts yet: create the first admin with `fairbot user add NAME --role admin`")
        return
    for row in rows:
        flags = ",".join(f for f, on in (("disabled", row.disabled), ("locked", row.locked)) if on)
        click.echo(f"{row.username}\t{row.role}\t{row.region}\t{row.display_name}\t{flags}")


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def passwd(username: str, password_stdin: bool) -> None:
    """Set a new password; unlocks the account and ends its open console sessions."""
    from bot.services import accounts

    password = _read_password(password_stdin)

    async def action(db: Database) -> None:
        async with db.transaction() as session:
            await accounts.set_password(session, username, password)

    _run(action)
    click.echo(f"password of {username} changed")


@user.command("totp")
@click.argument("username")
@click.option("--disable", "turn_off", is_flag=True, help="Turn the second factor off again.")
def totp(username: str, turn_off: bool) -> None:
    """Require a code from an authenticator app at login (recommended for admins); prints the setup link.

    Open the otpauth:// link on the phone (or type the secret into the app by hand). Every open
    session of the account ends; from now on the login form's code field is required for it.
    """
    from bot.services import accounts

    async def action(db: Database) -> str | None:
        async with db.transaction() as session:
            return await accounts.set_totp(session, username, not turn_off)

    uri = _run(action)
    if uri is None:
        click.echo(f"second factor of {username} turned off")
        return
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    click.echo(f"second factor of {username} turned on; add it to the authenticator app:\n{uri}\nsecret: {secret}")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable a disabled account instead.")
def disable(username: str, enable: bool) -> None:
    """Disable an account (it can no longer log in; open sessions end at once)."""
    from bot.services import accounts

    async def action(db: Database) -> None:
        async with db.transaction() as session:
            await accounts.set_disabled(session, username, not enable)

    _run(action)
    click.echo(f"{username} {'enabled' if enable else 'disabled'}")


@click.command("export")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the YAML files (default: FAIRBOT_ENTRIES_DIR, i.e. knowledge/entries).",
)
def export_command(directory: Path | None) -> None:
    """Write the entries the bot serves (YAML plus console-published revisions) back to YAML files.

    Run it after editing in the console and commit the result, so every content change
    is reviewable in git. Drafts are not exported; only published revisions are.
    """
    from bot.services.editorial import Editorial

    settings = get_settings()
    target = directory or settings.fairbot_entries_dir

    async def action(db: Database) -> list[Path]:
        async with db.session() as session:
            return await Editorial(settings).export(session, target)

    written = _run(action)
    click.echo(f"exported {len(written)} entries to {target}")
