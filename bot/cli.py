"""The `fairbot` command. Each command's docstring is its --help text.

User errors become one line on stderr (click's ClickException); invalid settings
exit with code 2 before any command runs. Nothing here holds logic of its own
beyond presentation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections import defaultdict
from typing import TYPE_CHECKING, TextIO

import click
from pydantic import ValidationError

from bot.config import get_settings, settings_error
from bot.logs import configure_logging
from bot.services.calculators.cli import deadline_group
from bot.services.letters.cli import read_letter_command
from bot.storage.cli import db_group
from indexer.cli import index_group, kb_group

if TYPE_CHECKING:
    from bot.services.answers import AnswerService


def _answer_service() -> AnswerService:
    """Imported lazily: loading the model is the slow part of every command."""
    from bot.services.answers import AnswerService

    try:
        return AnswerService.from_settings(get_settings())
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


class InvalidSettings(click.ClickException):
    """The environment or .env holds a bad setting: one line naming it, exit code 2, no traceback."""

    exit_code = 2


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            if exc.title != "Settings":
                raise
            raise InvalidSettings(settings_error(exc)) from None


@click.group(cls=_Commands)
@click.version_option(package_name="fairbot")
def main() -> None:
    """fairbot – the counselling chatbot of Faire Integration."""
    if not logging.getLogger().handlers:  # a host (pytest, an embedding program) may have configured its own
        configure_logging(get_settings().fairbot_log_level)


main.add_command(index_group)
main.add_command(kb_group)
main.add_command(deadline_group)
main.add_command(read_letter_command)
main.add_command(db_group)


def _register_optional_commands() -> None:
    """The console adds `user` and `kb export`; they live with the console's services."""
    try:
        from bot.console.cli import user

        main.add_command(user)
    except ImportError:  # pragma: no cover - console not installed
        pass
    try:
        from bot.console.cli import export_command

        kb_group.add_command(export_command, "export")
    except ImportError:  # pragma: no cover
        pass


_register_optional_commands()


@main.command()
@click.argument("text", required=False)
@click.option("--lang", default=None, help="Answer in this language (as if the person had chosen it).")
def ask(text: str | None, lang: str | None) -> None:
    """Answer TEXT like the bot would, with the ranking and scores; without TEXT, ask in a loop."""
    service = _answer_service()

    def one(question: str) -> None:
        reply = service.respond(question, chosen_lang=lang)
        click.echo(f"action: {reply.action}   language: {reply.lang} (answer in {reply.answer_lang})")
        for rank, topic in enumerate(reply.topics, 1):
            click.echo(f"  {rank}. {topic.topic:28} {topic.score:.3f}  {topic.entry_id}")
        click.echo("")
        click.echo(reply.html)
        click.echo("")

    if text:
        one(text)
        return
    click.echo("Ask a question (empty line or Ctrl-D to quit).")
    for line in sys.stdin:
        if not line.strip():
            break
        one(line.strip())


def _read_questions(stream: TextIO, name: str) -> list[dict]:
    rows = []
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if not line or not line.startswith("{"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(
                f"{name}:{number}: not JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        if "id" not in row or "text" not in row:
            raise click.ClickException(f"{name}:{number}: needs the keys 'id' and 'text'")
        rows.append(row)
    return rows


@main.command("eval")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question (the contract of eval/README.md).")
def eval_command(file: TextIO, as_json: bool) -> None:
    """Run every question of FILE (JSONL) through the bot's decision, as the first message of a conversation."""
    questions = _read_questions(file, file.name)
    service = _answer_service()
    outputs = []
    for q in questions:
        reply = service.respond(q["text"])
        out = {
            "id": q["id"],
            "action": reply.action,
            "topics": [t.topic for t in reply.topics],
            "lang": reply.lang,
            "scores": [t.score for t in reply.topics],
            "entry_id": reply.entry_id,
        }
        outputs.append(out)
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False))
    if not as_json:
        _print_report(questions, outputs)


