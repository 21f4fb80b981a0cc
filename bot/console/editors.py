"""Editor workspace: entries by topic, language and state; per-language edit form with live preview;
revisions with diff and rollback; publish (incremental reindex); "try a question"; the unanswered report.

Routes stay thin: parse the form, call `bot.services.editorial`, render.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, CurrentEditor, DatabaseDep, EditorialDep, SessionDep, runtime
from bot.console.web import render
from bot.errors import FairbotError
from bot.services import accounts
from bot.services.editorial import (
    Editorial,
    EntryInvalid,
    ReindexFailed,
    add_canned_reply,
    canned_replies,
    delete_canned_reply,
    group_unanswered,
)
from bot.services.editorial.workspace import draft_meta, form_values, parse_sources
from bot.services.preview import preview_html
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES
from knowledge.topics import load_topics

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])


@router.get("/editor")
async def workspace(
    request: Request,
    account: CurrentEditor,
    session: SessionDep,
    service: EditorialDep,
    topic: str = "",
    lang: str = "",
    state: str = "all",
) -> Response:
    page = await service.workspace_page(session, topic=topic, lang=lang, state=state)
    return render(request, "editor/workspace.html", page.context())


async def _entry_page(
    request: Request,
    session: Any,
    service: Editorial,
    entry_id: str,
    lang: str,
    *,
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    data, state = await service.current(session, entry_id)
    revisions = await service.revisions(session, entry_id)
    german = (data.get("texts") or {}).get(SOURCE_LANGUAGE) or {}
    values = form or form_values(data, lang)
    context = {
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
        "preview": preview_html(
            values.get("title", ""),
            values.get("answer", ""),
            parse_sources(values["sources"]),
            lang=lang,
            reviewed=str(values.get("reviewed") or "") or None,
            answers=runtime(request).answers,
        ),
    }
    return render(request, "editor/entry.html", context, status_code=status_code)


@router.get("/editor/entries/{entry_id}")
async def entry_form(
    request: Request,
    account: CurrentEditor,
    session: SessionDep,
    service: EditorialDep,
    entry_id: str,
    lang: str = SOURCE_LANGUAGE,
    notice: str | None = None,
) -> Response:
    if lang not in SUPPORTED_LANGUAGES:
        lang = SOURCE_LANGUAGE
    try:
        return await _entry_page(request, session, service, entry_id, lang, notice=notice)
    except FairbotError as error:
        return render(request, "error.html", {"message": error.message}, status_code=404)


@router.post("/editor/preview")
async def preview(
    request: Request,
    account: CurrentEditor,
    title: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    sources: Annotated[str, Form()] = "",
    reviewed: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = SOURCE_LANGUAGE,
) -> Response:
    """Live preview (HTMX, on input): the same composer the bot uses, through the same sanitizer."""
    html = preview_html(
        title, answer, parse_sources(sources), lang=lang, reviewed=reviewed or None, answers=runtime(request).answers
    )
    return render(request, "editor/_preview.html", {"preview": html})


@router.post("/editor/entries/{entry_id}/text/{lang}")
async def save_entry(
    request: Request,
    account: CurrentEditor,
    db: DatabaseDep,
    service: EditorialDep,
    entry_id: str,
    lang: str,
    title: Annotated[str, Form()],
    answer: Annotated[str, Form()],
    questions: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    reviewed: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
    sources: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "title": title,
        "questions": questions,
        "answer": answer,
        "topic": topic,
        "reviewed": reviewed,
        "valid_until": valid_until,
        "sources": sources,
    }
    meta = draft_meta(topic=topic, reviewed=reviewed, valid_until=valid_until, sources=sources)
    try:
        async with db.transaction() as session:
            await service.save_draft(
                session,
                account,
                entry_id,
                lang,
                title=title,
                questions=questions.splitlines(),
                answer=answer,
                meta=meta,
            )
            await accounts.audit(session, account.id, "entry.draft", "entry", entry_id, lang=lang)
    except EntryInvalid as invalid:
        async with db.session() as session:
            return await _entry_page(
                request, session, service, entry_id, lang, form=form, errors=invalid.errors, status_code=422
            )
    return RedirectResponse(f"/console/editor/entries/{entry_id}?lang={lang}&notice=saved", status_code=303)


@router.post("/editor/entries/{entry_id}/publish")
async def publish_entry(
    request: Request,
    account: CurrentEditor,
    db: DatabaseDep,
    service: EditorialDep,
    entry_id: str,
    lang: Annotated[str, Form()] = SOURCE_LANGUAGE,
) -> Response:
    rt = runtime(request)
    try:
        await service.publish_and_reindex(db, account, entry_id, answers=rt.answers, bus=rt.bus)
    except ReindexFailed as error:  # published; the next publish or `fairbot index build` retries
        async with db.session() as session:
            return await _entry_page(request, session, service, entry_id, lang, errors=[error.message], status_code=500)
    except (EntryInvalid, FairbotError) as error:
        errors = error.errors if isinstance(error, EntryInvalid) else [error.message]
        async with db.session() as session:
            return await _entry_page(request, session, service, entry_id, lang, errors=errors, status_code=422)
    return RedirectResponse(f"/console/editor/entries/{entry_id}?lang={lang}&notice=published", status_code=303)


@router.get("/editor/revisions/{revision_id}")
async def revision_view(
    request: Request, account: CurrentEditor, session: SessionDep, service: EditorialDep, revision_id: int
) -> Response:
    try:
        view = await service.revision_view(session, revision_id)
    except FairbotError as error:
        return render(request, "error.html", {"message": error.message}, status_code=404)
    return render(request, "editor/revision.html", {"revision": view.revision, "older": view.older, "diff": view.diff})


@router.post("/editor/revisions/{revision_id}/rollback")
async def rollback(account: CurrentEditor, db: DatabaseDep, service: EditorialDep, revision_id: int) -> Response:
    async with db.transaction() as session:
        revision = await service.rollback(session, account, revision_id)
        entry_id = revision.entry_id
        await accounts.audit(session, account.id, "entry.rollback", "entry", entry_id, revision=revision_id)
    return RedirectResponse(f"/console/editor/entries/{entry_id}?notice=rolled_back", status_code=303)


@router.get("/editor/try")
async def try_question(request: Request, account: CurrentEditor, q: str = "", lang: str = "") -> Response:
    """The live ranking for a question: what the bot would do, which entries, which scores."""
    reply = None
    answers = runtime(request).answers
    if q.strip() and answers is not None:
        reply = await asyncio.to_thread(answers.respond, q, chosen_lang=lang or None)
    template = "editor/_try.html" if request.headers.get("hx-request") else "editor/try.html"
    return render(request, template, {"q": q, "reply": reply, "try_lang": lang, "languages": SUPPORTED_LANGUAGES})


@router.get("/editor/unanswered")
async def unanswered(request: Request, account: CurrentEditor, session: SessionDep, service: EditorialDep) -> Response:
    items = await service.unanswered(session)
    workspace_rows = await service.workspace(session)
    entries_by_topic: dict[str, list[str]] = {}
    for row in workspace_rows:
        entries_by_topic.setdefault(row.topic, []).append(row.entry_id)
    context = {"groups": group_unanswered(items), "entries_by_topic": entries_by_topic}
    return render(request, "editor/unanswered.html", context)


@router.post("/editor/unanswered/variant")
async def add_variant(
    account: CurrentEditor,
    db: DatabaseDep,
    service: EditorialDep,
    entry_id: Annotated[str, Form()],
    lang: Annotated[str, Form()],
    question: Annotated[str, Form()],
) -> Response:
    async with db.transaction() as session:
        await service.add_question_variant(session, account, entry_id, lang, question)
        await accounts.audit(session, account.id, "entry.variant", "entry", entry_id, lang=lang)
    return RedirectResponse(f"/console/editor/entries/{entry_id}?lang={lang}&notice=variant_added", status_code=303)


@router.post("/editor/replies/{message_id}/draft")
async def reply_to_draft(account: CurrentEditor, db: DatabaseDep, service: EditorialDep, message_id: int) -> Response:
    async with db.transaction() as session:
        revision = await service.draft_from_reply(session, account, message_id)
        entry_id, lang = revision.entry_id, revision.language
        await accounts.audit(session, account.id, "entry.from_reply", "message", message_id, entry=entry_id)
    return RedirectResponse(f"/console/editor/entries/{entry_id}?lang={lang}&notice=draft_created", status_code=303)


@router.get("/audit")
async def audit_log(request: Request, account: CurrentAdmin, session: SessionDep, action: str = "") -> Response:
    events = await accounts.audit_log(session, action=action or None)
    names = {a.id: a.username for a in await accounts.list_accounts(session)}
    return render(request, "audit.html", {"events": events, "action": action, "names": names})


@router.get("/editor/canned")
async def canned_list(request: Request, account: CurrentEditor, session: SessionDep, error: str = "") -> Response:
    replies = await canned_replies(session)
    context = {"replies": replies, "languages": SUPPORTED_LANGUAGES, "error": error}
    return render(request, "editor/canned.html", context)


@router.post("/editor/canned")
async def canned_add(
    account: CurrentEditor,
    db: DatabaseDep,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
    region: Annotated[str, Form()] = "",
) -> Response:
    try:
        async with db.transaction() as session:
            reply = await add_canned_reply(session, language=language, title=title, text=text, region=region)
            await accounts.audit(session, account.id, "canned.add", "canned_reply", reply.id, language=language)
    except FairbotError:
        return RedirectResponse("/console/editor/canned?error=invalid_input", status_code=303)
    return RedirectResponse("/console/editor/canned", status_code=303)


@router.post("/editor/canned/{reply_id}/delete")
async def canned_delete(account: CurrentEditor, db: DatabaseDep, reply_id: int) -> Response:
    try:
        async with db.transaction() as session:
            await delete_canned_reply(session, reply_id)
            await accounts.audit(session, account.id, "canned.delete", "canned_reply", reply_id)
    except FairbotError:
        return RedirectResponse("/console/editor/canned?error=conversation_not_found", status_code=303)
    return RedirectResponse("/console/editor/canned", status_code=303)
