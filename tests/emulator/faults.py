"""Planned failures of Bot API calls, so tests can prove the bot survives a flaky Telegram.

A fault matches the next calls of the named methods; without methods it matches every method
except getUpdates (polling would otherwise swallow it before the call the test cares about).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import ApiError


class FaultKind(StrEnum):
    RETRY_AFTER = "retry_after"  # 429 with parameters.retry_after
    SERVER_ERROR = "server_error"  # 500 / 502 with Telegram's JSON error body
    DROP = "drop"  # connection closed without any response
    TIMEOUT = "timeout"  # the answer is held back for `seconds`, then the call runs


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    remaining: int
    methods: frozenset[str] | None = None
    retry_after: int = 1
    status: int = 500
    seconds: float = 60.0
    hits: int = 0

    def matches(self, method: str) -> bool:
        if self.methods is None:
            return method != "getupdates"
        return method in self.methods

    def error(self) -> ApiError:
        if self.kind is FaultKind.RETRY_AFTER:
            return ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", {"retry_after": self.retry_after}
            )
        description = {502: "Bad Gateway", 503: "Service Unavailable"}.get(self.status, "Internal Server Error")
        return ApiError(self.status, description)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "remaining": self.remaining,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "retry_after": self.retry_after,
            "status": self.status,
            "seconds": self.seconds,
            "hits": self.hits,
        }


class FaultPlan:
    """Ordered list of pending faults; the first matching one is consumed per call."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        kind: FaultKind | str,
        count: int = 1,
        methods: str | Iterable[str] | None = None,
        *,
        retry_after: int = 1,
        status: int = 500,
        seconds: float = 60.0,
    ) -> Fault:
        if isinstance(methods, str):
            methods = [methods]
        names = frozenset(m.lower() for m in methods) if methods is not None else None
        fault = Fault(FaultKind(kind), count, names, retry_after=retry_after, status=status, seconds=seconds)
        self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        if not self._faults:
            return None
        low = method.lower()
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(low):
                fault.remaining -= 1
                fault.hits += 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        return list(self._faults)
