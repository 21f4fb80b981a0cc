"""Canned replies beyond the editor's list: editing one in place, advisors proposing one, admins approving.

Editors keep the list (`bot/console/editors.py`: list, add, delete); advisors, who write the
replies every day, may propose one from the conversation page; it is offered to nobody until an
admin approves it. Each route parses, calls one `EditorDesk` use case (audited) and redirects.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, CurrentAdvisor, CurrentEditor, EditorDeskDep
from bot.console.web import render
from bot.errors import FairbotError
from knowledge.schema import SUPPORTED_LANGUAGES
from knowledge.service_fields import FIELDS

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])
LIST = "/console/editor/canned"
# the fields a reply may name, as the forms explain them (the two markers are for entries' contact lines)
SHOWN_FIELDS = tuple(f"{{{name}}}" for name in FIELDS if not name.startswith("if_"))


@router.get("/canned/propose")
async def propose_form(
    request: Request, account: CurrentAdvisor, lang: str = "de", notice: str = "", error: str = ""
) -> Response:
    context = {
        "languages": SUPPORTED_LANGUAGES,
        "chosen": lang if lang in SUPPORTED_LANGUAGES else "de",
        "fields": SHOWN_FIELDS,
        "notice": notice,
        "error": error,
    }
    return render(request, "canned_propose.html", context)


@router.post("/canned/propose")
async def propose(
    account: CurrentAdvisor,
    desk: EditorDeskDep,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> Response:
    try:
        await desk.propose_canned(account, language=language, title=title, text=text)
    except FairbotError:
        return RedirectResponse(f"/console/canned/propose?lang={language}&error=invalid_input", status_code=303)
    return RedirectResponse(f"/console/canned/propose?lang={language}&notice=proposed", status_code=303)


@router.post("/editor/canned/{reply_id}")
async def edit(
    account: CurrentEditor,
    desk: EditorDeskDep,
    reply_id: int,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> Response:
    try:
        await desk.edit_canned(account, reply_id, language=language, title=title, text=text)
    except FairbotError:
        return RedirectResponse(f"{LIST}?error=invalid_input", status_code=303)
    return RedirectResponse(f"{LIST}?notice=saved", status_code=303)


@router.post("/editor/canned/{reply_id}/approve")
async def approve(account: CurrentAdmin, desk: EditorDeskDep, reply_id: int) -> Response:
    try:
        await desk.approve_canned(account, reply_id)
    except FairbotError:
        return RedirectResponse(f"{LIST}?error=conversation_not_found", status_code=303)
    return RedirectResponse(f"{LIST}?notice=approved", status_code=303)
