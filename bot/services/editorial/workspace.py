"""The editor workspace: one status row per entry (languages missing or stale, expiry, review due, drafts),
the filters of the workspace page, and the values of the per-language edit form."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.editorial.baseline import BaselineCache
from bot.services.editorial.revisions import entry_dict, today
from bot.storage.models import REVISION_DRAFT, REVISION_PUBLISHED, EntryRevision
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES

EXPIRING_WITHIN = dt.timedelta(days=30)
REVIEW_EVERY = dt.timedelta(days=365)
STATE_FILTERS = ("all", "missing", "stale", "expired", "expiring", "review", "draft")


@dataclass
class LangStatus:
    lang: str
    missing: bool = False
    stale: bool = False  # the German text changed after this translation


@dataclass
class EntryStatus:
    """One row of the editor workspace."""

    entry_id: str
    topic: str
    title: str
    data: dict[str, Any]
    source: str  # yaml | published | draft-only
    has_draft: bool = False
    expired: bool = False
    expiring: bool = False
    review_due: bool = False
    live: bool = False  # the bot serves a published version of it today
    valid_from: dt.date | None = None  # of the served version: published, but the bot waits until this day
    langs: dict[str, LangStatus] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [lang for lang, s in self.langs.items() if s.missing]

    @property
    def stale(self) -> list[str]:
        return [lang for lang, s in self.langs.items() if s.stale]

    def contains(self, query: str) -> bool:
        """Whether a search text occurs in the id, topic or any language's title, questions or answer
        (case-insensitive), so an editor finds an entry by the words a person would use."""
        needle = query.strip().casefold()
        if not needle:
            return True
        haystack = [self.entry_id, self.topic]
        for text in (self.data.get("texts") or {}).values():
            haystack += [str(text.get("title", "")), str(text.get("answer", "")), *map(str, text.get("questions", []))]
        return any(needle in part.casefold() for part in haystack)

    def matches(self, state: str, lang: str | None) -> bool:
        """Whether the row belongs under a state filter of the workspace page (for one language, or any)."""
        langs = [lang] if lang else list(SUPPORTED_LANGUAGES)
        return {
            "all": True,
            "missing": any(self.langs[code].missing for code in langs),
            "stale": any(self.langs[code].stale for code in langs),
            "expired": self.expired,
            "expiring": self.expiring,
            "review": self.review_due,
            "draft": self.has_draft,
        }.get(state, True)


def _text_of(data: dict[str, Any], lang: str) -> dict[str, Any] | None:
    text = (data.get("texts") or {}).get(lang)
    if not text or not str(text.get("answer", "")).strip() or not str(text.get("title", "")).strip():
        return None
    return dict(text)


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _text_change_times(revs: Sequence[EntryRevision], baseline: dict[str, Any] | None) -> dict[str, dt.datetime]:
    """When each language's text last changed, from the revision history (starting from the YAML baseline)."""
    changed: dict[str, dt.datetime] = {}
    previous: dict[str, Any] = dict((baseline or {}).get("texts") or {})
    for index, rev in enumerate(revs):
        texts = (rev.data or {}).get("texts") or {}
        for lang, text in texts.items():
            if (previous or index) and previous.get(lang) != text:
                changed[lang] = rev.created_at
        previous = texts
    return changed


async def workspace(session: AsyncSession, cache: BaselineCache) -> list[EntryStatus]:
    baseline = await cache.get()
    all_revs = (await session.scalars(select(EntryRevision).order_by(EntryRevision.id))).all()
    by_entry: dict[str, list[EntryRevision]] = defaultdict(list)
    for rev in all_revs:
        by_entry[rev.entry_id].append(rev)
    now = today()
    rows: list[EntryStatus] = []
    for entry_id in sorted(set(baseline) | set(by_entry)):
        revs = by_entry.get(entry_id, [])
        if revs:
            data, source = dict(revs[-1].data), ("draft-only" if entry_id not in baseline else revs[-1].state)
        else:
            data, source = entry_dict(baseline[entry_id]), "yaml"
        de = _text_of(data, SOURCE_LANGUAGE) or _text_of(data, "en") or {}
        status = EntryStatus(
            entry_id=entry_id,
            topic=str(data.get("topic", "")),
            title=str(de.get("title", entry_id)),
            data=data,
            source=source,
            has_draft=bool(revs) and revs[-1].state == REVISION_DRAFT,
        )
        valid_until = _as_date(data.get("valid_until"))
        if valid_until:
            status.expired = valid_until < now
            status.expiring = not status.expired and valid_until - now <= EXPIRING_WITHIN
        published = [rev for rev in revs if rev.state == REVISION_PUBLISHED]
        served = (
            dict(published[-1].data)
            if published
            else (entry_dict(baseline[entry_id]) if entry_id in baseline else None)
        )
        if served is not None:
            status.valid_from = _as_date(served.get("valid_from"))
            status.live = status.valid_from is None or status.valid_from <= now
        reviewed = _as_date(data.get("reviewed"))
        status.review_due = reviewed is None or now - reviewed >= REVIEW_EVERY
        base = entry_dict(baseline[entry_id]) if entry_id in baseline else None
        changed = _text_change_times(revs, base)
        for lang in SUPPORTED_LANGUAGES:
            missing = _text_of(data, lang) is None
            de_at, lang_at = changed.get(SOURCE_LANGUAGE), changed.get(lang)
            stale = (
                lang != SOURCE_LANGUAGE and not missing and de_at is not None and (lang_at is None or lang_at < de_at)
            )
            status.langs[lang] = LangStatus(lang, missing=missing, stale=stale)
        rows.append(status)
    return rows


