"""What a handover needs besides the state change: opening hours, the expected wait, the advisor's packet.

Opening hours are the service profile's field `opening_hours` (bot/services/service_profile.py,
e.g. "Mo-Fr 09:00-17:00"; the deprecated FAIRBOT_OPENING_HOURS only as a fallback), read in
Europe/Berlin, because the person must hear honestly whether somebody will answer today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.storage.models import Message

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
GERMAN_DAYS = {"di": "tu", "mi": "we", "do": "th", "so": "su"}  # operators in Germany write "Mo-Do", "Sa-So"
_RULE = re.compile(r"^\s*([a-z]{2})(?:\s*-\s*([a-z]{2}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

URGENCY = {
    "request": 1,
    "fallback": 1,
    "danger": 2,
    "emergency": 2,
}  # danger: the middle band, see knowledge/decision.py


@dataclass(frozen=True)
class OpeningHours:
    """Weekly hours: a list of (weekday 0=Monday, start, end) in Berlin time."""

    spec: str
    slots: tuple[tuple[int, dt.time, dt.time], ...]

    @classmethod
    def parse(cls, spec: str) -> OpeningHours:
        """Parse "Mo-Fr 09:00-17:00; Sa 10:00-12:00" (";" or "," between rules); unreadable raises ValueError.

        The same text is shown to people and drives the queue's clock, so it must be readable here.
        """
        slots: list[tuple[int, dt.time, dt.time]] = []
        for part in filter(None, (p.strip() for p in re.split(r"[;,]", spec.lower()))):
            match = _RULE.match(part)
            names = [GERMAN_DAYS.get(d, d) for d in (match.groups()[:2] if match else ()) if d]
            if not match or any(d not in DAYS for d in names):
                raise ValueError(f"opening hours: cannot read {part!r}; write e.g. 'Mo-Fr 09:00-17:00; Sa 10:00-12:00'")
            first = DAYS.index(names[0])
            last = DAYS.index(names[-1])
            start = dt.time(int(match.group(3)), int(match.group(4)))
            end = dt.time(int(match.group(5)), int(match.group(6)))
            for day in range(first, last + 1):
                slots.append((day, start, end))
        return cls(spec=spec, slots=tuple(slots))

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(BERLIN)
        return any(day == local.weekday() and start <= local.time() < end for day, start, end in self.slots)

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        local = now.astimezone(BERLIN)
        for offset in range(0, 8):
            date = (local + dt.timedelta(days=offset)).date()
            for day, start, _end in sorted(self.slots, key=lambda s: s[1]):
                if day != date.weekday():
                    continue
                candidate = dt.datetime.combine(date, start, tzinfo=BERLIN)
                if candidate > local:
                    return candidate
        return None


def expected_wait_minutes(position: int, minutes_per_person: int) -> int:
    """A plain estimate: the people ahead times a typical first-response time, at least the typical time."""
    return max(1, position) * minutes_per_person


def build_packet(
    *,
    reason: str,
    lang: str,
    topic: str | None,
    urgency: int,
    transcript: Sequence[Message],
    danger: dict[str, Any] | None = None,
    limit: int = 30,
) -> dict[str, Any]:
    """What the advisor reads first: why (for danger: the sub-type, the message that raised it and when),
    in which language, about what, the calculators' results the person got, and the last messages."""
    calculations = [m.attachment["calculation"] for m in transcript if m.kind == "calculation" and m.attachment]
    # letters the person agreed to keep: the reading and the text found (the image stays in its message)
    letters = [
        {"message_id": m.id, "text": m.text, **m.attachment["letter"]}
        for m in transcript
        if m.kind == "letter" and m.attachment and "letter" in m.attachment
    ]
    return {
        "contact": {"way": "written"},  # until the person chooses a call-back (bot/services/contact.py)
        "calculations": calculations,
        "letters": letters,
        "reason": reason,
        "danger": danger,
        "language": lang,
        "topic": topic,
        "urgency": urgency,
        "transcript": [
            {
                "author": m.author,
                "text": m.text,
                "kind": m.kind,
                "action": m.action,
                "entry_id": m.entry_id,
                "at": m.created_at.isoformat() if m.created_at else None,
            }
            for m in list(transcript)[-limit:]
        ],
    }
