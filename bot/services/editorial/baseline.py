"""The reviewed YAML baseline (knowledge/entries), parsed once and kept until a file changes.

Parsing and validating every entry file takes about a second; every editor page needs the
result. The cache is keyed by the name, size and mtime of every entry file and of the topics
file, so an edited, added or removed file (a `git pull`, `fairbot kb export`) is seen on the
next read; publishing drops it explicitly. Reads run in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from knowledge.loader import entry_files, load_entries_with_errors
from knowledge.schema import Entry

Signature = tuple[tuple[str, int, int], ...]


class BaselineCache:
    """The baseline of one entries directory: `await get()` from async code, `load()` from a thread."""

    def __init__(self, entries_dir: Path, topics_file: Path | None = None) -> None:
        self.entries_dir = entries_dir
        self.topics_file = topics_file
        self._lock = threading.Lock()
        self._signature: Signature | None = None
        self._entries: dict[str, Entry] = {}

    def _current_signature(self) -> Signature:
        files = entry_files(self.entries_dir) if self.entries_dir.is_dir() else []
        if self.topics_file is not None:
            files.append(self.topics_file)
        stamps = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:  # removed between the listing and the stat: the next read sees it gone
                continue
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def load(self) -> dict[str, Entry]:
        """Blocking: the entries by id, re-parsed only when a file changed. A fresh dict each call."""
        with self._lock:
            signature = self._current_signature()
            if signature != self._signature:
                entries, _errors = load_entries_with_errors(self.entries_dir, self.topics_file)
                self._entries = {e.id: e for e in entries}
                self._signature = signature
            return dict(self._entries)

    async def get(self) -> dict[str, Entry]:
        return await asyncio.to_thread(self.load)

    def invalidate(self) -> None:
        with self._lock:
            self._signature = None
