"""The web chat at /chat: the same conversation core as Telegram, so the system can be tried with no token.

A visitor is a random session id in a signed cookie (no account, no personal data).
Messages go to `ConversationService.receive` as the same `Inbound` value Telegram builds; button presses
post the same packed callback data as Telegram's buttons carry. Everything the
core sends arrives on the event topic `chat:<person_id>`, which this page follows by
SSE. On each event the log is re-rendered from the database (the record), buttons included
(`Message.buttons`), so nothing is lost when an event is missed and any replica renders the same page.
Only a letter's reading is not in the record (see `bot.services.conversations.letters.SentReadings`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import desc, select
from sse_starlette.sse import EventSourceResponse

from bot import events
from bot.console.csrf import verify_csrf
from bot.console.deps import DatabaseDep, runtime
from bot.console.web import render, templates
from bot.errors import FairbotError
from bot.locales import t
from bot.services import data_export
from bot.services.conversations import Inbound
from bot.services.conversations.buttons import language_keyboard
from bot.storage import repositories as repo
from bot.storage.models import Conversation, Message

router = APIRouter(dependencies=[Depends(verify_csrf)])

COOKIE = "fairbot_chat"
CHANNEL = "web"
HISTORY = 60
MAX_CHARS = 4000  # the box's limit and its counter; the core stores at most MAX_STORED_TEXT of a message
UI_LANGUAGES = ("de", "en", "ar", "fa", "ru", "uk", "tr", "fr")
RTL = frozenset({"ar", "fa"})


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.console_secret, salt="fairbot-web-chat-timed")


def _idle_seconds(request: Request) -> int:
    return max(1, int(request.app.state.settings.web_chat_idle_hours * 3600))


def chat_session_id(request: Request) -> str | None:
    """The visitor's session id; None without a cookie, with a forged one, or one idle too long (server-side)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer(request).loads(raw, max_age=_idle_seconds(request))
    except BadSignature:  # SignatureExpired too: the next person on a shared phone starts afresh
        return None
    return value if isinstance(value, str) and len(value) <= 64 else None


def _keep_session(request: Request, response: Response, sid: str) -> None:
    """(Re)issue the cookie: every visit and message starts the idle period again."""
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(sid),
        max_age=_idle_seconds(request),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.console_https_only or request.url.scheme == "https",
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _toast(text: str, status_code: int = 200) -> HTMLResponse:
    content = f'<span data-testid="chat-toast">{_escape(text)}</span>' if text else ""
    return HTMLResponse(content, status_code=status_code)


async def _begin(request: Request, sid: str, lang: str | None) -> HTMLResponse | None:
    """Before a visitor's first message or press: the person is created now (GET /chat writes nothing),
    with the greeting the page showed. A refusal when this address started too many chats this hour."""
    async with runtime(request).db.session() as session:
        if await repo.find_person(session, CHANNEL, sid) is not None:
            return None
    if not await runtime(request).web_limits.new_session(_address(request)):
        return _toast(t("webchat_too_many_chats", lang or "en"), 429)
    await runtime(request).conversations.start(CHANNEL, sid, lang)
    return None


def lang_hint(request: Request) -> str | None:
    chosen = request.query_params.get("lang")
    if chosen in UI_LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in UI_LANGUAGES:
            return code
    return None


async def _log_messages(db: Any, sid: str) -> tuple[int | None, str, list[Message]]:
    async with db.session() as session:
        person = await repo.find_person(session, CHANNEL, sid)
        if person is None:
            return None, "en", []
        rows = (
            await session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.person_id == person.id, Message.author != "system")
                .order_by(desc(Message.id))
                .limit(HISTORY)
            )
        ).all()
        lang = person.chosen_lang or person.detected_lang or "en"
        return person.id, lang if lang in UI_LANGUAGES else "en", list(reversed(rows))


def _greeting(lang: str) -> tuple[list[Message], dict[int, list[list[dict[str, str]]]]]:
    """What a new visitor sees before writing: the /start greeting, shown, not stored (finding 10)."""
    message = Message(id=0, direction="out", author="bot", text=t("start_choose_language", lang))
    rows = [[{"text": b.text, "data": b.data} for b in row] for row in language_keyboard()]
    return [message], {0: rows}


