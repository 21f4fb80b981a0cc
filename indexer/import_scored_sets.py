"""Add the lines of scored held-out sets to the intents corpus, as training data.

    python -m indexer.import_scored_sets tests/data/heldout.jsonl tests/data/heldout-2.jsonl ...

Why: each held-out set was written by independent writers, frozen, scored once, and is development data
since; its lines are the most realistic phrasing the project has (dialect, transliteration, indirect
emergencies), while the entries' question variants are tidy. Topic lines go to `corpus/topic/<lang>.yaml`
under their topic (they train the question class and the topic model), emergencies to
`corpus/emergency/<lang>.yaml` under their sub-type, requests for a person, off-topic messages and greetings
to their intent's file. An emergency the writers gave no sub-type (heldout-5) takes the one the live intent
model gives it, as bench.training_lab does: the sub-type only chooses the helpline shown first, and a wrong
guess there costs less than leaving the line out. A line already in the corpus is skipped. The frozen set
must never be passed: it is refused by name. Re-running is idempotent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bot.config import get_settings
from knowledge.encoders import load_encoder
from knowledge.index import IndexStore
from knowledge.intents.corpus import CORPUS_DIR, load_corpus

FROZEN = "heldout-12.jsonl"  # bench.FROZEN_HELDOUT_NAME; indexer does not import bench
ACTION_FILES = {"handoff": "handoff", "fallback": "offtopic", "greeting": "greeting"}
# The writers' sub-type names -> the corpus's (the helpline shown depends on it).
SUBTYPES = {
    "suicide": "suicide",
    "suicide_selfharm": "suicide",
    "confinement": "trafficking",
    "confinement_trafficking": "trafficking",
    "medical": "medical",
    "medical_now": "medical",
    "violence": "violence",
    "violence_threat": "violence",
    "sexual": "sexual",
    "sexual_violence": "sexual",
    "child": "child",
    "child_at_risk": "child",
    # heldout-6's writers named them "subkind", with these words
    "suicidal": "suicide",
    "threat": "violence",
    "trafficking": "trafficking",
}
# The first held-out set has no sub-types; its ten emergencies were labelled by reading them.
FIRST_SET_SUBTYPES = {
    "ho-0041": "violence",
    "ho-0055": "violence",
    "ho-0086": "violence",
    "ho-0200": "trafficking",
    "ho-0234": "trafficking",
    "ho-0241": "trafficking",
    "ho-0283": "suicide",
    "ho-0337": "trafficking",
    "ho-0349": "medical",
    "ho-0372": "medical",
}
HEADERS = {
    "topic": "Questions people asked, by the topic they are about (topics.yaml): they train the question class and\n"
    "# the topic model that ranks entries.",
    "emergency": "Messages of people in danger, by sub-type (the sub-type chooses the helpline shown first).",
    "handoff": "People asking for a human advisor.",
    "offtopic": "Messages outside the service's field: the bot says so and offers an advisor.",
    "greeting": "Greetings, thanks, 'who are you': the bot greets and says what it can do.",
}


def _written_subtype(row: dict[str, Any]) -> str | None:
    """The sub-type the writers gave an emergency (heldout-2..4 call it "subtype", heldout-6 "subkind")."""
    meta = row.get("meta") or {}
    return meta.get("subtype") or meta.get("subkind")


def _target(row: dict[str, Any], guessed: dict[str, str]) -> tuple[str, str | None]:
    """(corpus file kind, group) for one labelled line."""
    expect = row["expect"]
    if "topic" in expect:
        return "topic", expect["topic"]
    action = expect["action"]
    if action == "emergency":
        raw = _written_subtype(row)
        if raw:
            return "emergency", SUBTYPES[raw]
        return "emergency", FIRST_SET_SUBTYPES.get(row["id"]) or guessed[row["id"]]
    return ACTION_FILES[action], None


def _guessed_subtypes(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Line id -> the emergency sub-type the served intent model gives it, for emergencies without one."""
    unlabelled = [
        r
        for r in rows
        if r["expect"].get("action") == "emergency" and not _written_subtype(r) and r["id"] not in FIRST_SET_SUBTYPES
    ]
    if not unlabelled:
        return {}
    settings = get_settings()
    model = IndexStore(settings.index_dir).load().intent_model
    if model is None:
        sys.exit("emergencies without a sub-type need the built index's intent model: run `fairbot index build`")
    vectors = load_encoder(settings.knowledge).encode_queries([r["text"] for r in unlabelled])
    emergency = [i for i, c in enumerate(model.classes) if c.startswith("emergency:")]
    probs = model.predict(vectors)[:, emergency]
    return {
        r["id"]: model.classes[emergency[int(best)]].split(":", 1)[1]
        for r, best in zip(unlabelled, probs.argmax(axis=1), strict=True)
    }


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def _new_file(kind: str, lang: str) -> list[str]:
    return [
        f"# {HEADERS[kind]}",
        "# Imported from scored held-out sets by independent writers (indexer/import_scored_sets.py).",
        f"intent: {kind}",
        f"lang: {lang}",
        "examples:",
    ]


def _append(lines: list[str], group: str | None, texts: list[str]) -> list[str]:
    """The file's lines with `texts` added at the end of `group`'s list (or of the flat list): the file's
    comments and quoting stay as they are, so the diff shows only what was added."""
    if group is None:
        return [*lines, *(f"  - {_quoted(t)}" for t in texts)]
    head = f"  {group}:"
    if head not in lines:
        return [*lines, head, *(f"    - {_quoted(t)}" for t in texts)]
    end = lines.index(head) + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
        end += 1
    return [*lines[:end], *(f"    - {_quoted(t)}" for t in texts), *lines[end:]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if any(p.name == FROZEN for p in args.sets):
        sys.exit(f"{FROZEN} is the frozen measurement set: it never trains anything")
    known = {(e.text.casefold(), e.lang) for e in load_corpus().examples}
    added: defaultdict[tuple[str, str], list[tuple[str | None, str]]] = defaultdict(list)
    rows = [
        json.loads(line) for path in args.sets for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    guessed = _guessed_subtypes(rows)
    for row in rows:
        text = " ".join(row["text"].split())
        if (text.casefold(), row["lang"]) in known:
            continue
        known.add((text.casefold(), row["lang"]))
        kind, group = _target(row, guessed)
        added[(kind, row["lang"])].append((group, text))
    for (kind, lang), items in sorted(added.items()):
        path = CORPUS_DIR / kind / f"{lang}.yaml"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else _new_file(kind, lang)
        by_group: defaultdict[str | None, list[str]] = defaultdict(list)
        for group, text in items:
            by_group[group].append(text)
        for group in sorted(by_group, key=str):
            lines = _append(lines, group, by_group[group])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{kind}/{lang}.yaml: +{len(items)}")


if __name__ == "__main__":
    main()
