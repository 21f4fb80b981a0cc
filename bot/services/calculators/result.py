"""What every calculator returns: typed values, the legal sources to check, and the "first estimate" flag.

A result is data, not text: the same result is rendered in the person's language in the
chat, printed by `fairbot deadline`, and stored as JSON with the conversation so the
advisor sees it in the handover packet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from bot.errors import InvalidInput

LAW = "https://www.gesetze-im-internet.de"


@dataclass(frozen=True)
class LegalSource:
    label: str  # how a lawyer cites it, e.g. "§ 4 KSchG"
    url: str  # the norm on gesetze-im-internet.de


@dataclass(frozen=True, kw_only=True)
class CalculatorResult:
    """Base of every calculator's result; subclasses add their own typed fields."""

    kind: ClassVar[str] = ""
    sources: tuple[LegalSource, ...]
    first_estimate: bool = True  # always: the calculators cannot see contracts, collective agreements or facts
    notes: tuple[str, ...] = ()  # keys of caveats that apply to this case, rendered in the person's language

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, amounts as strings with cents."""
        out: dict[str, Any] = {"calculator": self.kind}
        for field in dataclasses.fields(self):
            out[field.name] = _plain(getattr(self, field.name))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, LegalSource):
        return {"label": value.label, "url": value.url}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def cents(value: Decimal) -> Decimal:
    """Euros rounded to the cent, half up as on a payslip."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class CalculatorInputError(InvalidInput):
    """Input a calculator cannot work with; `reason` is the locale key of the polite reply, `params` fill it."""

    code = "calculator_input"

    def __init__(self, message: str, reason: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params
