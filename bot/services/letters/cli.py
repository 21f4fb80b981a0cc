"""`fairbot read-letter FILE`: the letter reader for scripts, tests and a counsellor's own machine.

Prints the kind, the dates, the amounts and the deadline (as the chat shows them, or as JSON).
Nothing is stored. A file the reader refuses is one line on stderr and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from bot.services.calculators.cli import DATE, UserError
from bot.services.calculators.render import render
from bot.services.calculators.working_days import DEFAULT_REGION, today_in_berlin
from bot.services.letters.ocr import MAX_BYTES, LetterFileError
from bot.services.letters.reader import read_letter
from bot.services.letters.render import lines_of


@click.command("read-letter")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", default="en", show_default=True, help="Language of the text (de, en, ar, …).")
@click.option("--json", "as_json", is_flag=True, help="Print the reading as one JSON object.")
@click.option("--text", "show_text", is_flag=True, help="Also print the text the reader found.")
@click.option("--today", type=DATE, default=None, help="Count days left from this day (default: today in Berlin).")
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="Federal state whose holidays count.")
def read_letter_command(
    file: Path, lang: str, as_json: bool, show_text: bool, today: dt.date | None, region: str
) -> None:
    """Read a letter (photo or PDF): its kind, dates, amounts and the deadline it starts."""
    if file.stat().st_size > MAX_BYTES:
        raise UserError(f"{file} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        reading = read_letter(file.read_bytes(), today or today_in_berlin(), region=region)
    except LetterFileError as error:
        raise UserError(f"{file}: {error.message}") from None
    if as_json:
        out = reading.to_dict() | ({"text": reading.text} if show_text else {})
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"kind: {reading.kind}")
    click.echo(f"letter date: {reading.facts.letter_date or '-'}")
    click.echo(f"dates: {', '.join(d.isoformat() for d in reading.facts.dates) or '-'}")
    amounts = ", ".join(f"{a.value} ({a.label})" if a.label else str(a.value) for a in reading.facts.amounts)
    click.echo(f"amounts: {amounts or '-'}")
    if reading.deadline is not None:
        click.echo(f"deadline (if received on {reading.assumed_received}):")
        click.echo(render(reading.deadline, lang, offer_advisor=False))
    else:
        click.echo("deadline: -")
    click.echo("")
    click.echo("\n".join(lines_of(reading, lang)))
    if show_text:
        click.echo("\n--- text ---\n" + reading.text)