def _print_report(questions: list[dict], outputs: list[dict]) -> None:
    topic: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    action: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    lang_hits = 0
    misses = []
    for q, o in zip(questions, outputs, strict=True):
        lang_hits += o["lang"] == q.get("lang")
        want = q.get("expect", {})
        if "topic" in want:
            row = topic[q.get("lang", "?")]
            row[0] += 1
            top1 = o["action"] == "answer" and o["topics"][:1] == [want["topic"]]
            row[1] += top1
            row[2] += want["topic"] in o["topics"][:3]
            if not top1:
                misses.append(f"{q['id']} [{q.get('lang')}] want {want['topic']}, got {o['action']} {o['topics'][:1]}")
        elif "action" in want:
            row = action[want["action"]]
            row[0] += 1
            row[1] += o["action"] == want["action"]
            if o["action"] != want["action"]:
                misses.append(f"{q['id']} [{q.get('lang')}] want {want['action']}, got {o['action']} {o['topics'][:1]}")
    n = sum(r[0] for r in topic.values())
    if n:
        click.echo(
            f"top-1 {sum(r[1] for r in topic.values()) / n:.3f}   top-3 {sum(r[2] for r in topic.values()) / n:.3f}   ({n} topic questions)"
        )
        for lang, (count, top1, _) in sorted(topic.items()):
            click.echo(f"  {lang}: top-1 {top1 / count:.3f} ({count})")
    for name, (count, hits) in sorted(action.items()):
        click.echo(f"{name}: {hits / count:.3f} ({count})")
    if questions:
        click.echo(f"language: {lang_hits / len(questions):.3f}")
    if misses:
        click.echo("\nmisses:")
        for miss in misses:
            click.echo(f"  {miss}")


@main.command()
def doctor() -> None:
    """Check the environment (Python, database, Redis, index, model, Chromium, Tesseract); exit 1 if a required check fails."""
    from bot.doctor import report_lines, run_checks

    results = run_checks(get_settings())
    for line in report_lines(results):
        click.echo(line)
    if any(not check.ok and check.required for check in results):
        sys.exit(1)


@main.command()
@click.option("--host", default=None, help="Bind address (default FAIRBOT_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default FAIRBOT_PORT, 8000).")
def run(host: str | None, port: int | None) -> None:
    """Serve the web chat and the console (http://127.0.0.1:8000); Telegram too when TELEGRAM_BOT_TOKEN is set."""
    from bot.app import serve
    from bot.errors import ConfigError

    settings = get_settings()
    try:
        serve(settings, host=host, port=port)
    except ConfigError as error:  # settings the app refuses to run with (bot.app.check_startup)
        raise InvalidSettings(error.message) from None


@main.command()
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Purge as if today were DATE (YYYY-MM-DD); default today.",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def purge(as_of: dt.datetime | None, dry_run: bool) -> None:
    """Delete conversations and people past RETENTION_DAYS of inactivity (the running bot does it hourly)."""
    import asyncio

    from bot import events
    from bot.services import retention
    from bot.storage.db import Database

    settings = get_settings()
    now = as_of.replace(tzinfo=dt.UTC) if as_of is not None else None

    async def run() -> retention.PurgeCounts:
        db = Database(settings.effective_database_url)
        bus = events.create_event_bus(
            settings.redis_url, settings.redis_key_prefix
        )  # the console replicas drop the closed ones at once
        try:
            await db.migrate()
            return await retention.purge(db, settings.retention_days, now=now, dry_run=dry_run, bus=bus)
        finally:
            await bus.close()
            await db.dispose()

    counts = asyncio.run(run())
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {counts.conversations} conversations ({counts.closed_first} closed first, still with an advisor), "
        f"{counts.messages} messages, {counts.people} people, {counts.reminders} reminders; "
        f"retention {settings.retention_days} days"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
