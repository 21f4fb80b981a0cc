"""Files known to the emulator: uploads by the bot, media sent by simulated users, served by getFile."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Upload:
    """A multipart file part, i.e. an InputFile the bot uploaded instead of naming a file_id."""

    filename: str
    content_type: str
    data: bytes


def resolve_attachments(params: dict[str, Any]) -> None:
    """Replace "attach://name" values by the uploaded part called `name`, as Telegram does."""
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = params.get(value[len("attach://") :])
            if isinstance(part, Upload):
                params[key] = part


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str

    def as_file(self) -> dict[str, object]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(self, kind: str, data: bytes, mime_type: str = "application/octet-stream", ext: str = "bin") -> StoredFile:
        n = next(self._counter)
        stored = StoredFile(
            file_id=f"EMU{kind[:3].upper()}{n:08d}",
            file_unique_id=f"U{n:08d}",
            file_path=f"{kind}s/file_{n}.{ext}",
            data=data,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)
