"""The web chat's letter upload (POST /chat/letter): a photo or PDF of a letter, read like one sent in Telegram.

Limits before anything is read: the declared size (Content-Length; a body without one is refused),
then at most `MAX_BYTES` of the file itself; the type is decided by the file's first bytes in the
reader, not by its name or the browser's claim. The per-address message limit of the web chat applies:
reading a letter costs seconds of CPU. Nothing from the letter is stored unless the person taps 📎
(bot/services/conversations/letters.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import Response

from bot.console.chat import CHANNEL, _address, _begin, _toast, after_message, chat_session_id
from bot.console.chat import lang_hint as chat_lang_hint
from bot.console.csrf import verify_csrf
from bot.console.deps import runtime
from bot.errors import FairbotError
from bot.locales import t
from bot.services.letters import MAX_BYTES

router = APIRouter(dependencies=[Depends(verify_csrf)])
FORM_OVERHEAD = 64 * 1024  # the multipart framing and the CSRF field around the file
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


@router.post("/chat/letter")
async def letter(request: Request, file: UploadFile) -> Response:
    sid = chat_session_id(request)
    hint = chat_lang_hint(request)
    lang = hint or "en"
    if sid is None:
        return _toast(t("webchat_expired", lang), 409)
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        return _toast(t("letter_err_too_big", lang), 411)
    if not await runtime(request).web_limits.message(_address(request)):
        return _toast(t("throttled", lang), 429)
    refused = await _begin(request, sid, hint)
    if refused is not None:
        return refused
    data: bytes | None = None
    if int(declared) <= MAX_BYTES + FORM_OVERHEAD:
        data = await file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            data = None  # the reader says "too large" in the person's language
    await file.close()
    toast = ""
    try:
        await runtime(request).conversations.read_letter(CHANNEL, sid, data, hint)
    except FairbotError as error:
        toast = error.message
    return await after_message(request, sid, toast)
