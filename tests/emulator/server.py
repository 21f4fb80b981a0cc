"""HTTP face of the emulator: Telegram's URL layout, parameter decoding, JSON answers."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .control import control_routes
from .errors import ApiError
from .files import Upload, resolve_attachments

if TYPE_CHECKING:
    from .emulator import Emulator

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_dumps_escaped = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def json_response(body: Any, status: int = 200) -> web.Response:
    try:
        data = _dumps(body).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a property test's update): sent as a JSON escape, "\ud800"
        data = _dumps_escaped(body).encode("ascii")
    return web.Response(body=data, status=status, content_type="application/json")


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string, urlencoded or multipart form (files become Upload) and JSON bodies alike."""
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON request body must be an object")
        params.update(body)
        return params
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
        resolve_attachments(params)
    return params


class EmulatorServer:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self.bot_method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self.file)
        control_routes(self.app, emulator)
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> str:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        sockets = server.sockets if isinstance(server, asyncio.Server) else []
        bound = sockets[0].getsockname()[1] if sockets else port
        return f"http://{host}:{bound}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def bot_method(self, request: web.Request) -> web.StreamResponse:
        from .emulator import DropConnection

        emulator = self.emulator
        try:
            emulator.check_token(request.match_info["token"])
            params = await read_params(request)
        except ApiError as exc:
            return json_response(exc.body(), exc.code)
        try:
            status, body = await emulator.call(request.match_info["method"], params)
        except DropConnection:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499)
        return json_response(body, status)

    async def file(self, request: web.Request) -> web.StreamResponse:
        try:
            self.emulator.check_token(request.match_info["token"])
        except ApiError as exc:
            return json_response(exc.body(), exc.code)
        stored = self.emulator.files.by_path(request.match_info["path"])
        if stored is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)
