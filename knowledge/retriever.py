"""Query → ranked entries with scores, from whichever index version is current.

The retriever keeps one loaded index version and swaps to a newer one when
the CURRENT pointer moves, between two requests: the old version stays
usable until the new one is fully loaded, so no request fails during a publish.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.encoders import Encoder
from knowledge.index import IndexStore, LoadedIndex, Row
from knowledge.intents import IntentScores
from knowledge.schema import Entry

# Queries per faiss search: below faiss's BLAS threshold (20), every score comes from the same kernel whatever
# the batch size, so a message's result does not depend on which others it was batched with.
SEARCH_CHUNK = 16


@dataclass(frozen=True)
class EntryHit:
    entry: Entry
    score: float  # dense + lexical_weight * squashed BM25: what ranking and thresholds use
    lang: str  # language of the best-matching vector
    kind: str
    dense: float = 0.0
    lexical: float = 0.0
    topic_probability: float = 0.0  # the topic model's probability for this entry's topic

    @property
    def topic(self) -> str:
        return self.entry.topic


@dataclass(frozen=True)
class SearchResult:
    hits: list[EntryHit]  # best first, one per entry, only entries valid today
    intents: IntentScores | None  # the classifier's view of the message (None: index built without a corpus)
    version: str
    neighbours: list[tuple[Row, float]] = field(default_factory=list)

    def by_topic(self) -> list[EntryHit]:
        """Best entry per topic, best first."""
        seen: set[str] = set()
        out = []
        for hit in self.hits:
            if hit.topic not in seen:
                seen.add(hit.topic)
                out.append(hit)
        return out


class Retriever:
    def __init__(
        self,
        store: IndexStore,
        encoder: Encoder,
        *,
        search_k: int = 96,
        lexical_weight: float = 0.0,
        lexical_saturation: float = 20.0,
        topic_weight: float = 0.0,
        topic_text_share: float = 0.0,
        check_interval: float = 0.5,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.search_k = search_k
        self.lexical_weight = lexical_weight
        self.lexical_saturation = lexical_saturation
        self.topic_weight = topic_weight
        self.topic_text_share = topic_text_share
        self.check_interval = check_interval
        self._index: LoadedIndex | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def index(self) -> LoadedIndex:
        if self._index is None:
            self.reload_if_changed(force=True)
        assert self._index is not None
        return self._index

    def reload_if_changed(self, force: bool = False) -> bool:
        """Cheap enough to call on every request: it reads a tiny pointer file at most twice a second."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_interval:
            return False
        self._checked_at = now
        version = self.store.current_version()
        if version is None or (self._index is not None and self._index.version == version):
            if version is None and self._index is None:
                raise FileNotFoundError(f"no index in {self.store.root}; build one with `fairbot index build`")
            return False
        with self._lock:
            if self._index is not None and self._index.version == version:
                return False
            loaded = self.store.load(version)
            if loaded.manifest.get("model") != self.encoder.model_id:
                raise ValueError(
                    f"index {version} was built with {loaded.manifest.get('model')}, but the encoder is "
                    f"{self.encoder.model_id}; rebuild it with `fairbot index build --force`"
                )
            self._index = loaded  # a single reference swap: readers see the old or the new index, never a mix
            return True

    def embed(self, text: str) -> np.ndarray:
        return self.encoder.encode_queries([text])[0]

    def search(
        self, text: str, *, today: dt.date | None = None, region: str | None = None, vector: np.ndarray | None = None
    ) -> SearchResult:
        vectors = None if vector is None else np.asarray(vector).reshape(1, -1)
        return self.search_many([text], today=today, region=region, vectors=vectors)[0]

    def search_many(
        self,
        texts: Sequence[str],
        *,
        today: dt.date | None = None,
        region: str | None = None,
        vectors: np.ndarray | None = None,
    ) -> list[SearchResult]:
        """`search` for several texts: one encoder call and one pass over each flat index for all of them.

        Each text's result is the one `search` gives it alone (tests/integration/test_microbatch.py).
        """
        self.reload_if_changed()
        index = self.index
        today = today or dt.date.today()
        if not texts:
            return []
        queries = self.encoder.encode_queries(list(texts)) if vectors is None else vectors
        neighbours: list[list[tuple[Row, float]]] = []
        shares: list[float | None] = []
        for start in range(0, len(texts), SEARCH_CHUNK):
            chunk = queries[start : start + SEARCH_CHUNK]
            neighbours.extend(index.search_many(chunk, self.search_k))
            if index.intent_model is not None and index.intent_neighbours is not None:
                shares.extend(float(s) for s in index.intent_neighbours.shares(chunk))
            else:
                shares.extend([None] * len(chunk))
        return [
            self._result(index, text, query, found, share, today, region)
            for text, query, found, share in zip(texts, queries, neighbours, shares, strict=True)
        ]

    def _topic_probabilities(self, index: LoadedIndex, text: str, query: np.ndarray) -> dict[str, float]:
        """P(topic) of the embedding model, blended with the character model's by `topic_text_share`."""
        by_vector = index.topic_model.probabilities(query) if index.topic_model is not None else {}
        share, text_model = self.topic_text_share, index.text_topic_model
        if not share or text_model is None:
            return by_vector
        by_text = text_model.probabilities(text)
        return {
            t: (1 - share) * by_vector.get(t, 0.0) + share * by_text.get(t, 0.0) for t in by_vector.keys() | by_text
        }

    def _result(
        self,
        index: LoadedIndex,
        text: str,
        query: np.ndarray,
        neighbours: list[tuple[Row, float]],
        share: float | None,
        today: dt.date,
        region: str | None,
    ) -> SearchResult:
        best: dict[str, tuple[float, Row]] = {}
        intents = None
        if index.intent_model is not None:
            intents = IntentScores(index.intent_model.probabilities(query), share)
        for row, score in neighbours:
            if row.entry_id not in best or score > best[row.entry_id][0]:
                best[row.entry_id] = (score, row)
        lexical = index.lexical.scores(text, best) if self.lexical_weight else {}
        topics = self._topic_probabilities(index, text, query) if self.topic_weight else {}
        hits = []
        for entry_id, (score, row) in best.items():
            entry = index.entries.get(entry_id)
            if entry is None or not index.is_served(entry, today):
                continue
            if entry.region and region and entry.region != region:
                continue
            bm25 = lexical.get(entry_id, 0.0)
            squashed = bm25 / (bm25 + self.lexical_saturation)
            topic_p = topics.get(entry.topic, 0.0)
            combined = score + self.lexical_weight * squashed + self.topic_weight * topic_p
            hits.append(EntryHit(entry, combined, row.lang, row.kind, score, squashed, topic_p))
        hits.sort(key=lambda h: (-h.score, h.entry.region is None))
        return SearchResult(hits, intents, index.version, neighbours)
