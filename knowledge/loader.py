"""YAML ⇄ entries, with errors that name the file and line.

Editors fix what `fairbot kb check` lists, so every problem is reported at
once (not just the first) and points at the line to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.schema import SUPPORTED_LANGUAGES, Entry
from knowledge.topics import topic_ids


@dataclass(frozen=True)
class EntryError:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class EntryErrors(Exception):
    """All problems found in a set of entry files."""

    def __init__(self, errors: list[EntryError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping key so validation errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    lines = {key_node.value: key_node.start_mark.line + 1 for key_node, _ in node.value if hasattr(key_node, "value")}
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings until pydantic parses them, so a bad date is a validation error with a line.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in ("__lines__", "__line__")}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(raw: Any, loc: tuple[int | str, ...]) -> int | None:
    """Walks the pydantic error location through the raw YAML to the nearest known line."""
    line = raw.get("__line__") if isinstance(raw, dict) else None
    node = raw
    for part in loc:
        if isinstance(node, dict):
            line = node.get("__lines__", {}).get(part, line)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__line__", line)
        else:
            break
    return line


def parse_entry(text: str, path: Path, known_topics: frozenset[str]) -> tuple[Entry | None, list[EntryError]]:
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [EntryError(path, line, f"malformed YAML: {problem}")]
    if not isinstance(raw, dict):
        return None, [EntryError(path, 1, "an entry must be a YAML mapping with id, topic, reviewed, sources, texts")]
    errors: list[EntryError] = []
    topic = raw.get("topic")
    if isinstance(topic, str) and topic not in known_topics:
        errors.append(
            EntryError(path, _line_of(raw, ("topic",)), f"topic: unknown topic id {topic!r} (see topics.yaml)")
        )
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and path.stem != entry_id:
        errors.append(
            EntryError(path, _line_of(raw, ("id",)), f"id: {entry_id!r} must match the file name {path.stem!r}")
        )
    try:
        entry = Entry.model_validate(_strip_lines(raw))
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "entry"
            errors.append(EntryError(path, _line_of(raw, loc), f"{field}: {err['msg']}"))
        return None, errors
    return (entry if not errors else None), errors


def entry_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())


def load_entries_with_errors(directory: Path, topics_file: Path | None = None) -> tuple[list[Entry], list[EntryError]]:
    known = topic_ids(topics_file)
    entries: list[Entry] = []
    errors: list[EntryError] = []
    first_seen: dict[str, Path] = {}
    if not directory.is_dir():
        return [], [EntryError(directory, None, "entries directory does not exist (set FAIRBOT_ENTRIES_DIR)")]
    for path in entry_files(directory):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(EntryError(path, None, f"cannot read file: {exc}"))
            continue
        entry, found = parse_entry(text, path, known)
        errors.extend(found)
        if entry is None:
            continue
        if entry.id in first_seen:
            errors.append(EntryError(path, 1, f"id: duplicate id {entry.id!r}, also used in {first_seen[entry.id]}"))
            continue
        first_seen[entry.id] = path
        entries.append(entry)
    return entries, errors


def load_entries(directory: Path, topics_file: Path | None = None) -> list[Entry]:
    entries, errors = load_entries_with_errors(directory, topics_file)
    if errors:
        raise EntryErrors(errors)
    return entries


def _block_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _EntryDumper(yaml.SafeDumper):
    pass


_EntryDumper.add_representer(str, _block_str)
_EntryDumper.add_representer(dt.date, lambda d, v: d.represent_scalar("tag:yaml.org,2002:timestamp", v.isoformat()))


def dump_entry(entry: Entry) -> str:
    """YAML in the hand-written layout (key order, languages in the usual order), for review in git."""
    data = entry.model_dump(mode="python", exclude_none=False)
    data["sources"] = [
        {"title": s["title"], "url": str(s["url"]), **({"why": s["why"]} if s.get("why") else {})}
        for s in data["sources"]
    ]
    ordered_langs = [*SUPPORTED_LANGUAGES, *(k for k in data["texts"] if k not in SUPPORTED_LANGUAGES)]
    data["texts"] = {lang: data["texts"][lang] for lang in ordered_langs if lang in data["texts"]}
    for key in ("valid_from", "region", "review", "replaces"):
        if data.get(key) is None:
            data.pop(key)
    return yaml.dump(data, Dumper=_EntryDumper, sort_keys=False, allow_unicode=True, width=10_000)


def write_entries(entries: Iterable[Entry], directory: Path) -> list[Path]:
    written = []
    for entry in entries:
        path = directory / entry.topic / f"{entry.id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(dump_entry(entry), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
