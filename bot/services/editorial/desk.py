"""The editor console's use cases: each page's context and each action in one call, with its transaction
and audit entry, so the routes in `bot/console/editors.py` only parse, call and render."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.events import EventBus
from bot.services import accounts
from bot.services.editorial.canned import (
    PROPOSED,
    add_canned_reply,
    approve_canned_reply,
    canned_replies,
    delete_canned_reply,
    update_canned_reply,
)
from bot.services.editorial.publishing import Published
from bot.services.editorial.service import Editorial
from bot.services.editorial.unanswered import group_unanswered
from bot.services.editorial.workspace import draft_meta, form_changes, form_values, parse_sources
from bot.services.preview import preview_html
from bot.storage.db import Database
from bot.storage.models import Account
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES
from knowledge.topics import load_topics


class EntryForm(BaseModel):
    """The per-language edit form, as posted."""

    title: str
    answer: str
    questions: str = ""
    topic: str = ""
    reviewed: str = ""
    valid_until: str = ""
    sources: str = ""


@dataclass
class EditorDesk:
    """One request's view of the editorial service, with the runtime's database, answer service and bus."""

    editorial: Editorial
    db: Database
    answers: Any = None
    bus: EventBus | None = None

    # ------------------------------------------------------------------ pages
    async def workspace_page(
        self, *, topic: str = "", lang: str = "", state: str = "all", query: str = ""
    ) -> dict[str, Any]:
        async with self.db.session() as session:
            page = await self.editorial.workspace_page(session, topic=topic, lang=lang, state=state, query=query)
        return page.context()

    async def entry_page(
        self,
        entry_id: str,
        lang: str,
        *,
        form: EntryForm | None = None,
        errors: list[str] | None = None,
        notice: str | None = None,
    ) -> dict[str, Any]:
        """The edit form of one language: stored values (or the rejected form), German beside it, history."""
        lang = lang if lang in SUPPORTED_LANGUAGES else SOURCE_LANGUAGE
        async with self.db.session() as session:
            data, state = await self.editorial.current(session, entry_id)
            revisions = await self.editorial.revisions(session, entry_id)
        german = (data.get("texts") or {}).get(SOURCE_LANGUAGE) or {}
        values = form.model_dump() if form is not None else form_values(data, lang)
        return {
            "entry_id": entry_id,
            "lang": lang,
            "edit_lang": lang,
            "state": state,
            "values": values,
            "german": german if lang != SOURCE_LANGUAGE else None,
            "errors": errors or [],
            "notice": notice,
            "revisions": list(reversed(revisions)),
            "languages": SUPPORTED_LANGUAGES,
            "topics": load_topics(),
            "preview": self.preview(
                values.get("title", ""), values.get("answer", ""), values["sources"], lang, values.get("reviewed", "")
            ),
        }

    def preview(self, title: str, answer: str, sources: str, lang: str, reviewed: str = "") -> str:
        """The answer as the bot would send it, composed by the running answer service."""
        return preview_html(
            title, answer, parse_sources(sources), lang=lang, reviewed=str(reviewed or "") or None, answers=self.answers
        )

    async def revision_page(self, revision_id: int) -> dict[str, Any]:
        async with self.db.session() as session:
            view = await self.editorial.revision_view(session, revision_id)
        return {"revision": view.revision, "older": view.older, "diff": view.diff}

    async def unanswered_page(self, viewer: Account) -> dict[str, Any]:
        """The report of the viewer's region (admins: all), personal data redacted; each viewing audited."""
        region = None if viewer.role == "admin" else viewer.region
        async with self.db.transaction() as session:
            items = await self.editorial.unanswered(session, region=region)
            await accounts.audit(
                session, viewer.id, "unanswered.view", "report", "unanswered", region=viewer.region, shown=len(items)
            )
        async with self.db.session() as session:
            rows = await self.editorial.workspace(session)
        entries_by_topic: dict[str, list[str]] = {}
        for row in rows:
            entries_by_topic.setdefault(row.topic, []).append(row.entry_id)
        return {"groups": group_unanswered(items), "entries_by_topic": entries_by_topic}

    async def canned_page(self, error: str = "", notice: str = "") -> dict[str, Any]:
        """The approved replies (editable) and the advisors' proposals waiting for an admin."""
        async with self.db.session() as session:
            replies = await canned_replies(session)
            proposals = await canned_replies(session, status=PROPOSED)
            names = {a.id: a.display_name or a.username for a in await accounts.list_accounts(session)}
        return {
            "replies": replies,
            "proposals": proposals,
            "proposers": names,
            "languages": SUPPORTED_LANGUAGES,
            "error": error,
            "notice": notice,
        }

    async def try_question(self, question: str, lang: str = "") -> Any:
        """The live ranking for a question: what the bot would do, which entries, which scores."""
        if not question.strip() or self.answers is None:
            return None
        return await asyncio.to_thread(self.answers.respond, question, chosen_lang=lang or None)

    # ------------------------------------------------------------------ actions (each audited)
    async def save_text(self, author: Account, entry_id: str, lang: str, form: EntryForm) -> None:
        """Store one language's edit as a draft; `EntryInvalid` lists what the form must fix."""
        meta = draft_meta(topic=form.topic, reviewed=form.reviewed, valid_until=form.valid_until, sources=form.sources)
        async with self.db.transaction() as session:
            await self.editorial.save_draft(
                session,
                author,
                entry_id,
                lang,
                title=form.title,
                questions=form.questions.splitlines(),
                answer=form.answer,
                meta=meta,
            )
            await accounts.audit(session, author.id, "entry.draft", "entry", entry_id, lang=lang)

    async def save_if_changed(self, author: Account, entry_id: str, lang: str, form: EntryForm) -> bool:
        """Store the posted form as a draft unless it equals what is stored, so "Publish" never drops an
        edit and never adds an empty revision; `EntryInvalid` when the edit cannot be stored."""
        async with self.db.session() as session:
            data, _state = await self.editorial.current(session, entry_id)
        if not form_changes(form_values(data, lang), form.model_dump()):
            return False
        await self.save_text(author, entry_id, lang, form)
        return True

    async def publish(self, author: Account, entry_id: str) -> Published:
        return await self.editorial.publish_and_reindex(self.db, author, entry_id, answers=self.answers, bus=self.bus)

    async def roll_back(self, author: Account, revision_id: int) -> str:
        """A new draft holding an older revision; returns the entry id."""
        async with self.db.transaction() as session:
            revision = await self.editorial.rollback(session, author, revision_id)
            entry_id = revision.entry_id
            await accounts.audit(session, author.id, "entry.rollback", "entry", entry_id, revision=revision_id)
        return entry_id

    async def add_variant(self, author: Account, entry_id: str, lang: str, question: str) -> None:
        async with self.db.transaction() as session:
            await self.editorial.add_question_variant(session, author, entry_id, lang, question)
            await accounts.audit(session, author.id, "entry.variant", "entry", entry_id, lang=lang)

    async def draft_from_reply(self, author: Account, message_id: int) -> tuple[str, str]:
        """A new draft entry from an advisor's reply; returns its entry id and language."""
        async with self.db.transaction() as session:
            revision = await self.editorial.draft_from_reply(session, author, message_id)
            entry_id, lang = revision.entry_id, revision.language
            await accounts.audit(session, author.id, "entry.from_reply", "message", message_id, entry=entry_id)
        return entry_id, lang

    async def add_canned(self, author: Account, *, language: str, title: str, text: str, region: str = "") -> None:
        async with self.db.transaction() as session:
            reply = await add_canned_reply(session, language=language, title=title, text=text, region=region)
            await accounts.audit(session, author.id, "canned.add", "canned_reply", reply.id, language=language)

    async def propose_canned(self, author: Account, *, language: str, title: str, text: str) -> None:
        """An advisor's suggestion: stored as proposed, offered to nobody until an admin approves it."""
        async with self.db.transaction() as session:
            reply = await add_canned_reply(
                session, language=language, title=title, text=text, region=author.region, proposed_by=author.id
            )
            await accounts.audit(session, author.id, "canned.propose", "canned_reply", reply.id, language=language)

    async def edit_canned(self, author: Account, reply_id: int, *, language: str, title: str, text: str) -> None:
        async with self.db.transaction() as session:
            await update_canned_reply(session, reply_id, language=language, title=title, text=text)
            await accounts.audit(session, author.id, "canned.edit", "canned_reply", reply_id, language=language)

    async def approve_canned(self, author: Account, reply_id: int) -> None:
        async with self.db.transaction() as session:
            await approve_canned_reply(session, reply_id)
            await accounts.audit(session, author.id, "canned.approve", "canned_reply", reply_id)

    async def delete_canned(self, author: Account, reply_id: int) -> None:
        async with self.db.transaction() as session:
            await delete_canned_reply(session, reply_id)
            await accounts.audit(session, author.id, "canned.delete", "canned_reply", reply_id)
