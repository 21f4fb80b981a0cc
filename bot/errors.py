"""Domain errors: raised by services, turned into a polite reply by handlers, a one-line message by the CLI.

Each error carries a message that tells the caller what to do, and a stable `code`
so adapters (Telegram, console, CLI) can map it without parsing text.
"""

from __future__ import annotations


class FairbotError(Exception):
    """Base of every error the services raise on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(FairbotError):
    code = "not_found"


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class PersonNotFound(NotFound):
    code = "person_not_found"


class InvalidState(FairbotError):
    """The conversation is not in the state the operation needs (e.g. replying to a closed chat)."""

    code = "invalid_state"


class AlreadyClaimed(InvalidState):
    """Another advisor claimed the conversation first: reload the queue and pick another one."""

    code = "already_claimed"


class NeverClaimed(InvalidState):
    """Closing as "answered" a conversation no advisor ever took: an emergency would vanish from the queue
    unanswered, so it may only be closed with an outcome that says what happened."""

    code = "never_claimed"


class NotAssigned(InvalidState):
    """The advisor acts on a conversation that is assigned to somebody else."""

    code = "not_assigned"


class InvalidInput(FairbotError):
    """Input that can never be processed as sent (empty text, rating outside 1–5, unknown button)."""

    code = "invalid_input"


class Throttled(FairbotError):
    code = "throttled"


class ConfigError(FairbotError):
    """A combination of settings the app refuses to run with; the message names the setting and the fix."""

    code = "config"
