"""Editor workspace routes: entries by topic, language and state; the per-language edit form with live
preview; revisions with diff and rollback; publish (incremental reindex); "try a question"; the
unanswered report; the audit log. Canned replies have their own room, `bot/console/canned.py`.

Each route parses the request, calls one `bot.services.editorial.EditorDesk` use case and renders.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, CurrentEditor, EditorDeskDep, SessionDep
from bot.console.web import render
from bot.errors import FairbotError
from bot.services import accounts
from bot.services.editorial import EntryForm, EntryInvalid, ReindexFailed
from knowledge.schema import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])


def _to_entry(entry_id: str, lang: str, notice: str) -> Response:
    return RedirectResponse(f"/console/editor/entries/{entry_id}?lang={lang}&notice={notice}", status_code=303)


@router.get("/editor")
async def workspace(
    request: Request,
    account: CurrentEditor,
    desk: EditorDeskDep,
    topic: str = "",
    lang: str = "",
    state: str = "all",
    q: str = "",
) -> Response:
    context = await desk.workspace_page(topic=topic, lang=lang, state=state, query=q)
    return render(request, "editor/workspace.html", context)


@router.get("/editor/entries/{entry_id}")
async def entry_form(
    request: Request,
    account: CurrentEditor,
    desk: EditorDeskDep,
    entry_id: str,
    lang: str = SOURCE_LANGUAGE,
    notice: str | None = None,
) -> Response:
    try:
        context = await desk.entry_page(entry_id, lang, notice=notice)
    except FairbotError as error:
        return render(request, "error.html", {"message": error.message}, status_code=404)
    return render(request, "editor/entry.html", context)


@router.post("/editor/preview")
async def preview(
    request: Request,
    account: CurrentEditor,
    desk: EditorDeskDep,
    title: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    sources: Annotated[str, Form()] = "",
    reviewed: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = SOURCE_LANGUAGE,
) -> Response:
    """Live preview (HTMX, on input): the same composer the bot uses, through the same sanitizer."""
    html = desk.preview(title, answer, sources, lang, reviewed)
    return render(request, "editor/_preview.html", {"preview": html})


@router.post("/editor/entries/{entry_id}/text/{lang}")
async def save_entry(
    request: Request,
    account: CurrentEditor,
    desk: EditorDeskDep,
    entry_id: str,
    lang: str,
    form: Annotated[EntryForm, Form()],
) -> Response:
    try:
        await desk.save_text(account, entry_id, lang, form)
    except EntryInvalid as invalid:
        context = await desk.entry_page(entry_id, lang, form=form, errors=invalid.errors)
        return render(request, "editor/entry.html", context, status_code=422)
    return _to_entry(entry_id, lang, "saved")


@router.post("/editor/entries/{entry_id}/publish")
async def publish_entry(
    request: Request,
    account: CurrentEditor,
    desk: EditorDeskDep,
    entry_id: str,
    lang: Annotated[str, Form()] = SOURCE_LANGUAGE,
    title: Annotated[str | None, Form()] = None,
    answer: Annotated[str | None, Form()] = None,
    questions: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    reviewed: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
    sources: Annotated[str, Form()] = "",
) -> Response:
    """Publish what the editor sees: the edit form posts here too, and its changes are saved first."""
    lang = lang if lang in SUPPORTED_LANGUAGES else SOURCE_LANGUAGE
    if title is not None and answer is not None:
        form = EntryForm(
            title=title,
            answer=answer,
            questions=questions,
            topic=topic,
            reviewed=reviewed,
            valid_until=valid_until,
            sources=sources,
        )
        try:
            await desk.save_if_changed(account, entry_id, lang, form)
        except EntryInvalid as invalid:  # nothing saved, nothing published: the form keeps the edit
            context = await desk.entry_page(entry_id, lang, form=form, errors=invalid.errors)
            return render(request, "editor/entry.html", context, status_code=422)
    try:
        await desk.publish(account, entry_id)
    except ReindexFailed as error:  # published; the next publish or `fairbot index build` retries
        context = await desk.entry_page(entry_id, lang, errors=[error.message])
        return render(request, "editor/entry.html", context, status_code=500)
    except FairbotError as error:
        errors = error.errors if isinstance(error, EntryInvalid) else [error.message]
        context = await desk.entry_page(entry_id, lang, errors=errors)
        return render(request, "editor/entry.html", context, status_code=422)
    return _to_entry(entry_id, lang, "published")


@router.get("/editor/revisions/{revision_id}")
async def revision_view(request: Request, account: CurrentEditor, desk: EditorDeskDep, revision_id: int) -> Response:
    try:
        context = await desk.revision_page(revision_id)
    except FairbotError as error:
        return render(request, "error.html", {"message": error.message}, status_code=404)
    return render(request, "editor/revision.html", context)


@router.post("/editor/revisions/{revision_id}/rollback")
async def rollback(account: CurrentEditor, desk: EditorDeskDep, revision_id: int) -> Response:
    entry_id = await desk.roll_back(account, revision_id)
    return RedirectResponse(f"/console/editor/entries/{entry_id}?notice=rolled_back", status_code=303)


@router.get("/editor/try")
async def try_question(
    request: Request, account: CurrentEditor, desk: EditorDeskDep, q: str = "", lang: str = ""
) -> Response:
    """The live ranking for a question: what the bot would do, which entries, which scores."""
    reply = await desk.try_question(q, lang)
    template = "editor/_try.html" if request.headers.get("hx-request") else "editor/try.html"
    return render(request, template, {"q": q, "reply": reply, "try_lang": lang, "languages": SUPPORTED_LANGUAGES})


@router.get("/editor/unanswered")
async def unanswered(request: Request, account: CurrentEditor, desk: EditorDeskDep) -> Response:
    return render(request, "editor/unanswered.html", await desk.unanswered_page(account))


@router.post("/editor/unanswered/variant")
async def add_variant(
    account: CurrentEditor,
    desk: EditorDeskDep,
    entry_id: Annotated[str, Form()],
    lang: Annotated[str, Form()],
    question: Annotated[str, Form()],
) -> Response:
    await desk.add_variant(account, entry_id, lang, question)
    return _to_entry(entry_id, lang, "variant_added")


@router.post("/editor/replies/{message_id}/draft")
async def reply_to_draft(account: CurrentEditor, desk: EditorDeskDep, message_id: int) -> Response:
    entry_id, lang = await desk.draft_from_reply(account, message_id)
    return _to_entry(entry_id, lang, "draft_created")


@router.get("/audit")
async def audit_log(request: Request, account: CurrentAdmin, session: SessionDep, action: str = "") -> Response:
    events = await accounts.audit_log(session, action=action or None)
    names = {a.id: a.username for a in await accounts.list_accounts(session)}
    return render(request, "audit.html", {"events": events, "action": action, "names": names})
