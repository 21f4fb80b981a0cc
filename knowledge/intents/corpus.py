"""The training corpus of the decision layer: one YAML file per intent and language, edited by counsellors.

Layout: `knowledge/intents/corpus/<intent>/<lang>.yaml`, for example
`corpus/emergency/fa.yaml` or `corpus/hard_negative/ru.yaml`. Emergency files
group their examples by sub-type (the sub-type decides which helpline the
person is shown); `topic` files group ordinary questions by their topic id
(topics.yaml): they train the `question` class and the topic model that ranks
entries, so real phrasings teach retrieval, not only the entries' tidy
question variants. The other files hold a flat list. `hard_negative` holds
ordinary questions that sound alarming ("this job is killing me"): they
train the `question` class, so that idioms do not raise false alarms.

Every problem is reported with its file and line (`fairbot kb check`), like
the entries' loader does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.loader import EntryError as CorpusError  # the same "file:line: message" record
from knowledge.topics import topic_ids

CORPUS_DIR = Path(__file__).with_name("corpus")
EMERGENCY_SUBTYPES = ("violence", "trafficking", "medical", "suicide", "sexual", "child")
# Files a counsellor can write, and the class each one trains.
FILE_INTENTS = {
    "emergency": "emergency",
    "handoff": "handoff",
    "greeting": "greeting",
    "offtopic": "offtopic",
    "question": "question",
    "hard_negative": "question",
    "topic": "question",
}


def _topic_ids() -> tuple[str, ...]:
    return tuple(sorted(topic_ids()))


# File kinds whose examples are grouped: what the group key is, and the keys allowed.
GROUPED: dict[str, tuple[str, Callable[[], tuple[str, ...]]]] = {
    "emergency": ("emergency sub-type", lambda: EMERGENCY_SUBTYPES),
    "topic": ("topic id of topics.yaml", _topic_ids),
}
LANG_CODE = re.compile(r"^[a-z]{2,3}$")
MAX_EXAMPLE_CHARS = 1000


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # the class it trains: emergency | handoff | greeting | offtopic | question
    lang: str
    subtype: str | None = None  # emergencies only
    source: str = ""  # the file kind it came from (hard_negative, question, ...)
    topic: str | None = None  # `topic` files only: the topic id the question is about

    @property
    def label(self) -> str:
        """The classifier's class: an emergency is one class per sub-type."""
        return f"emergency:{self.subtype}" if self.intent == "emergency" else self.intent


