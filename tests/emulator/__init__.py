"""Loopback Telegram Bot API emulator for fairbot's tests, demos and benchmarks."""

from .chats import BotMessage, CallbackAnswer
from .emulator import DEFAULT_TOKEN, ApiCall, Emulator
from .errors import ApiError
from .faults import Fault, FaultKind
from .users import SimulatedGroup, SimulatedUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "Emulator",
    "Fault",
    "FaultKind",
    "SimulatedGroup",
    "SimulatedUser",
]
