"""`fairbot index build|check|stats` and `fairbot kb check|stats`: content tooling for editors and CI.

Each command's docstring is its --help text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from bot.config import Settings, get_settings
from knowledge.content_rules import rule_problems, successors
from knowledge.encoders import load_encoder
from knowledge.index import IndexStore
from knowledge.intents import IntentCorpus, load_corpus_with_errors
from knowledge.loader import EntryError, load_entries_with_errors
from knowledge.schema import MAX_ANSWER_CHARS, SUPPORTED_LANGUAGES, Entry
from knowledge.service_fields import shown_length
from knowledge.settings import ENCODER_NAMES, EncoderName
from knowledge.topics import load_topics

SOON_DAYS = 30
REVIEW_MAX_DAYS = 365
MIN_QUESTIONS = 6

# Examples per core language a counsellor should keep in each corpus file (issue 11).
CORPUS_FLOOR = {
    "emergency": 120,
    "handoff": 120,
    "greeting": 120,
    "offtopic": 120,
    "question": 120,
    "hard_negative": 150,
}


def _settings() -> Settings:
    return get_settings()


def _load(settings: Settings) -> tuple[list[Entry], list[EntryError]]:
    return load_entries_with_errors(settings.fairbot_entries_dir, settings.fairbot_topics_file)


@click.group("index")
def index_group() -> None:
    """Build and inspect the vector index the bot answers from."""


@index_group.command("build")
@click.option("--force", is_flag=True, help="Write a new version even if no entry changed.")
@click.option(
    "--encoder",
    "encoder_name",
    type=click.Choice(ENCODER_NAMES),
    default=None,
    help="Backend to embed with (default: FAIRBOT_INDEX_ENCODER, onnx).",
)
def index_build(force: bool, encoder_name: EncoderName | None) -> None:
    """Embed changed entries and switch running bots to the new index version."""
    from bot.services.index_builds import build_index
    from knowledge.loader import EntryErrors

    settings = _settings()
    try:
        with _progress_bars() as progress:
            report = build_index(settings, force=force, encoder_name=encoder_name, progress=progress)
    except EntryErrors as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        raise click.ClickException(
            f"{len(exc.errors)} problem(s) in the entries; fix them (see `fairbot kb check`)"
        ) from None
    if report.unchanged:
        click.echo(f"index {report.version} is up to date ({report.entries} entries, {report.vectors} vectors)")
        return
    click.echo(
        f"index {report.version}: {report.entries} entries, {report.vectors} vectors, "
        f"{report.embedded} newly embedded in {report.seconds:.1f}s; changed: {len(report.changed_entries)}"
    )


@contextlib.contextmanager
def _progress_bars() -> Iterator[Callable[[str, int, int], None]]:
    """A bar per stage with counts, rate and time left (tqdm), on a terminal or when FAIRBOT_PROGRESS=1
    (`fairbot run` sets it for the first build it starts in a child process on a terminal)."""
    from tqdm import tqdm

    forced = os.environ.get("FAIRBOT_PROGRESS")
    disable = None if forced is None else forced != "1"  # None: tqdm decides (off unless a terminal)
    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"embedding {stage}", unit=" texts", disable=disable)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()  # the next stage's bar then starts on its own line

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


@index_group.command("check")
def index_check() -> None:
    """Verify that the current index exists, loads, and matches the entries on disk."""
    settings = _settings()
    store = IndexStore(settings.index_dir)
    try:
        loaded = store.load()
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    entries, errors = _load(settings)
    if errors:
        raise click.ClickException(f"{len(errors)} problem(s) in the entries; run `fairbot kb check`")
    on_disk = {e.id: e.content_hash() for e in entries}
    indexed = {k: v for k, v in loaded.manifest["entries"].items() if not k.startswith("@")}
    stale = sorted(k for k in on_disk if indexed.get(k) != on_disk[k])
    gone = sorted(set(indexed) - set(on_disk))
    encoder_model = load_encoder(settings.knowledge).model_id
    if loaded.manifest["model"] != encoder_model:
        raise click.ClickException(
            f"index built with {loaded.manifest['model']}, bot uses {encoder_model}; run `fairbot index build --force`"
        )
    if stale or gone:
        raise click.ClickException(
            f"index {loaded.version} is out of date (changed: {stale}, removed: {gone}); run `fairbot index build`"
        )
    click.echo(f"index {loaded.version} is current: {len(indexed)} entries, {loaded.index.ntotal} vectors")


@index_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_stats(as_json: bool) -> None:
    """Vectors per language and kind in the current index."""
    store = IndexStore(_settings().index_dir)
    try:
        loaded = store.load()
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    by = Counter((r.lang, r.kind) for r in loaded.rows)
    stats = {
        "version": loaded.version,
        "model": loaded.manifest["model"],
        "dimension": loaded.manifest["dimension"],
        "entries": len(loaded.entries),
        "vectors": loaded.index.ntotal,
        "by_language": {
            lang: {k: n for (lg, k), n in sorted(by.items()) if lg == lang} for lang in sorted({lg for lg, _ in by})
        },
    }
    click.echo(json.dumps(stats, indent=None if as_json else 1, ensure_ascii=False))


# ----------------------------------------------------------------------------- kb


@click.group("kb")
def kb_group() -> None:
    """Check and report on the knowledge base content."""


def content_problems(entries: list[Entry], today: dt.date) -> tuple[list[str], list[str]]:
    """Errors block publishing; warnings are listed for the editors."""
    errors: list[str] = []
    warnings: list[str] = []
    covered = {e.topic for e in entries}
    replaced = set(successors(entries))
    for topic in load_topics():
        if topic.id not in covered:
            errors.append(f"topic {topic.id}: no entry (every topic needs at least one)")
    for e in entries:
        where = f"{e.topic}/{e.id}"
        for lang in SUPPORTED_LANGUAGES:
            text = e.texts.get(lang)
            if text is None:
                errors.append(f"{where}: language {lang} missing")
                continue
            if (shown := shown_length(text.answer)) > MAX_ANSWER_CHARS:
                errors.append(f"{where} [{lang}]: answer has {shown} characters, at most {MAX_ANSWER_CHARS}")
            if len(text.questions) < MIN_QUESTIONS:
                warnings.append(
                    f"{where} [{lang}]: only {len(text.questions)} question variants (aim for {MIN_QUESTIONS}+)"
                )
        if not e.sources:
            errors.append(f"{where}: no sources")
        if (
            e.valid_until
            and e.id not in replaced
            and today <= e.valid_until
            and (e.valid_until - today).days <= SOON_DAYS
        ):
            warnings.append(
                f"{where}: expires on {e.valid_until} (in {(e.valid_until - today).days} days); prepare the successor"
            )
        if (today - e.reviewed).days > REVIEW_MAX_DAYS:
            warnings.append(f"{where}: last reviewed {e.reviewed}, more than 12 months ago; review it")
        if e.reviewed > today:
            errors.append(f"{where}: reviewed date {e.reviewed} is in the future")
    rule_errors, rule_warnings = rule_problems(entries, today)
    return [*errors, *rule_errors], [*warnings, *rule_warnings]


@kb_group.command("check")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Check as of this date.")
def kb_check(today: dt.datetime | None) -> None:
    """Validate every entry (format, topics, languages, lengths, sources, dates); exit 2 on errors."""
    settings = _settings()
    entries, errors = _load(settings)
    day = today.date() if today else dt.date.today()
    content_errors, warnings = content_problems(entries, day) if not errors else ([], [])
    corpus, corpus_errors = load_corpus_with_errors()
    problems: list[object] = [*errors, *content_errors, *corpus_errors]
    warnings = [*warnings, *corpus_coverage(corpus)]
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    total = len(problems)
    if total:
        click.echo(f"{total} error(s), {len(warnings)} warning(s) in {settings.fairbot_entries_dir}", err=True)
        sys.exit(2)
    click.echo(f"ok: {len(entries)} entries, {len(corpus.examples)} intent examples, {len(warnings)} warning(s)")


def corpus_coverage(corpus: IntentCorpus) -> list[str]:
    """What the decision layer lacks: every core language needs its share of every intent (issue 11's floor)."""
    counts = corpus.counts()
    return [
        f"knowledge/intents/corpus/{kind}/{lang}.yaml: {counts.get((kind, lang), 0)} examples, fewer than {floor}"
        for kind, floor in CORPUS_FLOOR.items()
        for lang in SUPPORTED_LANGUAGES
        if counts.get((kind, lang), 0) < floor
    ]


@kb_group.command("review-report")
@click.option("--output", type=click.Path(dir_okay=False), default="docs/content-review.md", show_default=True)
def kb_review_report(output: str) -> None:
    """Write the legal review report from the entries' review records."""
    from knowledge.review_report import review_report

    entries, errors = _load(_settings())
    if errors:
        raise click.ClickException(f"{len(errors)} problem(s) in the entries; run `fairbot kb check`")
    Path(output).write_text(review_report(entries), encoding="utf-8")
    click.echo(f"wrote {output}")


@kb_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def kb_stats(as_json: bool) -> None:
    """Coverage: entries, texts and question variants per topic and language."""
    entries, errors = _load(_settings())
    if errors:
        raise click.ClickException(f"{len(errors)} problem(s) in the entries; run `fairbot kb check`")
    table: dict[str, dict] = defaultdict(
        lambda: {"entries": 0, "questions": defaultdict(int), "texts": defaultdict(int)}
    )
    for e in entries:
        row = table[e.topic]
        row["entries"] += 1
        for lang, text in e.texts.items():
            row["texts"][lang] += 1
            row["questions"][lang] += len(text.questions)
    topics = [t.id for t in load_topics()]
    if as_json:
        click.echo(json.dumps({t: table[t] for t in topics}, ensure_ascii=False))
        return
    header = f"{'topic':28} {'entries':>7} " + " ".join(f"{lang:>4}" for lang in SUPPORTED_LANGUAGES)
    click.echo(header + "   (question variants per language)")
    for topic in topics:
        row = table[topic]
        cells = " ".join(f"{row['questions'].get(lang, 0):>4}" for lang in SUPPORTED_LANGUAGES)
        click.echo(f"{topic:28} {row['entries']:>7} {cells}")
    n_q = sum(sum(r["questions"].values()) for r in table.values())
    click.echo(
        f"total: {len(entries)} entries, {len(entries) * len(SUPPORTED_LANGUAGES)} texts, {n_q} question variants"
    )