@dataclass(frozen=True)
class IntentCorpus:
    examples: tuple[Example, ...]

    def fingerprint(self) -> str:
        """Changes whenever any example, label or language changes: the trained model is keyed by it."""
        rows = [
            (e.text, e.label, e.lang) if e.topic is None else (e.text, e.label, e.lang, e.topic) for e in self.examples
        ]
        payload = json.dumps(rows, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def topic_examples(self) -> list[tuple[int, str]]:
        """(position in `examples`, topic id) of every question labelled with a topic: the topic model's extra data."""
        return [(i, e.topic) for i, e in enumerate(self.examples) if e.topic is not None]

    def counts(self) -> dict[tuple[str, str], int]:
        """(file kind, language) -> number of examples: what `kb stats` prints."""
        out: dict[tuple[str, str], int] = {}
        for e in self.examples:
            out[(e.source, e.lang)] = out.get((e.source, e.lang), 0) + 1
        return out


class _LineLoader(yaml.SafeLoader):
    """Keeps every scalar's line so an empty or overlong example can be pointed at."""


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> _Located:
    return _Located(loader.construct_scalar(node), node.start_mark.line + 1)


class _Located(str):
    line: int

    def __new__(cls, value: str, line: int) -> _Located:
        obj = super().__new__(cls, value)
        obj.line = line
        return obj


@dataclass(frozen=True)
class _NotText:
    """A number, a yes/no or an empty value where an example was expected: kept with its line for the error."""

    value: object
    line: int

    def __repr__(self) -> str:
        return repr(self.value)


def _construct_not_text(loader: _LineLoader, node: yaml.ScalarNode) -> _NotText:
    constructor = yaml.SafeLoader.yaml_constructors[node.tag]
    return _NotText(constructor(loader, node), node.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
for _tag in ("int", "float", "bool", "null", "timestamp"):
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_not_text)


def _examples_of(
    path: Path, kind: str, lang: str, raw: object, errors: list[CorpusError]
) -> list[tuple[str, str | None, int | None]]:
    """(text, sub-type, line) for every example of one file, or errors saying what is wrong."""
    out: list[tuple[str, str | None, int | None]] = []
    if kind in GROUPED:
        what, allowed = GROUPED[kind]
        if not isinstance(raw, dict):
            errors.append(CorpusError(path, None, f"examples must map a {what} to a list"))
            return out
        for group, items in raw.items():
            if group not in allowed():
                line = getattr(group, "line", None)
                errors.append(CorpusError(path, line, f"unknown {what} {group!r}; use one of {', '.join(allowed())}"))
                continue
            for text, line in _texts(path, items, errors):
                out.append((text, str(group), line))
        return out
    return [(text, None, line) for text, line in _texts(path, raw, errors)]


def _texts(path: Path, items: object, errors: list[CorpusError]) -> list[tuple[str, int | None]]:
    if not isinstance(items, list):
        errors.append(CorpusError(path, getattr(items, "line", None), "expected a list of quoted examples"))
        return []
    out = []
    for item in items:
        line = getattr(item, "line", None)
        if not isinstance(item, str):
            errors.append(CorpusError(path, line, f"example {item!r} is not text; put it in double quotes"))
            continue
        text = " ".join(item.split())
        if not text:
            errors.append(CorpusError(path, line, "empty example"))
        elif len(text) > MAX_EXAMPLE_CHARS:
            errors.append(CorpusError(path, line, f"example longer than {MAX_EXAMPLE_CHARS} characters"))
        else:
            out.append((text, line))
    return out


def load_corpus_with_errors(directory: Path = CORPUS_DIR) -> tuple[IntentCorpus, list[CorpusError]]:
    """Every example of every file, and every problem found (not only the first)."""
    errors: list[CorpusError] = []
    examples: list[Example] = []
    seen: dict[tuple[str, str], tuple[Path, str]] = {}
    for path in sorted(directory.glob("*/*.yaml")):
        kind, lang = path.parent.name, path.stem
        if kind not in FILE_INTENTS:
            errors.append(
                CorpusError(path, None, f"unknown intent folder {kind!r}; use one of {', '.join(FILE_INTENTS)}")
            )
            continue
        if not LANG_CODE.match(lang):
            errors.append(CorpusError(path, None, f"file name {lang!r} is not a language code such as de or fa"))
            continue
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            errors.append(CorpusError(path, mark.line + 1 if mark else None, f"not valid YAML: {exc}"))
            continue
        if not isinstance(data, dict) or "examples" not in data:
            errors.append(CorpusError(path, None, "expected a mapping with `intent`, `lang` and `examples`"))
            continue
        for key, expected in (("intent", kind), ("lang", lang)):
            if key in data and str(data[key]) != expected:
                errors.append(
                    CorpusError(
                        path,
                        getattr(data[key], "line", None),
                        f"{key} is {data[key]!r} but the file's place says {expected!r}",
                    )
                )
        for text, group, line in _examples_of(path, kind, lang, data["examples"], errors):
            subtype, topic = (group, None) if kind == "emergency" else (None, group)
            example = Example(str(text), FILE_INTENTS[kind], lang, subtype, kind, topic)
            text_key = (text.casefold(), lang)
            if (
                text_key in seen
            ):  # the same text twice with the same label adds nothing; with two labels it is a contradiction
                other, label = seen[text_key]
                if label != example.label:
                    where = f"{other.parent.name}/{other.name}"
                    errors.append(CorpusError(path, line, f"{text[:60]!r} is also in {where} as {label}"))
                continue
            seen[text_key] = (path, example.label)
            examples.append(example)
    return IntentCorpus(tuple(examples)), errors


def load_corpus(directory: Path = CORPUS_DIR) -> IntentCorpus:
    corpus, errors = load_corpus_with_errors(directory)
    if errors:
        raise ValueError("\n".join(str(e) for e in errors[:20]) + ("\n…" if len(errors) > 20 else ""))
    return corpus