@dataclass(frozen=True)
class WorkspacePage:
    """The workspace page: the rows shown under the chosen filters, and what the filters offer."""

    rows: list[EntryStatus]
    total: int
    topics: list[str]
    topic: str
    lang_filter: str
    state: str
    query: str = ""

    def context(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "total": self.total,
            "topics": self.topics,
            "topic": self.topic,
            "lang_filter": self.lang_filter,
            "state": self.state,
            "q": self.query,
            "states": STATE_FILTERS,
            "languages": SUPPORTED_LANGUAGES,
        }


async def workspace_page(
    session: AsyncSession,
    cache: BaselineCache,
    *,
    topic: str = "",
    lang: str = "",
    state: str = "all",
    query: str = "",
) -> WorkspacePage:
    rows = await workspace(session, cache)
    lang_filter = lang if lang in SUPPORTED_LANGUAGES else None
    shown = [r for r in rows if (not topic or r.topic == topic) and r.matches(state, lang_filter) and r.contains(query)]
    return WorkspacePage(
        rows=shown,
        total=len(rows),
        topics=sorted({r.topic for r in rows}),
        topic=topic,
        lang_filter=lang_filter or "",
        state=state if state in STATE_FILTERS else "all",
        query=query,
    )


def parse_sources(text: str) -> list[dict[str, str]]:
    """The edit form's sources field, one source per line: "title | url"."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        title, _, url = line.partition("|")
        out.append({"title": title.strip(), "url": url.strip()})
    return out


def form_values(data: dict[str, Any], lang: str) -> dict[str, str]:
    """The edit form filled from an entry's stored state, for one language."""
    text = (data.get("texts") or {}).get(lang) or {}
    return {
        "title": text.get("title", ""),
        "questions": "\n".join(text.get("questions", [])),
        "answer": text.get("answer", ""),
        "topic": data.get("topic", ""),
        "reviewed": data.get("reviewed") or "",
        "valid_until": data.get("valid_until") or "",
        "sources": "\n".join(f"{s.get('title', '')} | {s.get('url', '')}" for s in data.get("sources", [])),
    }


def draft_meta(*, topic: str, reviewed: str, valid_until: str, sources: str) -> dict[str, Any]:
    """The entry-wide fields of the edit form, as `save_draft` takes them (empty topic/reviewed: unchanged)."""
    meta: dict[str, Any] = {"sources": parse_sources(sources), "valid_until": valid_until or None}
    if topic:
        meta["topic"] = topic
    if reviewed:
        meta["reviewed"] = reviewed
    return meta


def form_changes(stored: dict[str, str], posted: dict[str, str]) -> list[str]:
    """The fields of a posted edit form that differ from the stored ones (empty topic or review date
    mean "unchanged", as in `draft_meta`), so a publish that sends an untouched form adds no revision."""
    changed = []
    for key, value in posted.items():
        if key in ("topic", "reviewed") and not value:
            continue
        if _comparable(stored.get(key)) != _comparable(value):
            changed.append(key)
    return changed


def _comparable(value: object) -> str:
    """Browsers post a textarea with CRLF line endings; stored texts have LF. Without this, publishing an
    untouched form stored an identical draft, and the revision list gained an empty "no changes" diff."""
    lines = str(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.strip() for line in lines).strip()
