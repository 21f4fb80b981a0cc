"""The Telegram sender: one Bot API call as a JSON POST, its outcome mapped to the outbox's retry rules
(sent, retry later — 429 `retry_after`, 5xx, network — or failed for good)."""

from __future__ import annotations

import html as html_module
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

SendFunc = Callable[[str, dict[str, Any]], Awaitable[Any]]


class PermanentFailure(Exception):
    """The API refused for good (blocked by the user, bad request): retrying cannot help."""


class RetryLater(Exception):
    """Not sent this time (429, 5xx, network, unparsable HTML): try again after `delay` seconds (None: back off)."""

    def __init__(self, delay: float | None, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


def strip_tags(html: str) -> str:
    """Telegram HTML as plain text: what is sent when Telegram cannot parse the HTML."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def message_id_of(result: Any) -> str | None:
    message_id = getattr(result, "message_id", None)
    if message_id is None and isinstance(result, dict):
        message_id = result.get("message_id")
    return None if message_id is None else str(message_id)


class TelegramHttpSender:
    """The outbox's sender: one JSON POST per call on a shared keep-alive session.

    aiogram's client builds a pydantic method object and multipart form data for
    every call and validates the full `Message` it gets back; the outbox needs none
    of that (its payload is already plain JSON and it keeps only the message id),
    and at hundreds of messages per second that overhead is most of the sending
    cost. Errors map to the same retry rules: 429 with `retry_after`, 5xx and
    network errors back off, 4xx is final (HTML that Telegram cannot parse is
    re-sent as plain text).
    """

    def __init__(self, api_base: str, token: str, *, timeout: float = 30.0) -> None:
        from aiogram.client.telegram import TelegramAPIServer

        self._server = TelegramAPIServer.from_base(api_base.rstrip("/"))
        self._token = token
        self._timeout = timeout
        self._session: Any = None

    async def __call__(self, method: str, payload: dict[str, Any]) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=3600),
                json_serialize=lambda value: json.dumps(value, ensure_ascii=False),
            )
        url = self._server.api_url(self._token, method)
        try:
            async with self._session.post(url, json=payload) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = {}
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RetryLater(None, type(exc).__name__) from exc
        if isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        parameters = body.get("parameters") or {} if isinstance(body, dict) else {}
        if status == 429 or "retry_after" in parameters:
            raise RetryLater(float(parameters.get("retry_after", 1)), "429 retry_after")
        if status >= 500 or status == 0:
            raise RetryLater(None, f"HTTP {status}")
        if status == 400 and "parse entities" in description.lower() and payload.get("parse_mode"):
            raise RetryLater(0, "html")
        raise PermanentFailure(f"HTTP {status}: {description}"[:200])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
