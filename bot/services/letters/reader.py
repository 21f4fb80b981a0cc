"""One letter read: its text, its kind, its figures, the deadline it starts and the matching topic.

`read_letter` is what `fairbot read-letter`, the Telegram router and the web chat call (the
channels in a worker thread: OCR blocks for seconds). The deadline is counted as if the letter
had been received on its own date, the earliest it can have arrived, so the figure shown before
the person says when it came is never later than the real one; the calculator then asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.services.calculators import CalculatorInputError, CalculatorResult, calculate_dismissal
from bot.services.calculators.objection import calculate_objection
from bot.services.calculators.working_days import DEFAULT_REGION
from bot.services.letters import kinds
from bot.services.letters.facts import Facts, extract
from bot.services.letters.kinds import Classification, classify
from bot.services.letters.layout import PageLayout
from bot.services.letters.ocr import LetterText, read_text

# kind -> (topic of knowledge/topics.yaml, the entry that answers "what now?", the calculator it pre-fills)
MATCHES: dict[str, tuple[str, str, str | None]] = {
    kinds.DISMISSAL: ("dismissal", "dismissal-three-week-deadline", "dismissal"),
    kinds.TERMINATION_AGREEMENT: ("termination-agreement", "termination-agreement-pressure-to-sign", None),
    kinds.WARNING: ("dismissal", "dismissal-protection-and-next-steps", None),
    kinds.PAYSLIP: ("payslip", "payslip-unlawful-deductions", "minimum_wage"),
    kinds.EMPLOYMENT_CONTRACT: ("employment-contract", "employment-contract-content", None),
    kinds.JOBCENTER: ("citizens-income", "citizens-income-who-may-claim", "objection"),
    kinds.EMPLOYMENT_AGENCY: ("unemployment-benefit", "unemployment-benefit-entitlement-amount", "objection"),
    kinds.FAMILY_BENEFITS: ("child-benefit", "child-benefit-kindergeld-amount-apply", "objection"),
    kinds.IMMIGRATION_OFFICE: ("residence-status", "residence-status-permit-visa-questions", "objection"),
}
MIN_TEXT = 40  # fewer characters than this: nothing legible on the picture


@dataclass(frozen=True)
class LetterReading:
    kind: str
    classification: Classification
    facts: Facts
    deadline: CalculatorResult | None  # counted from the letter's date (see the module docstring)
    assumed_received: dt.date | None  # the day the deadline above was counted from
    topic: str | None
    entry_id: str | None
    calculator: str | None  # the calculator the person can continue in, pre-filled by `calculator_answers`
    text: str
    source: str  # "ocr" or "pdf-text"
    legible: bool  # False: no text worth the name was found (a blurred or dark photo)

    def calculator_answers(self) -> dict[str, Any]:
        """What the calculator dialog starts with: the letter's figures, and its date as the suggestion."""
        answers: dict[str, Any] = {}
        if self.facts.letter_date:
            answers["suggested"] = self.facts.letter_date.isoformat()
        if self.calculator == "dismissal" and self.facts.end_date:
            answers["letter_end"] = self.facts.end_date.isoformat()
        if self.calculator == "objection":
            answers["authority"] = self.kind
            answers["remedy"] = self.facts.remedy
            answers["instructions_missing"] = not self.facts.has_remedy_instructions
        return answers

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for `fairbot read-letter --json` and the advisor's packet."""
        return {
            "kind": self.kind,
            "score": round(self.classification.score, 1),
            "matched": list(self.classification.matched),
            "letter_date": _iso(self.facts.letter_date),
            "letter_date_cue": self.facts.letter_date_cue,
            "dates": [d.isoformat() for d in self.facts.dates],
            "end_date": _iso(self.facts.end_date),
            "amounts": [{"value": str(a.value), "label": a.label} for a in self.facts.amounts],
            "remedy": self.facts.remedy,
            "deadline": self.deadline.to_dict() if self.deadline else None,
            "assumed_received": _iso(self.assumed_received),
            "topic": self.topic,
            "entry_id": self.entry_id,
            "source": self.source,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def deadline_for(
    kind: str, facts: Facts, received: dt.date, today: dt.date, region: str = DEFAULT_REGION
) -> CalculatorResult | None:
    """The deadline a letter of `kind` starts when received on `received`; None for kinds without one."""
    try:
        if kind == kinds.DISMISSAL:
            end = facts.end_date if facts.end_date and facts.end_date >= received else None
            return calculate_dismissal(received, today=today, letter_end=end, region=region)
        if kind in kinds.BESCHEIDE:
            return calculate_objection(
                received,
                today=today,
                authority=kind,
                remedy=facts.remedy,
                instructions_missing=not facts.has_remedy_instructions,
                region=region,
            )
    except CalculatorInputError:
        return None
    return None


def interpret(
    text: str,
    today: dt.date,
    *,
    source: str = "ocr",
    region: str = DEFAULT_REGION,
    layout: PageLayout | None = None,
) -> LetterReading:
    """Kind, figures and deadline of a letter's text (pure: no files, no OCR); `layout` is where the OCR saw it."""
    legible = len("".join(text.split())) >= MIN_TEXT
    classification = classify(text) if legible else classify("")
    facts = extract(text, layout, kind=classification.kind)
    kind = classification.kind
    received = min(facts.letter_date, today) if facts.letter_date else None
    deadline = deadline_for(kind, facts, received, today, region) if received else None
    topic, entry_id, calculator = MATCHES.get(kind, (None, None, None))
    return LetterReading(
        kind=kind,
        classification=classification,
        facts=facts,
        deadline=deadline,
        assumed_received=received if deadline else None,
        topic=topic,
        entry_id=entry_id,
        calculator=calculator,
        text=text,
        source=source,
        legible=legible,
    )


def read_letter(data: bytes, today: dt.date, *, region: str = DEFAULT_REGION) -> LetterReading:
    """A letter file (JPEG, PNG, WebP or PDF) read and interpreted; blocking (OCR), raises LetterFileError."""
    found: LetterText = read_text(data)
    return interpret(found.text, today, source=found.source, region=region, layout=found.layout)
