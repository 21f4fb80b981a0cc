"""Log lines: JSON objects with the event's fields as data, the conversation in scope, no client address."""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.logs import AccessFilter, ConversationFilter, JsonFormatter, conversation_scope

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _line(record: logging.LogRecord) -> dict:
    ConversationFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def _record(msg: str, *args: object, level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    return logging.getLogger("bot.test").makeRecord("bot.test", level, __file__, 1, msg, args, None, extra=extra)


def test_event_and_fields_are_data() -> None:
    line = _line(_record("answered", conversation_id=7, action="answer", score=0.91))
    assert line["level"] == "INFO" and line["logger"] == "bot.test"
    assert {k: line[k] for k in ("event", "conversation_id", "action", "score")} == {
        "event": "answered",
        "conversation_id": 7,
        "action": "answer",
        "score": 0.91,
    }
    assert "message" not in line and line["time"].endswith("+00:00")


def test_a_message_for_people_keeps_its_text_beside_the_event() -> None:
    line = _line(_record("answer service unavailable: %s", "no index", level=logging.ERROR, event="unavailable"))
    assert line["event"] == "unavailable" and line["message"] == "answer service unavailable: no index"


def test_conversation_in_scope_reaches_every_line_and_an_explicit_id_wins() -> None:
    assert "conversation_id" not in _line(_record("outbox_failed"))
    with conversation_scope(41):
        assert _line(_record("outbox_failed"))["conversation_id"] == 41
        assert _line(_record("transferred", conversation_id=5))["conversation_id"] == 5
    assert "conversation_id" not in _line(_record("outbox_failed"))


async def test_conversation_scope_stays_in_its_task() -> None:
    seen: dict[str, object] = {}

    async def handle(name: str, conversation: int) -> None:
        with conversation_scope(conversation):
            await asyncio.sleep(0.01)  # the other task runs meanwhile
            seen[name] = _line(_record("answered"))["conversation_id"]

    await asyncio.gather(handle("a", 1), handle("b", 2))
    assert seen == {"a": 1, "b": 2}


def test_exceptions_are_one_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("bot.test").makeRecord(
            "bot.test", logging.ERROR, __file__, 1, "outbox_write_failed", (), sys.exc_info()
        )
    line = _line(record)
    assert line["event"] == "outbox_write_failed" and "ValueError: boom" in line["exception"]


def test_access_lines_lose_the_client_address_and_query() -> None:
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:51234", "GET", "/chat?lang=de&q=my+name", "1.1", 200),
        None,
    )
    AccessFilter().filter(record)
    line = _line(record)
    assert line == {**line, "event": "request", "method": "GET", "path": "/chat", "status": 200}
    assert "203.0.113.9" not in json.dumps(line) and "my+name" not in json.dumps(line)


LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def _pre_rendered(node: ast.expr) -> bool:
    """json.dumps(...), an f-string or a literal JSON object: data baked into the message instead of extra=."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dumps":
        return True
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().startswith("{")
    )


def test_every_log_call_names_its_event_and_passes_fields_as_data() -> None:
    calls, wrong = 0, []
    for root in ("bot", "knowledge", "indexer"):
        for path in sorted((PROJECT_ROOT / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in LEVELS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"log", "logger", "logging"}
                    and node.args
                ):
                    calls += 1
                    if _pre_rendered(node.args[0]):
                        wrong.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert calls > 20, "the scan found too few log calls to mean anything"
    assert wrong == [], f"log the event name with extra={{...}} fields (docs/CONTRIBUTING.md): {wrong}"
