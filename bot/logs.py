"""Logging: one JSON object per line, configured once for the app and uvicorn, with the conversation id on each line.

Call sites name an event and pass fields as data, never as a pre-rendered string:

    log.info("answered", extra={"conversation_id": 12, "action": "answer"})

gives `{"time": ..., "level": "INFO", "logger": "bot.services...", "event": "answered",
"conversation_id": 12, "action": "answer"}`. A message that carries detail for people (an error's text)
keeps it in the message and names its event in `extra={"event": ...}`. While a conversation is being
handled (`conversation_scope`), every line gets its id, also lines from code that does not know it.
Nothing at INFO carries message text or personal data: uvicorn's access lines lose the client address
and the query string.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import logging.config
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_conversation: ContextVar[int | None] = ContextVar("fairbot_conversation_id", default=None)

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}
# Our own loggers log at FAIRBOT_LOG_LEVEL; libraries only from WARNING (some log URLs with tokens at INFO).
APP_LOGGERS = ("bot", "knowledge", "indexer", "uvicorn", "uvicorn.error", "uvicorn.access")


def current_conversation() -> int | None:
    return _conversation.get()


@contextlib.contextmanager
def conversation_scope(conversation_id: int | None) -> Iterator[None]:
    """Every line logged inside the block (in this task) carries `conversation_id`."""
    token = _conversation.set(conversation_id)
    try:
        yield
    finally:
        _conversation.reset(token)


def bind_conversation(conversation_id: int | None) -> None:
    """From here to the end of the current task (an update, a request), lines carry `conversation_id`."""
    _conversation.set(conversation_id)


class ConversationFilter(logging.Filter):
    """Adds the conversation in scope to a record that does not name one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "conversation_id", None) is None:
            conversation = _conversation.get()
            if conversation is not None:
                record.conversation_id = conversation
        return True


class AccessFilter(logging.Filter):
    """uvicorn's access line without the client's address or query string: method, path and status only."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, _version, status = args
            record.msg, record.args = "request", ()
            record.event = "request"
            record.method, record.path, record.status = method, str(path).split("?", 1)[0], status
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, event, then the record's own fields; exceptions as one string field."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        event = fields.pop("event", None)
        payload["event"] = message if event is None else event
        if event is not None and message != event:
            payload["message"] = message
        payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for the whole process; `fairbot run` hands the same dict to uvicorn as `log_config`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "conversation": {"()": ConversationFilter},
            "access": {"()": AccessFilter},
        },
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["conversation"],
            }
        },
        "loggers": {
            **{name: {"level": level, "handlers": [], "propagate": True} for name in APP_LOGGERS},
            "uvicorn.access": {"level": level, "handlers": [], "propagate": True, "filters": ["access"]},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }


def configure_logging(level: str = "INFO") -> dict[str, Any]:
    """Installs the JSON handler (idempotent: dictConfig replaces what an earlier call installed)."""
    config = logging_config(level)
    logging.config.dictConfig(config)
    return config