def _render_log(
    request: Request,
    messages: list[Message],
    lang: str,
    shown_buttons: dict[int, list[list[dict[str, str]]]] | None = None,
) -> Markup:
    """Rendered by the autoescaping template; bot HTML passes the Telegram allow-list sanitizer."""
    last_out = max((m.id for m in messages if m.direction == "out"), default=None)
    template = templates.get_template("chat/_log.html")
    buttons = shown_buttons or {m.id: m.buttons or [] for m in messages if m.id == last_out}
    return Markup(  # noqa: S704 - the autoescaping template's output
        template.render(
            messages=messages,
            text_of=runtime(request).conversations.letters.readings.text,
            buttons=buttons,
            t=lambda key, **p: t(key, lang, **p),
            lang=lang,
            csrf=request.session.get("csrf", ""),
        )
    )


@router.get("/chat")
async def chat_page(request: Request, db: DatabaseDep) -> Response:
    sid = chat_session_id(request) or secrets.token_urlsafe(24)
    hint = lang_hint(request)
    _pid, lang, messages = await _log_messages(db, sid)
    page_lang = lang if messages else (hint or "en")
    shown = None
    if not messages:  # nothing is stored for a visit: the person is created by the first message or press
        messages, shown = _greeting(page_lang)
    response = render(
        request,
        "chat/chat.html",
        {
            "chat_lang": page_lang,
            "dir": "rtl" if page_lang in RTL else "ltr",
            "ct": lambda key, **p: t(key, page_lang, **p),
            "log_html": _render_log(request, messages, page_lang, shown),
            "max_chars": MAX_CHARS,
        },
    )
    _keep_session(request, response, sid)
    return response


async def after_message(request: Request, sid: str, toast: str) -> HTMLResponse:
    """What every message the person sends ends with, typed or uploaded: their page re-renders the log,
    the toast (if any) shows, and the cookie's idle period starts again."""
    await _publish_refresh(request, sid)
    response = _toast(toast)
    _keep_session(request, response, sid)
    return response


async def _publish_refresh(request: Request, sid: str) -> None:
    """The person's own message is not an outgoing one: nudge their page to re-render the log."""
    async with runtime(request).db.session() as session:
        person = await repo.find_person(session, CHANNEL, sid)
    if person is not None:
        await runtime(request).bus.publish(events.chat_topic(person.id), {"type": "refresh"})


@router.post("/chat/send")
async def send(request: Request, text: Annotated[str, Form()] = "") -> Response:
    sid = chat_session_id(request)
    hint = lang_hint(request)
    if sid is None:  # the idle period ran out: the page says so in its language and keeps the typed text
        return _toast(t("webchat_expired", hint or "en"), 409)
    if not text.strip():  # the page blocks it too; nothing is stored for an empty message
        return _toast(t("empty_message", hint or "en"), 422)
    if not await runtime(request).web_limits.message(_address(request)):
        return _toast(t("throttled", hint or "en"), 429)
    refused = await _begin(request, sid, hint)
    if refused is not None:
        return refused
    toast = ""
    command = text.strip().lower().split(maxsplit=1)[0] if text.strip().startswith("/") else ""
    try:
        if command in COMMANDS:  # as in Telegram: /privacy, /delete, /export are not questions
            toast = await COMMANDS[command](request, sid, hint) or ""
        else:
            await _receive_in_turn(request, sid, text, hint)
    except FairbotError as error:
        toast = error.message
    return await after_message(request, sid, toast)


async def _receive_in_turn(request: Request, sid: str, text: str, hint: str | None) -> None:
    """A message waits its turn at the admission gate with Telegram's updates (one encoder serves both):
    possible emergencies first, and one busy note per person when the wait is long (bot/services/admission.py)."""
    service = runtime(request).conversations
    admission = runtime(request).admission
    inbound = Inbound.of(CHANNEL, sid, text, hint)
    if admission is None:
        await service.receive(inbound)
        return
    ticket = admission.queue(service.rank(CHANNEL, sid, text=inbound.text), f"{CHANNEL}:{sid}")
    if ticket.note_due:
        admission.tell(lambda: service.busy_note(CHANNEL, sid, hint))
    async with ticket:
        await service.receive(inbound)


