"""Canned replies: the editors' list (add, edit, delete), advisors proposing one, admins approving.

Advisors, who write the replies every day, may propose one from the conversation page; it is offered
to nobody until an admin approves it. Each form posts, calls one `EditorDesk` use case (audited) and
is redirected to a page that says what happened (`_redirect_after`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated
from urllib.parse import urlencode

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
PROPOSE = "/console/canned/propose"
# the fields a reply may name, as the forms explain them (the two markers are for entries' contact lines)
SHOWN_FIELDS = tuple(f"{{{name}}}" for name in FIELDS if not name.startswith("if_"))


async def _redirect_after(use_case: Awaitable[object], page: str, failed: str, **shown: str) -> Response:
    """Post/redirect/get for every canned-reply form: run the use case, then show `page` with what `shown`
    says; a refused one (`FairbotError`) shows the page with the error `failed` instead."""
    try:
        await use_case
    except FairbotError:
        shown = {key: value for key, value in shown.items() if key != "notice"} | {"error": failed}
    query = urlencode({key: value for key, value in shown.items() if value})
    return RedirectResponse(f"{page}?{query}" if query else page, status_code=303)


@router.get("/editor/canned")
async def canned_list(
    request: Request, account: CurrentEditor, desk: EditorDeskDep, error: str = "", notice: str = ""
) -> Response:
    context = await desk.canned_page(error, notice)
    context["fields"] = SHOWN_FIELDS
    return render(request, "editor/canned.html", context)


@router.post("/editor/canned")
async def canned_add(
    account: CurrentEditor,
    desk: EditorDeskDep,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
    region: Annotated[str, Form()] = "",
) -> Response:
    return await _redirect_after(
        desk.add_canned(account, language=language, title=title, text=text, region=region), LIST, "invalid_input"
    )


@router.post("/editor/canned/{reply_id}/delete")
async def canned_delete(account: CurrentEditor, desk: EditorDeskDep, reply_id: int) -> Response:
    return await _redirect_after(desk.delete_canned(account, reply_id), LIST, "canned_not_found")


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
    proposal = desk.propose_canned(account, language=language, title=title, text=text)
    return await _redirect_after(proposal, PROPOSE, "invalid_input", lang=language, notice="proposed")


@router.post("/editor/canned/{reply_id}")
async def edit(
    account: CurrentEditor,
    desk: EditorDeskDep,
    reply_id: int,
    language: Annotated[str, Form()],
    title: Annotated[str, Form()],
    text: Annotated[str, Form()],
) -> Response:
    edited = desk.edit_canned(account, reply_id, language=language, title=title, text=text)
    return await _redirect_after(edited, LIST, "invalid_input", notice="saved")


@router.post("/editor/canned/{reply_id}/approve")
async def approve(account: CurrentAdmin, desk: EditorDeskDep, reply_id: int) -> Response:
    return await _redirect_after(desk.approve_canned(account, reply_id), LIST, "canned_not_found", notice="approved")
