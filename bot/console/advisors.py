"""Advisor inbox routes: the live queue, claiming, the conversation page, replying, notes, transfer, closing.

Each route parses the request, calls one `bot.services.inbox.Inbox` use case (visibility, audit
and validation live there) and renders; the SSE streams relay the bus's hints to the page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sse_starlette.sse import EventSourceResponse

from bot import events
from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdvisor, InboxDep, runtime
from bot.console.web import render
from bot.errors import FairbotError
from bot.services.inbox import MIN_REASON, NotVisible, ReasonRequired

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])

SSE_PING_SECONDS = 15


SEEN = "seen"  # session key: {conversation id: newest message id shown to this advisor} (unread badges)


def _seen(request: Request) -> dict[int, int]:
    return {int(key): int(value) for key, value in request.session.get(SEEN, {}).items()}


def _mark_seen(request: Request, conversation_id: int, messages: list[Any]) -> None:
    """Everything the page just showed counts as read; only the 30 most recent conversations are kept (cookie)."""
    newest = max((m.id for m in messages), default=0)
    seen = {k: v for k, v in _seen(request).items() if k != conversation_id}
    seen[conversation_id] = max(newest, _seen(request).get(conversation_id, 0))
    request.session[SEEN] = {str(k): v for k, v in list(seen.items())[-30:]}


@router.get("/inbox")
async def inbox(request: Request, account: CurrentAdvisor, service: InboxDep) -> Response:
    return render(request, "inbox/inbox.html", await service.queue_page(account, _seen(request)))


@router.get("/inbox/queue")
async def inbox_queue(request: Request, account: CurrentAdvisor, service: InboxDep) -> Response:
    """The queue fragment; the inbox page re-fetches it on every `queue` event (SSE)."""
    return render(request, "inbox/_queue.html", await service.queue_page(account, _seen(request)))


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


REASONED = "reasoned"  # session key: ids an admin opened with an audited reason (fragment and events follow)


def _reasoned(request: Request, conversation_id: int) -> bool:
    return conversation_id in request.session.get(REASONED, [])


@router.get("/conversations/{conversation_id}")
async def conversation_page(
    request: Request,
    account: CurrentAdvisor,
    service: InboxDep,
    conversation_id: int,
    error: str | None = None,
    reason: str | None = None,
) -> Response:
    try:
        context = await service.open_conversation(
            account, conversation_id, reason=reason, reasoned=_reasoned(request, conversation_id)
        )
    except NotVisible:
        return render(request, "error.html", {"message_key": "not_visible"}, status_code=404)
    except ReasonRequired:
        context = {"conversation_id": conversation_id, "too_short": reason is not None, "min": MIN_REASON}
        return render(request, "inbox/reason.html", context, status_code=403)
    if reason is not None and not _reasoned(request, conversation_id):
        request.session[REASONED] = [*request.session.get(REASONED, [])[-19:], conversation_id]
    context["error"] = error
    _mark_seen(request, conversation_id, context["messages"])
    return render(request, "inbox/conversation.html", context)


@router.get("/conversations/{conversation_id}/transcript")
async def transcript_fragment(
    request: Request, account: CurrentAdvisor, service: InboxDep, conversation_id: int
) -> Response:
    """Re-fetched on every conversation event; each showing is audited (`transcript.refresh`)."""
    try:
        context = await service.transcript(account, conversation_id, reasoned=_reasoned(request, conversation_id))
    except NotVisible:
        return Response(status_code=404)
    _mark_seen(request, conversation_id, context["messages"])
    return render(request, "inbox/_transcript.html", context)


@router.get("/conversations/{conversation_id}/events")
async def conversation_events(
    request: Request, account: CurrentAdvisor, service: InboxDep, conversation_id: int
) -> Response:
    try:
        await service.visible(account, conversation_id, reasoned=_reasoned(request, conversation_id))
    except NotVisible:
        return Response(status_code=404)
    stream = _event_stream(request, events.conversation_topic(conversation_id), "conversation")
    return EventSourceResponse(stream, ping=SSE_PING_SECONDS)


def _back(conversation_id: int, error: str | None = None) -> Response:
    target = f"/console/conversations/{conversation_id}"
    if error:
        target += f"?error={error}"
    return RedirectResponse(target, status_code=303)


@router.post("/conversations/{conversation_id}/claim")
async def claim(request: Request, account: CurrentAdvisor, service: InboxDep, conversation_id: int) -> Response:
    try:
        await service.claim(account, conversation_id)
    except NotVisible:
        return render(request, "error.html", {"message_key": "not_visible"}, status_code=404)
    except FairbotError as error:
        context = await service.queue_page(account, _seen(request))
        context["claim_error"] = error.code
        return render(request, "inbox/inbox.html", context, status_code=409)
    return _back(conversation_id)


def _wants_json(request: Request) -> bool:
    """The chat desk sends by fetch and asks for JSON; a plain form post (no script) still gets a redirect."""
    return "application/json" in request.headers.get("accept", "")


@router.post("/conversations/{conversation_id}/reply")
async def reply(
    request: Request, account: CurrentAdvisor, service: InboxDep, conversation_id: int, text: Annotated[str, Form()]
) -> Response:
    try:
        await service.reply(account, conversation_id, text)
    except FairbotError as error:
        if _wants_json(request):
            return JSONResponse({"ok": False, "error": error.code}, status_code=409)
        return _back(conversation_id, error.code)
    if _wants_json(request):
        return JSONResponse({"ok": True})
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/note")
async def note(
    account: CurrentAdvisor, service: InboxDep, conversation_id: int, text: Annotated[str, Form()]
) -> Response:
    try:
        await service.note(account, conversation_id, text)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(
    account: CurrentAdvisor,
    service: InboxDep,
    conversation_id: int,
    to_advisor: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        await service.transfer(account, conversation_id, to_advisor, note)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return RedirectResponse("/console/inbox", status_code=303)


@router.post("/conversations/{conversation_id}/close")
async def close(
    account: CurrentAdvisor, service: InboxDep, conversation_id: int, outcome: Annotated[str, Form()]
) -> Response:
    try:
        await service.close(account, conversation_id, outcome)
    except FairbotError as error:
        return _back(conversation_id, error.code)
    return RedirectResponse("/console/inbox", status_code=303)