@router.post("/chat/action")
async def action(request: Request, data: Annotated[str, Form()]) -> Response:
    sid = chat_session_id(request)
    if sid is None:
        return HTMLResponse(status_code=409, content="reload the page")
    hint = lang_hint(request)
    refused = await _begin(request, sid, hint)
    if refused is not None:
        return refused
    service = runtime(request).conversations
    try:
        toast = await service.handle_action(CHANNEL, sid, data[:64], hint)
    except FairbotError as error:
        toast = error.message
    await _publish_refresh(request, sid)
    return _toast(toast or "")


async def _privacy(request: Request, sid: str, hint: str | None) -> str | None:
    await runtime(request).conversations.privacy(CHANNEL, sid, hint)
    return None


async def _delete(request: Request, sid: str, hint: str | None) -> str | None:
    await runtime(request).conversations.ask_delete(CHANNEL, sid, hint)  # "really?" with yes/no buttons
    return None


async def _deadline(request: Request, sid: str, hint: str | None) -> str | None:
    await runtime(request).conversations.calculator(CHANNEL, sid, hint)  # the guided calculators' menu
    return None


async def _export(request: Request, sid: str, hint: str | None) -> str | None:
    return t("webchat_export_hint", hint or "en")


COMMANDS = {
    "/privacy": _privacy,
    "/datenschutz": _privacy,
    "/delete": _delete,
    "/export": _export,
    "/deadline": _deadline,
    "/frist": _deadline,
}


@router.get("/chat/export")
async def export(request: Request, db: DatabaseDep) -> Response:
    """ "Download my data": everything stored about this visitor, as a file (GDPR Art. 15)."""
    sid = chat_session_id(request)
    data = await data_export.export_person(db, channel=CHANNEL, external_id=sid) if sid else None
    if data is None:
        return HTMLResponse(t("webchat_export_nothing", lang_hint(request) or "en"), status_code=404)
    headers = {"content-disposition": f'attachment; filename="{data_export.file_name(data)}"'}
    return Response(data_export.as_file(data), media_type="application/json; charset=utf-8", headers=headers)


@router.post("/chat/forget")
async def forget(request: Request) -> Response:
    """ "End and forget this chat": everything stored about this visitor is erased, the cookie goes."""
    sid = chat_session_id(request)
    if sid is not None:
        service = runtime(request).conversations
        await service.privacy_service.erase(CHANNEL, sid, lang_hint(request) or "en")
    response = RedirectResponse("/chat", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    return response


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


async def _chat_stream(request: Request, sid: str) -> AsyncIterator[dict[str, str]]:
    db = runtime(request).db
    person_id, lang, _messages = await _log_messages(db, sid)
    for _ in range(120):  # a new visitor: the person appears with the first message (GET /chat stores nothing)
        if person_id is not None or await request.is_disconnected():
            break
        await asyncio.sleep(0.5)
        person_id, lang, _messages = await _log_messages(db, sid)
    if person_id is None:
        return
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)

    async def pump() -> None:
        async for payload in runtime(request).bus.subscribe(events.chat_topic(person_id)):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(payload)

    task = asyncio.create_task(pump())
    try:
        await asyncio.sleep(0.05)  # let the subscription register before reading the state it continues
        # the state at connect time: covers anything said between page load and subscription
        _pid, lang, messages = await _log_messages(db, sid)
        yield {"event": "chat", "data": str(_render_log(request, messages, lang))}
        while True:
            try:
                await asyncio.wait_for(queue.get(), timeout=15)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                continue
            while not queue.empty():
                queue.get_nowait()
            _pid, lang, messages = await _log_messages(db, sid)
            yield {"event": "chat", "data": str(_render_log(request, messages, lang))}
    finally:
        task.cancel()


@router.get("/chat/events")
async def chat_events(request: Request) -> Response:
    sid = chat_session_id(request)
    if sid is None:
        return Response(status_code=204)
    return EventSourceResponse(_chat_stream(request, sid), ping=15)
