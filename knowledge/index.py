"""The vector index: one faiss row per (entry, language, text), versioned on disk.

Each build writes a complete new version directory and then swaps the
`CURRENT` pointer with an atomic rename, so a reader never sees half an index
and a running process can switch to the new version between two requests.
Embeddings are cached by (model, side, text) hash (knowledge/embedding_cache.py),
so editing one entry only re-embeds that entry's changed texts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge import flat_search
from knowledge.classifier import SoftmaxClassifier
from knowledge.embedding_cache import CACHE_FILE, EmbeddingCache, embed
from knowledge.encoders import Encoder
from knowledge.index_models import (
    INTENT_MODEL_FILE,
    INTENT_NEIGHBOURS_FILE,
    TEXT_TOPIC_MODEL_FILE,
    TOPIC_MODEL_FILE,
    TRAINED_MODELS,
    load_models,
    load_text_topics,
    save_translit,
    train_intents,
    train_text_topic_model,
    train_topics,
)
from knowledge.intents import IntentCorpus
from knowledge.intents.neighbours import EmergencyNeighbours
from knowledge.lexical import LexicalIndex
from knowledge.schema import Entry
from knowledge.text_topics import TextTopicModel

CURRENT = "CURRENT"
VERSIONS = "versions"
KEEP_VERSIONS = 3
FORMAT = 2  # 2: intent examples left the vector index for a classifier of their own


@dataclass(frozen=True)
class Row:
    """What one vector stands for. Questions are embedded on the query side, title and answer on the passage side."""

    entry_id: str
    lang: str
    kind: str  # title | answer | question
    latin: bool = False  # a question variant written in Latin letters in a non-Latin language (transliterated)

    @property
    def is_query_side(self) -> bool:
        return self.kind == "question"


@dataclass(frozen=True)
class BuildReport:
    version: str
    path: Path
    entries: int
    vectors: int
    embedded: int  # texts that were not in the cache
    seconds: float
    changed_entries: list[str]
    unchanged: bool = False


NON_LATIN_LANGUAGES = frozenset({"ar", "fa", "ru", "uk"})


def _is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) > 0.8 * len(letters)


def rows_and_texts(entries: Sequence[Entry]) -> tuple[list[Row], list[str]]:
    """Every vector an index holds for `entries`, and its text: title, answer lead and question variants per language."""
    rows: list[Row] = []
    texts: list[str] = []
    for entry in entries:
        for lang, text in entry.texts.items():
            rows.append(Row(entry.id, lang, "title"))
            texts.append(text.title)
            rows.append(Row(entry.id, lang, "answer"))
            texts.append(text.answer_lead)
            for question in text.questions:
                rows.append(Row(entry.id, lang, "question", lang in NON_LATIN_LANGUAGES and _is_latin(question)))
                texts.append(question)
    return rows, texts


def _manifest(entries: Sequence[Entry], encoder: Encoder, rows: list[Row], intents: IntentCorpus | None) -> dict:
    entry_hashes = {e.id: e.content_hash() for e in entries}
    if intents is not None and intents.examples:
        entry_hashes["@intents"] = intents.fingerprint()
    return {
        "format": FORMAT,
        "model": encoder.model_id,
        "dimension": encoder.dim,
        "built_by": encoder.name,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entries": entry_hashes,
        "vectors": len(rows),
        "models": list(TRAINED_MODELS),
    }


def _stage(progress: Callable[[str, int, int], None] | None, stage: str) -> Callable[[int, int], None] | None:
    return None if progress is None else (lambda done, total: progress(stage, done, total))


class IndexStore:
    """The directory that holds index versions and the CURRENT pointer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    @property
    def pointer(self) -> Path:
        return self.root / CURRENT

    def current_version(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def version_path(self, version: str) -> Path:
        return self.root / VERSIONS / version

    def current_manifest(self) -> dict | None:
        version = self.current_version()
        if not version:
            return None
        try:
            return json.loads((self.version_path(version) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """One build at a time, across processes: the CLI, the console and a second replica may all build."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.root / ".build.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def build(
        self,
        entries: Sequence[Entry] | Callable[[], Sequence[Entry]],
        encoder: Encoder,
        *,
        intents: IntentCorpus | None = None,
        force: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> BuildReport:
        """Embeds what changed, writes a new version, and switches CURRENT to it.

        Pass a loader instead of a list to read the entries only once the build lock is held,
        so a build that waited for another one never publishes the older content. `progress` hears
        (stage, texts embedded, texts to embed) while the entries and the intent examples are embedded.
        """
        started = time.perf_counter()
        with self.exclusive():
            entries = sorted(entries() if callable(entries) else entries, key=lambda e: e.id)
            previous = self.current_manifest() or {}
            rows, texts = rows_and_texts(entries)
            manifest = _manifest(entries, encoder, rows, intents)
            old_hashes: dict[str, str] = (
                previous.get("entries", {}) if previous.get("model") == encoder.model_id else {}
            )
            changed = sorted(
                {eid for eid, h in manifest["entries"].items() if old_hashes.get(eid) != h}
                | (set(old_hashes) - set(manifest["entries"]))
            )
            current = self.current_version()
            # A version built before a kind of model existed is rebuilt once, although no entry changed.
            if not changed and current and not force and previous.get("models") == manifest["models"]:
                return BuildReport(
                    current,
                    self.version_path(current),
                    len(entries),
                    len(rows),
                    0,
                    time.perf_counter() - started,
                    [],
                    unchanged=True,
                )
            cache = EmbeddingCache(self.root / CACHE_FILE)
            matrix, embedded, used_keys = embed(
                encoder, cache, texts, [r.is_query_side for r in rows], _stage(progress, "entries")
            )
            previous_dir = self.version_path(current) if current else None
            questions = [i for i, r in enumerate(rows) if r.kind == "question"]
            topic_of = {e.id: e.topic for e in entries}
            topic_texts = [texts[i] for i in questions]
            topic_labels = [topic_of[rows[i].entry_id] for i in questions]
            topic_matrix = matrix[questions]
            intent_model = neighbours = None
            if intents is not None and intents.examples:
                corpus_texts = [e.text for e in intents.examples]
                corpus_matrix, _, intent_keys = embed(
                    encoder, cache, corpus_texts, [True] * len(corpus_texts), _stage(progress, "intent examples")
                )
                used_keys |= intent_keys
                intent_model, neighbours = train_intents(
                    intents,
                    corpus_matrix,
                    [(rows[i].lang, texts[i]) for i in questions],
                    matrix[questions],
                    encoder.model_id,
                    previous_dir,
                )
                labelled = intents.topic_examples()  # real phrasings with their topic teach the topic model too
                topic_texts += [intents.examples[i].text for i, _ in labelled]
                topic_labels += [topic for _, topic in labelled]
                topic_matrix = np.vstack([topic_matrix, corpus_matrix[[i for i, _ in labelled]]])
            content = hashlib.sha1(
                json.dumps(manifest["entries"], sort_keys=True).encode(), usedforsecurity=False
            ).hexdigest()[:8]
            version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{content}"
            tmp_dir = self.root / VERSIONS / f".{version}.tmp"
            tmp_dir.mkdir(parents=True)
            index = faiss.IndexFlatIP(encoder.dim)
            if len(matrix):
                index.add(matrix)
            faiss.write_index(index, str(tmp_dir / "vectors.faiss"))
            if intent_model is not None:
                intent_model.save(tmp_dir / INTENT_MODEL_FILE)
            if neighbours is not None:
                neighbours.save(tmp_dir / INTENT_NEIGHBOURS_FILE)
            if intents is not None and intents.examples:
                same_corpus = previous.get("entries", {}).get("@intents") == manifest["entries"]["@intents"]
                save_translit(intents, previous_dir, same_corpus, tmp_dir)
            topic_model = train_topics(topic_texts, topic_labels, topic_matrix, encoder.model_id, previous_dir)
            if topic_model is not None:
                topic_model.save(tmp_dir / TOPIC_MODEL_FILE)
            text_topic_model = train_text_topic_model(topic_texts, topic_labels, previous_dir)
            if text_topic_model is not None:
                text_topic_model.save(tmp_dir / TEXT_TOPIC_MODEL_FILE)
            (tmp_dir / "rows.json").write_text(
                json.dumps([[r.entry_id, r.lang, r.kind, r.latin] for r in rows], ensure_ascii=False), encoding="utf-8"
            )
            (tmp_dir / "entries.json").write_text(
                json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False), encoding="utf-8"
            )
            (tmp_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
            final_dir = self.version_path(version)
            tmp_dir.rename(final_dir)
            pointer_tmp = self.root / f".{CURRENT}.tmp"
            pointer_tmp.write_text(version, encoding="utf-8")
            os.replace(pointer_tmp, self.pointer)
            cache.save(used_keys)
            self._prune(keep=version)
            return BuildReport(
                version, final_dir, len(entries), len(rows), embedded, time.perf_counter() - started, changed
            )

    def _prune(self, keep: str) -> None:
        """Keeps a few old versions: a process may still be reading one it loaded a moment ago."""
        versions_dir = self.root / VERSIONS
        versions = sorted(p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        for old in versions[:-KEEP_VERSIONS]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)

    def load(self, version: str | None = None) -> LoadedIndex:
        version = version or self.current_version()
        if not version:
            raise FileNotFoundError(f"no index in {self.root}; build one with `fairbot index build`")
        return LoadedIndex.read(self.version_path(version), version)


@dataclass
class LoadedIndex:
    """One immutable index version in memory."""

    version: str
    manifest: dict
    index: faiss.Index
    rows: list[Row]
    entries: dict[str, Entry]
    lexical: LexicalIndex
    intent_model: SoftmaxClassifier | None = None  # None: built without a corpus; only the patterns decide
    topic_model: SoftmaxClassifier | None = None  # None: too few topics to train one; retrieval alone ranks
    intent_neighbours: EmergencyNeighbours | None = None
    text_topic_model: TextTopicModel | None = None  # None: an index version built before the character model

    @classmethod
    def read(cls, path: Path, version: str) -> LoadedIndex:
        if not (path / "manifest.json").exists():
            raise FileNotFoundError(
                f"index version {version} is missing or incomplete at {path}; rebuild with `fairbot index build`"
            )
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"index at {path} has format {manifest.get('format')}, expected {FORMAT}; rebuild it")
        rows = [Row(*r) for r in json.loads((path / "rows.json").read_text(encoding="utf-8"))]
        entries = {
            e["id"]: Entry.model_validate(e) for e in json.loads((path / "entries.json").read_text(encoding="utf-8"))
        }
        index = faiss.read_index(str(path / "vectors.faiss"))
        if index.ntotal != len(rows):
            raise ValueError(f"index at {path} has {index.ntotal} vectors for {len(rows)} rows; rebuild it")
        intent_model, topic_model, neighbours = load_models(path)
        return cls(
            version,
            manifest,
            index,
            rows,
            entries,
            LexicalIndex(entries.values()),
            intent_model,
            topic_model,
            neighbours,
            load_text_topics(path),
        )

    def is_served(self, entry: Entry, day: dt.date) -> bool:
        """Valid today; or expired but with no successor valid today, so it is served with a dated caveat
        (answers.py) rather than dropped, which would send the question to the wrong entry."""
        if entry.valid_from and day < entry.valid_from:
            return False
        if not entry.is_expired_on(day):
            return True
        return not any(e.replaces == entry.id and e.is_valid_on(day) for e in self.entries.values())

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Row, float]]:
        return self.search_many(np.asarray(vector).reshape(1, -1), k)[0]

    def search_many(self, vectors: np.ndarray, k: int) -> list[list[tuple[Row, float]]]:
        """The k nearest rows of each vector: one pass over the index for all of them (far cheaper per vector)."""
        if self.index.ntotal == 0:
            return [[] for _ in range(len(vectors))]
        scores, ids = flat_search.search(self.index, vectors, min(k, self.index.ntotal))
        return [
            [(self.rows[i], float(s)) for s, i in zip(row_scores, row_ids, strict=True) if i >= 0]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]
