"""Simulated Telegram users: they write to the bot, press its buttons and remember what they saw."""

from __future__ import annotations

import itertools
import re
import time
from typing import TYPE_CHECKING, Any

from .chats import BotMessage, CallbackAnswer, ChatLog
from .html_entities import utf16_length

if TYPE_CHECKING:
    from .emulator import Emulator

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_query_ids = itertools.count(1)


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities as Telegram's client detects them (UTF-16 offsets)."""
    return [
        {"type": "bot_command", "offset": utf16_length(text[: m.start()]), "length": utf16_length(m.group())}
        for m in _COMMAND.finditer(text)
    ]


class SimulatedUser:
    def __init__(
        self,
        emulator: Emulator,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked_bot = False
        self.chat = ChatLog(user_id, emulator.changed)
        self.read_cursor = 0

    # --- identity -------------------------------------------------------------------------------

    def as_user(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    def as_chat(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        return out

    # --- acting -----------------------------------------------------------------------------------

    def _message(self, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.chat.new_message_id(),
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
        }
        message.update({k: v for k, v in content.items() if v is not None})
        return message

    async def _post(self, message: dict[str, Any]) -> dict[str, Any]:
        self.chat.add_user_message(message)
        self.read_cursor = len(self.chat.bot_messages)
        await self.emulator.push_update("message", message)
        return message

    async def send(self, text: str, *, reply_to_message_id: int | None = None) -> dict[str, Any]:
        """Write a text message; /commands in it get bot_command entities like in a real client."""
        entities = command_entities(text) or None
        reply = self.chat.all_messages.get(reply_to_message_id) if reply_to_message_id else None
        return await self._post(self._message(text=text, entities=entities, reply_to_message=reply))

    async def send_command(self, command: str, args: str = "") -> dict[str, Any]:
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return await self.send(text)

    async def send_photo(self, caption: str | None = None, data: bytes = b"\x89PNG emulator photo") -> dict[str, Any]:
        stored = self.emulator.files.add("photo", data, "image/jpeg", "jpg")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": w,
                "height": h,
                "file_size": len(data),
            }
            for w, h in ((90, 67), (320, 240), (1280, 960))
        ]
        return await self._post(self._message(photo=sizes, caption=caption))

    async def send_voice(self, duration: int = 3, data: bytes = b"OggS emulator voice") -> dict[str, Any]:
        stored = self.emulator.files.add("voice", data, "audio/ogg", "oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return await self._post(self._message(voice=voice))

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self.emulator.files.add("sticker", b"RIFF emulator sticker", "image/webp", "webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._post(self._message(sticker=sticker))

    async def send_document(
        self,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        data: bytes = b"%PDF-1.4 emulator",
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self.emulator.files.add("document", data, mime_type, file_name.rsplit(".", 1)[-1])
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return await self._post(self._message(document=document, caption=caption))

    async def send_location(self, latitude: float = 52.3759, longitude: float = 9.732) -> dict[str, Any]:
        return await self._post(self._message(location={"latitude": latitude, "longitude": longitude}))

    async def press(
        self, button: str | None = None, *, data: str | None = None, message_id: int | None = None
    ) -> dict[str, Any]:
        """Press an inline button, found by its label (`button`) or its callback_data (`data`).

        Without message_id the newest visible bot message having such a button is used. Only
        callback_data that really is on that message's current keyboard can be sent.
        """
        if button is None and data is None:
            raise ValueError("press() needs a button label or data=")
        target: BotMessage | None = None
        found: dict[str, Any] | None = None
        candidates = (
            ([self.chat.bot_by_id[message_id]] if message_id in self.chat.bot_by_id else [])
            if message_id is not None
            else list(reversed(self.chat.bot_messages))
        )
        for message in candidates:
            if message.deleted:
                continue
            found = message.find_button(text=button, data=data)
            if found is not None:
                target = message
                break
        if target is None or found is None:
            where = f"message {message_id}" if message_id is not None else "any visible bot message"
            raise LookupError(f"no inline button {button or data!r} on {where} in chat {self.id}")
        if "callback_data" not in found:
            raise LookupError(f"button {found['text']!r} has no callback_data (it is a {sorted(found)} button)")
        query = {
            "id": f"{self.id}{next(_query_ids):010d}",
            "from": self.as_user(),
            "message": target.raw,
            "chat_instance": f"ci{self.id}",
            "data": found["callback_data"],
        }
        self.emulator.open_callback_query(self, query, target.message_id)
        self.chat.record("callback_query", query)
        self.read_cursor = len(self.chat.bot_messages)
        await self.emulator.push_update("callback_query", query)
        return query

    def block(self) -> None:
        """From now on the bot gets 403 "bot was blocked by the user" when writing to this user."""
        self.blocked_bot = True

    # --- what the user saw ---------------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """Every message the bot sent to this chat, oldest first, in its current (edited) state."""
        return list(self.chat.bot_messages)

    @property
    def visible_messages(self) -> list[BotMessage]:
        return [m for m in self.chat.bot_messages if not m.deleted]

    @property
    def last_message(self) -> BotMessage | None:
        return self.chat.bot_messages[-1] if self.chat.bot_messages else None

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.chat.bot_messages]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.chat.callback_answers)

    @property
    def chat_actions(self) -> list[str]:
        return list(self.chat.chat_actions)

    def describe(self) -> dict[str, Any]:
        return {**self.as_user(), "blocked_bot": self.blocked_bot}

    def transcript(self) -> dict[str, Any]:
        return {
            "user": self.describe(),
            "messages": [m.snapshot() for m in self.chat.bot_messages],
            "callback_answers": [
                {
                    "callback_query_id": a.callback_query_id,
                    "message_id": a.message_id,
                    "data": a.data,
                    "text": a.text,
                    "show_alert": a.show_alert,
                    "url": a.url,
                }
                for a in self.chat.callback_answers
            ],
            "chat_actions": list(self.chat.chat_actions),
            "events": [{"kind": e.kind, "payload": e.payload} for e in self.chat.events],
        }


class SimulatedGroup(SimulatedUser):
    """A group chat the bot is a member of (e.g. the on-call advisors'): it receives the bot's messages."""

    def __init__(self, emulator: Emulator, chat_id: int, title: str) -> None:
        super().__init__(emulator, chat_id, title, None)
        self.title = title

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "supergroup", "title": self.title}
