"""Advisor inbox: the live queue, claiming, the handover packet, the transcript, replying, notes,
transfer and closing.

Visibility: an advisor sees the waiting queue of their own region (conversations
handed over to the team) and the conversations assigned to them; admins see all.
Every opening of a transcript is written to the audit log before it is shown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sse_starlette.sse import EventSourceResponse

from bot import events
from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdvisor, DatabaseDep, SessionDep, runtime
from bot.console.web import render
from bot.errors import FairbotError
from bot.services import accounts
from bot.services.deadlines import BERLIN, deadlines_for
from bot.storage.models import STATE_WAITING, Account, CannedReply, Conversation

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])

OUTCOMES = ("answered", "referred", "appointment", "no_response", "not_our_mandate", "other")
SSE_PING_SECONDS = 15


def conversations(request: Request) -> Any:
    """The conversation core (`bot.services.conversations.ConversationService`) built by create_app."""
    return runtime(request).conversations


ConversationsDep = Annotated[Any, Depends(conversations)]


def can_see(account: Account, conversation: Conversation) -> bool:
    if account.role == "admin":
        return True
    if conversation.region != account.region:
        return False
    return conversation.advisor_id == account.id or (
        conversation.state == STATE_WAITING and conversation.advisor_id is None
    )


def _queue_context(view: Any, account: Account) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {"waiting": view.waiting, "mine": view.mine, "now": now}


@router.get("/inbox")
async def inbox(request: Request, account: CurrentAdvisor, service: ConversationsDep) -> Response:
    view = await service.queue(account.region, account.id)
    return render(request, "inbox/inbox.html", _queue_context(view, account))


@router.get("/inbox/queue")
async def inbox_queue(request: Request, account: CurrentAdvisor, service: ConversationsDep) -> Response:
    """The queue fragment; the inbox page re-fetches it on every `queue` event (SSE)."""
    view = await service.queue(account.region, account.id)
    return render(request, "inbox/_queue.html", _queue_context(view, account))


async def _event_stream(request: Request, topic: str, name: str) -> AsyncIterator[dict[str, str]]:
    """Relay bus events as SSE events named `name`; the page reloads the fragment it shows (events are hints)."""
    bus = runtime(request).bus
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)

    async def pump() -> None:
        async for payload in bus.subscribe(topic):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(payload)

    task = asyncio.create_task(pump())
    try:
        await asyncio.sleep(0.05)  # subscribed before "ready": the page reloads once on it, closing the gap
        yield {"event": name, "data": json.dumps({"type": "ready"})}
        while True:
            try:
                payload = await asyncio.wait_for(queue.get(), timeout=SSE_PING_SECONDS)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                continue
            # coalesce a burst into one reload
            while not queue.empty():
                payload = queue.get_nowait()
            yield {"event": name, "data": json.dumps({"type": payload.get("type", "")})}
    finally:
        task.cancel()


@router.get("/inbox/events")
async def inbox_events(request: Request, account: CurrentAdvisor) -> Response:
    return EventSourceResponse(_event_stream(request, events.QUEUE, "queue"), ping=SSE_PING_SECONDS)


async def _load_visible(service: Any, account: Account, conversation_id: int) -> Conversation | None:
    try:
        conversation = await service.get_conversation(conversation_id)
    except FairbotError:
        return None
    return conversation if can_see(account, conversation) else None


async def _conversation_context(
    session: Any, service: Any, account: Account, conversation: Conversation
) -> dict[str, Any]:
    messages = await service.transcript(conversation.id)
    notes = await service.notes(conversation.id)
    packet = await service.handoff_packet(conversation.id) or {}
    user_texts = [(m.text, m.created_at) for m in messages if m.author == "user" and m.text]
    today = dt.datetime.now(BERLIN).date()
    dates, deadlines = deadlines_for(user_texts, conversation.topic or packet.get("topic"), today)
    history = [c for c in await service.person_history(conversation.person_id) if c.id != conversation.id]
    lang = conversation.language or packet.get("language") or "de"
    canned = (
        await session.scalars(
            select(CannedReply)
            .where(CannedReply.language.in_((lang, "de", "en")))
            .where((CannedReply.region.is_(None)) | (CannedReply.region == account.region))
            .order_by(CannedReply.language != lang, CannedReply.title)
        )
    ).all()
    colleagues = await accounts.colleagues(session, conversation.region, exclude_id=account.id)
    names = {a.id: a.display_name for a in await accounts.colleagues(session, conversation.region)}
    return {
        "conversation": conversation,
        "messages": messages,
        "notes": notes,
        "packet": packet,
        "dates": dates,
        "deadlines": deadlines,
        "history": history,
        "history_visible": {c.id: can_see(account, c) for c in history},
        "canned": canned,
        "colleagues": colleagues,
        "advisor_names": names,
        "outcomes": OUTCOMES,
        "is_mine": conversation.advisor_id == account.id and conversation.state == "human",
        "today": today,
    }


@router.get("/conversations/{conversation_id}")
async def conversation_page(
    request: Request,
    account: CurrentAdvisor,
    db: DatabaseDep,
    session: SessionDep,
    service: ConversationsDep,
    conversation_id: int,
    error: str | None = None,
) -> Response:
    conversation = await _load_visible(service, account, conversation_id)
    if conversation is None:
        return render(request, "error.html", {"message_key": "not_visible"}, status_code=404)
    async with db.transaction() as audit_session:
        await accounts.audit(
            audit_session, account.id, "transcript.open", "conversation", conversation_id, region=conversation.region
        )
    context = await _conversation_context(session, service, account, conversation)
    context["error"] = error
    return render(request, "inbox/conversation.html", context)


@router.get("/conversations/{conversation_id}/transcript")
async def transcript_fragment(
    request: Request, account: CurrentAdvisor, session: SessionDep, service: ConversationsDep, conversation_id: int
) -> Response:
    """Re-fetched on every conversation event; the audit entry was written when the page was opened."""
    conversation = await _load_visible(service, account, conversation_id)
    if conversation is None:
        return Response(status_code=404)
    context = await _conversation_context(session, service, account, conversation)
    return render(request, "inbox/_transcript.html", context)


@router.get("/conversations/{conversation_id}/events")
async def conversation_events(
    request: Request, account: CurrentAdvisor, service: ConversationsDep, conversation_id: int
) -> Response:
    conversation = await _load_visible(service, account, conversation_id)
    if conversation is None:
        return Response(status_code=404)
    stream = _event_stream(request, events.conversation_topic(conversation_id), "conversation")
    return EventSourceResponse(stream, ping=SSE_PING_SECONDS)


def _back(conversation_id: int, error: str | None = None) -> Response:
    target = f"/console/conversations/{conversation_id}"
    if error:
        target += f"?error={error}"
    return RedirectResponse(target, status_code=303)


@router.post("/conversations/{conversation_id}/claim")
async def claim(request: Request, account: CurrentAdvisor, service: ConversationsDep, conversation_id: int) -> Response:
    try:
        conversation = await service.get_conversation(conversation_id)
    except FairbotError:
        conversation = None
    # any advisor of the region may try; the service's atomic update decides who wins
    if conversation is None or (account.role != "admin" and conversation.region != account.region):
        return render(request, "error.html", {"message_key": "not_visible"}, status_code=404)
    try:
        await service.claim(conversation_id, account.id)
    except FairbotError as error:
        view = await service.queue(account.region, account.id)
        context = _queue_context(view, account)
        context["claim_error"] = error.code
        return render(request, "inbox/inbox.html", context, status_code=409)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/reply")
async def reply(
    account: CurrentAdvisor, service: ConversationsDep, conversation_id: int, text: Annotated[str, Form()]
) -> Response:
    try:
        await service.advisor_reply(conversation_id, account.id, text, wait_delivery=3.0)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/note")
async def note(
    account: CurrentAdvisor, service: ConversationsDep, conversation_id: int, text: Annotated[str, Form()]
) -> Response:
    conversation = await _load_visible(service, account, conversation_id)
    if conversation is None:
        return _back(conversation_id, "not_visible")
    try:
        await service.add_note(conversation_id, account.id, text)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(
    account: CurrentAdvisor,
    db: DatabaseDep,
    service: ConversationsDep,
    conversation_id: int,
    to_advisor: Annotated[int, Form()],
) -> Response:
    try:
        await service.transfer(conversation_id, account.id, to_advisor)
        async with db.transaction() as session:
            await accounts.audit(
                session, account.id, "conversation.transfer", "conversation", conversation_id, to=to_advisor
            )
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return RedirectResponse("/console/inbox", status_code=303)


@router.post("/conversations/{conversation_id}/close")
async def close(
    account: CurrentAdvisor,
    service: ConversationsDep,
    conversation_id: int,
    outcome: Annotated[str, Form()],
) -> Response:
    if outcome not in OUTCOMES:
        return _back(conversation_id, "invalid_input")
    conversation = await _load_visible(service, account, conversation_id)
    if conversation is None:
        return _back(conversation_id, "not_visible")
    try:
        await service.close(conversation_id, account.id, outcome)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return RedirectResponse("/console/inbox", status_code=303)
