"""What simulated people write in bench/throughput.py: mostly new questions, then greetings, button presses, repeats.

New questions are the real questions of the dev set (/work/shared/eval/dev.jsonl, or `--dev`) and of the
scored held-out sets (tests/data/heldout.jsonl, heldout-2..5: ~465 distinct texts per language), in the
person's language, all of them: those the bot hands over or treats as an emergency too (their reply comes with
a consent question, which the bench counts apart and never answers, so the person stays with the bot). The
frozen held-out set (bench.FROZEN_HELDOUT_NAME) is never read. Each language's questions are drawn without
replacement, so a run of up to ~3,700 questions repeats none; only past that a text comes again, with
zero-width non-joiners appended (one more each time) and counted in `describe()`. Why that mark: the bot's
inbound cleaning strips zero-width spaces (bot/storage/models.py), so the earlier mark made every repeat a
reply-cache hit (an "all-unique" run of 3,000 messages over 734 texts ran the encoder for 803 of them); the
non-joiner is kept (Persian needs it) and the tokenizer turns any number of them into one extra token, so a
repeat runs the whole path with the same words. (A random number appended instead changed twice as many decisions on a sample of 250.)

The mix is an assumption, not a measurement (there is no production traffic yet): of the messages that are not
new questions, 2/5 are greetings, 2/5 button presses (a topic button of an earlier reply, else the "topics"
button, else the /topics command: each gets exactly one reply) and 1/5 repeats of frequent questions the reply
cache already holds.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import FROZEN_HELDOUT_NAME

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SET = Path("/work/shared/eval/dev.jsonl")
OLD_HELDOUT = PROJECT_ROOT / "tests" / "data" / "heldout.jsonl"
# Every scored set, so that an all-unique run really is: none of them is the frozen one.
SCORED_SETS = [OLD_HELDOUT, *(PROJECT_ROOT / "tests" / "data" / f"heldout-{n}.jsonl" for n in range(2, 6))]
REPEAT_MARK = "\u200c"
LANGUAGES = ("de", "en", "ru", "uk", "ar", "fa", "tr", "fr")
GREETINGS = {
    "de": "hallo",
    "en": "hi",
    "ru": "привет",
    "uk": "привіт",
    "ar": "مرحبا",
    "fa": "سلام",
    "tr": "merhaba",
    "fr": "bonjour",
}
# Questions many people ask the same way: the reply cache holds them after the warm-up.
FREQUENT: dict[str, list[str]] = {
    "de": [
        "Mein Chef zahlt meinen Lohn nicht",
        "Wie hoch ist der Mindestlohn?",
        "Ich wurde gekündigt, was kann ich tun?",
        "Wie viele Stunden darf ich am Tag arbeiten?",
        "Bekomme ich Lohn, wenn ich krank bin?",
        "Brauche ich einen schriftlichen Arbeitsvertrag?",
        "Wie viel Urlaub steht mir zu?",
    ],
    "en": [
        "My employer does not pay my salary",
        "What is the minimum wage in Germany?",
        "I got fired without notice",
        "How many hours can I work per day?",
    ],
    "ru": ["Работодатель не платит зарплату", "Какая минимальная зарплата в Германии?", "Меня уволили, что делать?"],
    "uk": ["Роботодавець не платить мені зарплату", "Яка мінімальна зарплата?"],
    "ar": ["صاحب العمل لا يدفع راتبي", "ما هو الحد الأدنى للأجور؟"],
    "fa": ["کارفرما حقوق مرا نمی‌دهد", "حداقل دستمزد چقدر است؟"],
    "tr": ["İşverenim maaşımı ödemiyor", "Asgari ücret ne kadar?"],
    "fr": ["Mon employeur ne me paie pas", "Quel est le salaire minimum ?"],
}
KINDS = ("question", "greeting", "button", "repeat")


def read_questions(paths: list[Path]) -> list[dict[str, str]]:
    """(lang, text) of every question of the given evaluation files in one of the simulated languages."""
    out = []
    for path in paths:
        if path.name == FROZEN_HELDOUT_NAME:
            raise ValueError(f"tests/data/{FROZEN_HELDOUT_NAME} is frozen: benchmarks must not read it")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item["lang"] in LANGUAGES:
                    out.append({"lang": item["lang"], "text": item["text"]})
    return out


@dataclass
class Mix:
    """Draws what each simulated person does next; counts what was drawn."""

    question_share: float
    pools: dict[str, list[str]]
    sources: list[str]
    rng: random.Random = field(default_factory=lambda: random.Random(42))
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    drawn_again: int = 0
    _drawn: dict[str, int] = field(default_factory=dict)
    _left: dict[str, list[str]] = field(default_factory=dict)

    def kind(self) -> str:
        if self.rng.random() < self.question_share:
            return "question"
        return self.rng.choices(("greeting", "button", "repeat"), weights=(2, 2, 1))[0]

    def question(self, lang: str) -> str:
        left = self._left.get(lang)
        if not left:
            left = self._left[lang] = self.rng.sample(self.pools[lang], len(self.pools[lang]))
        text = left.pop()
        times = self._drawn[text] = self._drawn.get(text, 0) + 1
        self.drawn_again += times > 1
        return text + REPEAT_MARK * (times - 1)  # a new text for the reply cache, the same words for the model

    def describe(self) -> dict[str, Any]:
        rest = 1 - self.question_share
        return {
            "new_questions": round(self.question_share, 3),
            "greetings": round(rest * 2 / 5, 3),
            "button_presses": round(rest * 2 / 5, 3),
            "repeats_of_frequent_questions": round(rest / 5, 3),
            "sent": dict(self.sent),
            "new_question_pool": {lang: len(texts) for lang, texts in self.pools.items()},
            "questions_drawn_again": self.drawn_again,
            "source": (
                f"new questions: {' + '.join(self.sources)} (real questions, drawn without replacement per language; "
                "one drawn again gets zero-width non-joiners appended, so it misses the reply cache with the same "
                "words). Shares: an assumption (no production traffic yet). Users spread evenly over the 8 "
                "languages with content."
            ),
        }


def load_mix(question_share: float, paths: list[Path]) -> Mix:
    pools: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for item in read_questions(paths):
        if item["text"] not in pools[item["lang"]]:
            pools[item["lang"]].append(item["text"])
    return Mix(question_share, pools, [str(p) for p in paths])


def is_consent_prompt(message: Any) -> bool:
    """The second message of a hand-over or emergency reply: counted apart from the replies."""
    return any(data.startswith("consent:") for data in message.callback_data)


def button_to_press(bot_messages: list[Any], rng: random.Random) -> str | None:
    """callback_data of a navigation button on the person's newest message that has one; None: none shown."""
    for message in reversed(bot_messages):
        data = [d for d in message.callback_data if d.startswith("topic:")] or [
            d for d in message.callback_data if d == "topics"
        ]
        if data:
            return str(rng.choice(data))
    return None
