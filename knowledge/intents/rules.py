"""Hand-written patterns, the second net: they can add an emergency or a handoff, never take one away.

Patterns live in patterns.yaml so that counsellors can extend them without
code. Matching runs on a normalised form of the text, so users who type
without accents, on a Persian keyboard or with Turkish letters folded still match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")
# The pattern groups whose danger a message can call over or imagined (patterns.yaml, `resolved`): a fight or an
# accident that is past or only supposed.
# Never suicide, sexual violence, trafficking, confinement or a child: those stay emergencies however told.
RESOLVABLE_SUBTYPES = frozenset({"violence", "medical"})
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat and tatweel
_FOLD = str.maketrans(
    {
        "ı": "i",
        "İ": "i",
        "ß": "ss",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ى": "ی",
        "ي": "ی",
        "ك": "ک",
        "ۀ": "ه",
        "’": "'",
        "ʼ": "'",
    }
)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1024)  # one message is normalised for the patterns, the greeting rest and the word index
def normalise(text: str) -> str:
    """Lower case; Latin accents dropped; Arabic/Persian letter variants unified."""
    folded = "".join(_fold_char(ch) for ch in text.casefold().translate(_FOLD))
    return _SPACES.sub(" ", _ARABIC_MARKS.sub("", folded)).strip()


@lru_cache(maxsize=8192)  # two Unicode normalisations per character otherwise: most of `normalise`'s time
def _fold_char(ch: str) -> str:
    """Drops accents from Latin letters only: in Cyrillic, й and ї are letters of their own."""
    decomposed = unicodedata.normalize("NFKD", ch)
    base = decomposed[0] if decomposed else ch
    return base if base.isascii() else unicodedata.normalize("NFC", ch)


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    pattern: str
    lang: str | None = None  # greetings tell their language: "привет" is too short for a detector
    subtype: str | None = None  # emergencies: the pattern group (violence, trafficking, medical, suicide, help)
    resolved: bool = False  # emergencies: violence or medical in a message that says the danger is over or imagined
    weak: bool = False  # handoff: only a bare word for an advisor or an appointment (patterns.yaml, handoff_weak)


@dataclass(frozen=True)
class IntentRules:
    emergency: dict[str, list[re.Pattern[str]]]  # sub-type -> patterns
    handoff: list[re.Pattern[str]]
    greeting_by_lang: dict[str, list[re.Pattern[str]]]
    idioms: list[re.Pattern[str]] = field(default_factory=list)
    resolved: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)  # over | ago | someday | present
    handoff_weak: list[re.Pattern[str]] = field(default_factory=list)

    def danger_is_over(self, norm: str) -> bool:
        """The danger has passed ("it was weeks ago", "I'm fine now") or is only imagined ("if one day someone gets
        hurt, do we call the ambulance?"), and nothing in the message says it is here now or back.

        The phrases that said so, and a claim asked about now ("can I still claim", "he still owes me"), are cut
        out before `present` looks: "today I'm fine" and "can I still get my wage" do not say the danger is back.
        """
        said = any(rx.search(norm) for key in ("over", "ago", "someday") for rx in self.resolved.get(key, []))
        if not said:
            return False
        rest = norm
        for key in ("over", "ago", "someday", "claim"):
            for rx in self.resolved.get(key, []):
                rest = rx.sub(" ", rest)
        return not any(rx.search(rest) for rx in self.resolved.get("present", []))

    def says_danger_over(self, text: str) -> bool:
        """`danger_is_over` on a raw message: the decision asks it of a danger only the classifier saw."""
        return self.danger_is_over(normalise(text))

    def match(self, text: str) -> list[IntentMatch]:
        norm = normalise(text)
        found: list[IntentMatch] = []
        # "this job is killing me", "the boss will kill me if I'm late": the idiom is cut out before the
        # emergency patterns look, so only its words go; any other danger in the message still matches.
        literal = norm
        for rx in self.idioms:
            literal = rx.sub(" ", literal)
        for subtype, rxs in self.emergency.items():
            hit = next((rx for rx in rxs if rx.search(literal)), None)
            if hit is not None:
                over = subtype in RESOLVABLE_SUBTYPES and self.danger_is_over(norm)
                found.append(IntentMatch("emergency", hit.pattern, subtype=subtype, resolved=over))
                break
        hit = next((rx for rx in self.handoff if rx.search(norm)), None)
        if hit is not None:
            found.append(IntentMatch("handoff", hit.pattern))
        elif weak := next((rx for rx in self.handoff_weak if rx.search(norm)), None):
            found.append(IntentMatch("handoff", weak.pattern, weak=True))
        for lang, rxs in self.greeting_by_lang.items():
            for rx in rxs:
                if rx.search(norm):
                    found.append(IntentMatch("greeting", rx.pattern, None if lang == "other" else lang))
                    break
        return found

    def urgent(self, text: str) -> bool:
        """The pre-check that lets a message jump the queue under load, before the encoder ran.

        Wider than `match` on purpose: the idioms are not cut out ("this job is killing me" goes first too),
        because a message wrongly put first costs others a place in the queue, and an emergency wrongly left
        in it costs the wait. The decision itself still comes from `knowledge.decision.decide`.
        """
        norm = normalise(text)
        return any(rx.search(norm) for rxs in self.emergency.values() for rx in rxs) or any(
            rx.search(norm) for rx in self.handoff
        )

    def greeting_rest_words(self, text: str) -> int:
        """Words left after greetings: "hallo, wer bist du?" is a greeting, "hallo, my boss does not pay" a question."""
        rest = normalise(text)
        patterns = [rx for rxs in self.greeting_by_lang.values() for rx in rxs]
        stripped = True
        while stripped and rest:
            stripped = False
            for rx in patterns:
                found = rx.search(rest)
                if found and found.end() > 0:
                    rest = rest[found.end() :]
                    stripped = True
                    break
        return len(re.findall(r"\w+", rest))


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(normalise_pattern(p), re.IGNORECASE) for p in patterns]


# A German umlaut in a pattern matches both ways people type it without the letter: "Tür" matches "tur" (folded
# like every accent) and "tuer". Messages cannot be folded "ue" -> "u" instead: French "tue" would become "tu".
_UMLAUTS = {"ä": "(?:a|ae)", "ö": "(?:o|oe)", "ü": "(?:u|ue)", "Ä": "(?:a|ae)", "Ö": "(?:o|oe)", "Ü": "(?:u|ue)"}


def normalise_pattern(pattern: str) -> str:
    """Patterns get the same folding as messages, but no case folding: it would turn \\W into \\w.

    German patterns are written with umlauts: outside a character class each one matches both typed forms.
    """
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern.translate(_FOLD):
        if not in_class and not escaped and ch in _UMLAUTS:
            out.append(_UMLAUTS[ch])
        else:
            out.append(_fold_char(ch))
        if not escaped and ch in "[]":
            in_class = ch == "["
        escaped = ch == "\\" and not escaped
    return "".join(out)


@lru_cache(maxsize=4)
def load_rules(path: Path = PATTERNS_FILE) -> IntentRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    emergency = {subtype: _compile(ps) for subtype, ps in data.get("emergency", {}).items()}
    greeting = {lang: _compile(ps) for lang, ps in data.get("greeting", {}).items()}
    idioms = [rx for ps in (data.get("idioms") or {}).values() for rx in _compile(ps)]
    resolved = {key: _compile(ps) for key, ps in (data.get("resolved") or {}).items()}
    weak = _compile(data.get("handoff_weak", []))
    return IntentRules(emergency, _compile(data.get("handoff", [])), greeting, idioms, resolved, weak)
