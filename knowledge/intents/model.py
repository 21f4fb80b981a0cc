"""What the intent classifier thinks of one message: the probability of each intent, emergencies summed."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.intents.neighbours import blend

EMERGENCY = "emergency"


@dataclass(frozen=True)
class IntentScores:
    """What the classifier thinks of one message."""

    # class -> probability: "emergency:<subtype>", handoff, greeting, offtopic, question
    probabilities: dict[str, float]
    neighbours: float | None = None  # share of emergencies among the nearest training examples

    @property
    def emergency(self) -> float:
        """The probability of any emergency: the sub-types together (a doubt between two still counts in full),
        blended with the neighbours' share when the index has them."""
        softmax = sum(p for label, p in self.probabilities.items() if label.startswith(EMERGENCY))
        return softmax if self.neighbours is None else float(blend(softmax, self.neighbours))

    @property
    def subtype(self) -> str:
        """The most likely emergency sub-type (meaningful when `emergency` is high)."""
        subtypes = {k.split(":", 1)[1]: p for k, p in self.probabilities.items() if k.startswith(EMERGENCY + ":")}
        return max(subtypes.items(), key=lambda kv: kv[1])[0] if subtypes else "violence"

    def __getitem__(self, intent: str) -> float:
        return self.emergency if intent == EMERGENCY else self.probabilities.get(intent, 0.0)
