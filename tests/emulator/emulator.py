"""The emulator's state and its in-process Python API: users, updates, faults, recorded calls."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .chats import BotMessage
from .errors import ApiError, not_found, unauthorized
from .faults import Fault, FaultKind, FaultPlan
from .files import FileStore
from .methods import BotApi
from .signals import Changed
from .spec import load_spec
from .updates import UpdateQueue
from .users import SimulatedGroup, SimulatedUser
from .validation import Validator

T = TypeVar("T")
DEFAULT_TOKEN = "123456789:AAEmulatorTokenForTestsOnly_0000000000"


class DropConnection(Exception):
    """Signals the HTTP layer to close the socket without answering."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")


class Emulator:
    """A fake Telegram for one bot. Start it with `await emulator.start()` (or use the pytest fixture)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "fairbot_test_bot",
        bot_name: str = "Fairbot Test",
        spec_path: Path | None = None,
        strict_ampersand: bool = True,
        record_calls: bool = True,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.validator = Validator(load_spec(spec_path))
        self.strict_ampersand = strict_ampersand
        self.record_calls = record_calls
        self.users: dict[int, SimulatedUser] = {}
        self._usernames: dict[str, SimulatedUser] = {}
        self._user_ids = itertools.count(100_000_001)
        self.files = FileStore()
        self.faults = FaultPlan()
        self.calls: list[ApiCall] = []
        self.updates = UpdateQueue(self.call)
        self.api = BotApi(self)
        self._callback_queries: dict[str, tuple[SimulatedUser, int, str | None]] = {}
        self.changed = Changed()
        self.base_url = ""
        self._server: Any = None

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a loopback port (0 = a free one); returns the base URL for TelegramAPIServer.from_base."""
        from .server import EmulatorServer

        self._server = EmulatorServer(self)
        self.base_url = await self._server.start(host, port)
        return self.base_url

    async def stop(self) -> None:
        await self.updates.close()
        if self._server is not None:
            await self._server.stop()
            self._server = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- users ------------------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Test",
        language_code: str | None = "de",
        *,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimulatedUser:
        uid = user_id if user_id is not None else next(self._user_ids)
        if uid in self.users:
            raise ValueError(f"user {uid} exists")
        user = SimulatedUser(self, uid, first_name, language_code, username, last_name)
        self.users[uid] = user
        if username:
            self._usernames[username.lower()] = user
        return user

    def add_group(self, title: str = "Group", *, chat_id: int = -1001000000001) -> SimulatedGroup:
        """A supergroup the bot belongs to; its `messages` are what the bot posted there."""
        if chat_id >= 0 or chat_id in self.users:
            raise ValueError(f"group {chat_id} exists or is not a negative chat id")
        group = SimulatedGroup(self, chat_id, title)
        self.users[chat_id] = group
        return group

    def find_user(self, chat_id: int | str) -> SimulatedUser | None:
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                return self._usernames.get(chat_id[1:].lower())
            try:
                chat_id = int(chat_id)
            except ValueError:
                return None
        return self.users.get(chat_id)

    # --- updates ----------------------------------------------------------------------------------

    async def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.updates.push(kind, payload)

    def redeliver(self, update_id: int) -> dict[str, Any]:
        """Queue an already delivered update again, same update_id, to test idempotent handling."""
        return self.updates.redeliver(update_id)

    def open_callback_query(self, user: SimulatedUser, query: dict[str, Any], message_id: int) -> None:
        self._callback_queries[query["id"]] = (user, message_id, query.get("data"))

    def close_callback_query(self, query_id: str) -> tuple[SimulatedUser, int, str | None] | None:
        return self._callback_queries.pop(query_id, None)

    # --- waiting ----------------------------------------------------------------------------------

    async def wait_for_messages(self, user: SimulatedUser, count: int = 1, timeout: float = 5.0) -> list[BotMessage]:
        """Wait until the bot has sent `count` messages to the user since the user last acted."""

        def probe() -> list[BotMessage] | None:
            fresh = user.chat.bot_messages[user.read_cursor :]
            if len(fresh) < count:
                return None
            user.read_cursor += count
            return fresh[:count]

        return await user.chat.changed.until(probe, timeout, f"{count} bot message(s) to user {user.id}")

    async def wait_for_reply(self, user: SimulatedUser, timeout: float = 5.0) -> BotMessage:
        return (await self.wait_for_messages(user, 1, timeout))[0]

    async def wait_for_edit(self, message: BotMessage, user: SimulatedUser, timeout: float = 5.0) -> BotMessage:
        seen = len(message.versions)
        return await user.chat.changed.until(
            lambda: message if len(message.versions) > seen else None, timeout, "an edit"
        )

    async def wait_for_callback_answer(self, user: SimulatedUser, timeout: float = 5.0) -> Any:
        seen = len(user.chat.callback_answers)
        await user.chat.changed.until(
            lambda: True if len(user.chat.callback_answers) > seen else None, timeout, "a callback answer"
        )
        return user.chat.callback_answers[seen]

    async def wait_for(self, probe: Callable[[], T | None], timeout: float = 5.0, what: str = "condition") -> T:
        """Wait until `probe()` returns non-None; re-checked on every chat change and every 50 ms."""
        return await self.changed.until(probe, timeout, what, poll=0.05)

    # --- faults -----------------------------------------------------------------------------------

    def fail_with_retry_after(self, count: int = 1, method: str | None = None, retry_after: int = 1) -> Fault:
        return self.faults.add(FaultKind.RETRY_AFTER, count, method, retry_after=retry_after)

    def fail_with_server_error(self, count: int = 1, method: str | None = None, status: int = 500) -> Fault:
        return self.faults.add(FaultKind.SERVER_ERROR, count, method, status=status)

    def drop_connection(self, count: int = 1, method: str | None = None) -> Fault:
        return self.faults.add(FaultKind.DROP, count, method)

    def delay_response(self, count: int = 1, method: str | None = None, seconds: float = 60.0) -> Fault:
        return self.faults.add(FaultKind.TIMEOUT, count, method, seconds=seconds)

    # --- recorded calls ---------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[ApiCall]:
        low = method.lower()
        return [c for c in self.calls if c.method.lower() == low]

    # --- the call pipeline ------------------------------------------------------------------------

    def check_token(self, token: str) -> None:
        if token != self.token:
            raise unauthorized()

    async def call(self, method: str, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method as the HTTP server would; returns (HTTP status, JSON body)."""
        spec = self.validator.method(method)
        name = spec.name if spec is not None else method
        params: dict[str, Any] = raw
        try:
            if spec is None:
                raise not_found()
            fault = self.faults.take(name)
            if fault is not None:
                if fault.kind is FaultKind.DROP:
                    self._record(name, raw, 0, {"ok": False, "description": "connection dropped"})
                    raise DropConnection
                if fault.kind is FaultKind.TIMEOUT:
                    await asyncio.sleep(fault.seconds)
                else:
                    raise fault.error()
            params = self.validator.validate(spec, raw)
            handler = self.api.handlers.get(name.lower())
            result = True if handler is None else await handler(params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.code, exc.body()
        self._record(name, params, status, body)
        return status, body

    def _record(self, method: str, params: dict[str, Any], status: int, body: dict[str, Any]) -> None:
        if not self.record_calls:
            return
        if method == "getUpdates" and status == 200 and not body["result"]:
            return  # empty long polls are noise
        self.calls.append(ApiCall(method, params, status, body, time.monotonic()))
