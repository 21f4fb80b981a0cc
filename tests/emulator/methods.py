"""The Bot API methods the emulator really implements; each takes validated params, returns a result."""

from __future__ import annotations

import copy
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .chats import BotMessage, CallbackAnswer
from .errors import bad_request, forbidden
from .files import Upload
from .html_entities import parse_html, utf16_length
from .updates import Webhook

if TYPE_CHECKING:
    from .emulator import Emulator
    from .users import SimulatedUser

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)


def render_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, strict_ampersand: bool
) -> tuple[str, list[dict[str, Any]]]:
    if not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text, strict_ampersand)
    if mode in ("markdown", "markdownv2"):
        return text, []  # not parsed: the emulator checks HTML only
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def check_markup(markup: dict[str, Any] | None) -> None:
    if not markup or "inline_keyboard" not in markup:
        return
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            actions = _BUTTON_ACTIONS.intersection(button)
            if len(actions) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")


class BotApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.handlers: dict[str, Handler] = {
            name.lower(): getattr(self, name)
            for name in (
                "getMe",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "editMessageCaption",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "copyMessage",
                "forwardMessage",
                "sendPhoto",
                "sendDocument",
                "sendVoice",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setChatMenuButton",
                "getChatMenuButton",
                "getFile",
                "getChat",
                "close",
                "logOut",
            )
        }

    # --- helpers ----------------------------------------------------------------------------------

    def _user(self, chat_id: int | str) -> SimulatedUser:
        user = self.emu.find_user(chat_id)
        if user is None:
            raise bad_request("chat not found")
        if user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        return user

    def _text(self, p: dict[str, Any], key: str = "text") -> tuple[str, list[dict[str, Any]]]:
        plain, entities = render_text(p[key], p.get("parse_mode"), p.get("entities"), self.emu.strict_ampersand)
        size = utf16_length(plain.strip())
        if size == 0:
            raise bad_request("message text is empty")
        if size > TEXT_LIMIT:
            raise bad_request("message is too long")
        return plain, entities

    def _caption(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("caption"):
            return {}
        plain, entities = render_text(
            p["caption"], p.get("parse_mode"), p.get("caption_entities"), self.emu.strict_ampersand
        )
        if utf16_length(plain) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        out: dict[str, Any] = {"caption": plain}
        if entities:
            out["caption_entities"] = entities
        return out

    def _publish(
        self,
        user: SimulatedUser,
        kind: str,
        content: dict[str, Any],
        p: dict[str, Any],
        source_key: str | None = None,
    ) -> BotMessage:
        markup = p.get("reply_markup")
        check_markup(markup)
        raw: dict[str, Any] = {
            "message_id": user.chat.new_message_id(),
            "from": self.emu.bot_user,
            "chat": user.as_chat(),
            "date": int(time.time()),
        }
        reply_to = (p.get("reply_parameters") or {}).get("message_id") or p.get("reply_to_message_id")
        if reply_to is not None:
            replied = user.chat.all_messages.get(reply_to)
            if replied is None and not (p.get("reply_parameters") or {}).get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            if replied is not None:
                raw["reply_to_message"] = replied
        raw.update(content)
        inline = markup if markup and "inline_keyboard" in markup else None
        if inline:
            raw["reply_markup"] = inline
        message = BotMessage(
            message_id=raw["message_id"],
            kind=kind,
            raw=raw,
            source=p.get(source_key) if source_key else None,
            parse_mode=p.get("parse_mode"),
            reply_keyboard=markup if markup and not inline else None,
        )
        user.chat.add_bot_message(message)
        return message

    def _editable(self, p: dict[str, Any]) -> tuple[SimulatedUser, BotMessage] | None:
        if p.get("inline_message_id"):
            return None
        if p.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        if p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        user = self._user(p["chat_id"])
        message = user.chat.bot_by_id.get(p["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return user, message

    def _apply_edit(
        self,
        user: SimulatedUser,
        message: BotMessage,
        changes: dict[str, Any],
        markup: dict[str, Any] | None,
        source: str | None,
    ) -> dict[str, Any]:
        check_markup(markup)
        new = dict(message.raw)
        new.update(changes)
        for key in ("entities", "caption_entities"):
            if key in new and not new[key]:
                del new[key]
        if markup and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        same = {k: v for k, v in new.items() if k != "edit_date"} == {
            k: v for k, v in message.raw.items() if k != "edit_date"
        }
        if same:
            raise bad_request(_NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        message.versions.append(copy.deepcopy(message.raw))
        message.raw = new
        if source is not None:
            message.source = source
        user.chat.all_messages[message.message_id] = new
        user.chat.record("edit", new)
        return new

    def _file(self, value: str | Upload, kind: str, mime: str, ext: str) -> tuple[str, str, int]:
        """Return (file_id, file_unique_id, size) for a file_id, an HTTP URL or an upload."""
        files = self.emu.files
        if isinstance(value, Upload):
            stored = files.add(kind, value.data, value.content_type or mime, ext)
        elif value.startswith(("http://", "https://")):
            stored = files.add(kind, value.encode(), mime, ext)
        else:
            known = files.get(value)
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return known.file_id, known.file_unique_id, len(known.data)
        return stored.file_id, stored.file_unique_id, len(stored.data)

    # --- identity and updates ---------------------------------------------------------------------

    async def getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.emu.bot_user,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.emu.updates.get_updates(
            p.get("offset"), p.get("limit", 100), float(p.get("timeout", 0)), p.get("allowed_updates")
        )

    async def setWebhook(self, p: dict[str, Any]) -> bool:
        url = p["url"]
        if not url:
            await self.emu.updates.delete_webhook(bool(p.get("drop_pending_updates")))
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        host = parts.hostname
        loopback = host == "localhost"
        if not loopback:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = False
        if not loopback:
            raise bad_request("bad webhook: the emulator only delivers to loopback addresses")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        hook = Webhook(url, secret, max_connections, p.get("allowed_updates"))
        await self.emu.updates.set_webhook(hook, bool(p.get("drop_pending_updates")))
        return True

    async def deleteWebhook(self, p: dict[str, Any]) -> bool:
        await self.emu.updates.delete_webhook(bool(p.get("drop_pending_updates")))
        return True

    async def getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        queue = self.emu.updates
        hook = queue.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": queue.pending_count,
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def close(self, p: dict[str, Any]) -> bool:
        return True

    async def logOut(self, p: dict[str, Any]) -> bool:
        return True

    # --- messages ---------------------------------------------------------------------------------

    async def sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p["chat_id"])
        text, entities = self._text(p)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._publish(user, "text", content, p, "text").raw

    async def editMessageText(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        target = self._editable(p)
        if target is None:
            return True
        user, message = target
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(p)
        changes = {"text": text, "entities": entities}
        result = self._apply_edit(user, message, changes, p.get("reply_markup"), p["text"])
        message.parse_mode = p.get("parse_mode")
        return result

    async def editMessageCaption(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        target = self._editable(p)
        if target is None:
            return True
        user, message = target
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        changes = self._caption(p) or {"caption": None}
        changes.setdefault("caption_entities", [])
        if changes.get("caption") is None:
            changes.pop("caption")
            message.raw.pop("caption", None)
        return self._apply_edit(user, message, changes, p.get("reply_markup"), p.get("caption"))

    async def editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        target = self._editable(p)
        if target is None:
            return True
        user, message = target
        return self._apply_edit(user, message, {}, p.get("reply_markup"), None)

    async def deleteMessage(self, p: dict[str, Any]) -> bool:
        user = self._user(p["chat_id"])
        mid = p["message_id"]
        if mid not in user.chat.all_messages:
            raise bad_request("message to delete not found")
        del user.chat.all_messages[mid]
        bot_message = user.chat.bot_by_id.get(mid)
        if bot_message is not None:
            bot_message.deleted = True
        user.chat.record("delete", {"message_id": mid})
        return True

    async def answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        text = p.get("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self.emu.close_callback_query(p["callback_query_id"])
        if query is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        user, message_id, data = query
        answer = CallbackAnswer(
            callback_query_id=p["callback_query_id"],
            message_id=message_id,
            data=data,
            text=text,
            show_alert=bool(p.get("show_alert")),
            url=p.get("url"),
        )
        user.chat.callback_answers.append(answer)
        user.chat.record("callback_answer", {"callback_query_id": answer.callback_query_id, "text": text})
        return True

    async def sendChatAction(self, p: dict[str, Any]) -> bool:
        user = self._user(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        user.chat.chat_actions.append(p["action"])
        user.chat.record("chat_action", {"action": p["action"]})
        return True

    def _source(self, p: dict[str, Any], verb: str) -> tuple[SimulatedUser, dict[str, Any]]:
        source_user = self._user(p["from_chat_id"])
        source = source_user.chat.all_messages.get(p["message_id"])
        if source is None:
            raise bad_request(f"message to {verb} not found")
        return source_user, source

    @staticmethod
    def _content(source: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        keys = (
            "text",
            "entities",
            "photo",
            "document",
            "voice",
            "sticker",
            "location",
            "caption",
            "caption_entities",
        )
        content = {k: source[k] for k in keys if k in source}
        kind = next((k for k in ("photo", "document", "voice", "sticker", "location") if k in content), "text")
        return kind, content

    async def copyMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        _, source = self._source(p, "copy")
        target = self._user(p["chat_id"])
        kind, content = self._content(source)
        if "caption" in p:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(p))
        message = self._publish(target, kind, content, p)
        return {"message_id": message.message_id}

    async def forwardMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        source_user, source = self._source(p, "forward")
        target = self._user(p["chat_id"])
        kind, content = self._content(source)
        sender = source.get("from") or source_user.as_user()
        content["forward_origin"] = {"type": "user", "date": source["date"], "sender_user": sender}
        return self._publish(target, kind, content, {}).raw

    async def sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p["chat_id"])
        file_id, unique, size = self._file(p["photo"], "photo", "image/jpeg", "jpg")
        sizes = [
            {"file_id": file_id, "file_unique_id": unique, "width": w, "height": h, "file_size": size}
            for w, h in ((90, 67), (320, 240), (800, 600))
        ]
        return self._publish(user, "photo", {"photo": sizes, **self._caption(p)}, p, "caption").raw

    async def sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p["chat_id"])
        doc = p["document"]
        name = doc.filename if isinstance(doc, Upload) else "document"
        file_id, unique, size = self._file(doc, "document", "application/octet-stream", "bin")
        document = {"file_id": file_id, "file_unique_id": unique, "file_name": name, "file_size": size}
        return self._publish(user, "document", {"document": document, **self._caption(p)}, p, "caption").raw

    async def sendVoice(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p["chat_id"])
        file_id, unique, size = self._file(p["voice"], "voice", "audio/ogg", "oga")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique,
            "duration": p.get("duration", 1),
            "mime_type": "audio/ogg",
            "file_size": size,
        }
        return self._publish(user, "voice", {"voice": voice, **self._caption(p)}, p, "caption").raw

    # --- bot settings -----------------------------------------------------------------------------

    @staticmethod
    def _scope_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        scope_id = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        scope_id += f":{scope['user_id']}" if "user_id" in scope else ""
        return scope_id, p.get("language_code") or ""

    async def setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_NAME.match(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands.get(self._scope_key(p), []))

    async def deleteMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    async def setChatMenuButton(self, p: dict[str, Any]) -> bool:
        chat_id = p.get("chat_id")
        if chat_id is not None:
            self._user(chat_id)
        self.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
        return True

    async def getChatMenuButton(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    # --- files and chats --------------------------------------------------------------------------

    async def getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.emu.files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    async def getChat(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.emu.find_user(p["chat_id"])
        if user is None:
            raise bad_request("chat not found")
        gifts = {
            k: False
            for k in (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            )
        }
        return {
            **user.as_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }
