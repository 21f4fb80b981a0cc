"""JSON control endpoints under /_emulator/, so other processes (demos, benchmarks) can play users."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .emulator import Emulator
    from .users import SimulatedUser

PREFIX = "/_emulator"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return data


def control_routes(app: web.Application, emulator: Emulator) -> None:
    def user_of(request: web.Request) -> SimulatedUser:
        user = emulator.find_user(int(request.match_info["user_id"]))
        if user is None:
            raise web.HTTPNotFound(text="no such user")
        return user

    async def info(request: web.Request) -> web.Response:
        return _json(
            {
                "base_url": emulator.base_url,
                "token": emulator.token,
                "bot": emulator.bot_user,
                "users": [u.describe() for u in emulator.users.values()],
                "pending_updates": emulator.updates.pending_count,
                "webhook": emulator.updates.webhook.url if emulator.updates.webhook else None,
                "faults": [f.describe() for f in emulator.faults.pending],
                "calls": len(emulator.calls),
            }
        )

    async def add_user(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            user = emulator.add_user(
                body.get("first_name", "Test"),
                body.get("language_code", "de"),
                user_id=body.get("id"),
                username=body.get("username"),
                last_name=body.get("last_name"),
            )
        except ValueError as exc:
            return _json({"error": str(exc)}, 409)
        return _json(user.describe(), 201)

    async def send(request: web.Request) -> web.Response:
        user, body = user_of(request), await _body(request)
        try:
            return await _send(user, body)
        except (KeyError, TypeError, ValueError) as exc:
            return _json({"error": f"bad message: {exc!r}"}, 400)

    async def _send(user: SimulatedUser, body: dict[str, Any]) -> web.Response:
        kind = body.get("kind", "text")
        if kind == "text":
            message = await user.send(str(body["text"]))
        elif kind == "command":
            message = await user.send_command(str(body["command"]), str(body.get("args", "")))
        elif kind == "photo":
            message = await user.send_photo(body.get("caption"))
        elif kind == "voice":
            message = await user.send_voice(int(body.get("duration", 3)))
        elif kind == "sticker":
            message = await user.send_sticker(body.get("emoji", "👍"))
        elif kind == "document":
            message = await user.send_document(body.get("file_name", "document.pdf"))
        elif kind == "location":
            message = await user.send_location(float(body["latitude"]), float(body["longitude"]))
        else:
            return _json({"error": f"unknown kind {kind!r}"}, 400)
        return _json(message, 201)

    async def press(request: web.Request) -> web.Response:
        user, body = user_of(request), await _body(request)
        try:
            query = await user.press(body.get("button"), data=body.get("data"), message_id=body.get("message_id"))
        except (LookupError, ValueError) as exc:
            return _json({"error": str(exc)}, 404)
        return _json(query, 201)

    async def chat(request: web.Request) -> web.Response:
        return _json(user_of(request).transcript())

    async def wait(request: web.Request) -> web.Response:
        user = user_of(request)
        count = int(request.query.get("count", "1"))
        timeout = float(request.query.get("timeout", "5"))
        try:
            messages = await emulator.wait_for_messages(user, count, timeout)
        except TimeoutError as exc:
            return _json({"error": str(exc)}, 408)
        return _json([m.snapshot() for m in messages])

    async def add_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            fault = emulator.faults.add(
                body["kind"],
                int(body.get("count", 1)),
                body.get("method"),
                retry_after=int(body.get("retry_after", 1)),
                status=int(body.get("status", 500)),
                seconds=float(body.get("seconds", 60.0)),
            )
        except (KeyError, ValueError) as exc:
            return _json({"error": f"bad fault: {exc}"}, 400)
        return _json(fault.describe(), 201)

    async def clear_faults(request: web.Request) -> web.Response:
        emulator.faults.clear()
        return _json({"ok": True})

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        selected = emulator.calls_of(method) if method else emulator.calls
        return _json(
            [
                {"method": c.method, "params": _plain(c.params), "status": c.status, "response": c.response}
                for c in selected
            ]
        )

    async def redeliver(request: web.Request) -> web.Response:
        try:
            update = emulator.redeliver(int(request.match_info["update_id"]))
        except KeyError:
            return _json({"error": "no such update"}, 404)
        return _json(update, 201)

    app.router.add_get(PREFIX, info)
    app.router.add_post(f"{PREFIX}/users", add_user)
    app.router.add_post(f"{PREFIX}/users/{{user_id}}/messages", send)
    app.router.add_post(f"{PREFIX}/users/{{user_id}}/press", press)
    app.router.add_get(f"{PREFIX}/users/{{user_id}}/chat", chat)
    app.router.add_get(f"{PREFIX}/users/{{user_id}}/wait", wait)
    app.router.add_post(f"{PREFIX}/faults", add_fault)
    app.router.add_delete(f"{PREFIX}/faults", clear_faults)
    app.router.add_get(f"{PREFIX}/calls", calls)
    app.router.add_post(f"{PREFIX}/updates/{{update_id}}/redeliver", redeliver)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Uploads are not JSON; show their name and size instead."""
    from .files import Upload

    return {k: ({"upload": v.filename, "size": len(v.data)} if isinstance(v, Upload) else v) for k, v in params.items()}
