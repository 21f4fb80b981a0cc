"""Building the index from what the bot serves: the entry files with the console's published revisions.

The command line (`fairbot index build`), the app's first start (in a child process, so the index
encoder's memory stays out of the server) and the tests share these.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable

from bot.config import Settings
from knowledge.encoders import load_encoder
from knowledge.index import BuildReport, IndexStore
from knowledge.intents import load_corpus
from knowledge.loader import load_entries
from knowledge.schema import Entry
from knowledge.settings import EncoderName

log = logging.getLogger(__name__)


def build_index(
    settings: Settings,
    *,
    force: bool = False,
    encoder_name: EncoderName | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildReport:
    """Builds (incrementally) the index from the entries directory; the CLI, the app start and tests share it."""
    encoder = load_encoder(settings.knowledge, encoder_name or settings.fairbot_index_encoder)
    return IndexStore(settings.index_dir).build(
        lambda: served_entries(settings),
        encoder,
        intents=load_corpus(),
        force=force,
        progress=progress,
    )


def served_entries(settings: Settings) -> list[Entry]:
    """What the bot serves: the YAML files, each replaced by its newest revision published in the console.

    Every build goes through here, so a build from the command line never drops what editors published.
    Without a database yet (a fresh install) the YAML files are all there is.
    """
    import asyncio

    from bot.services.editorial import Editorial
    from bot.storage.db import Database

    entries = load_entries(settings.fairbot_entries_dir, settings.fairbot_topics_file)
    url = settings.effective_database_url
    if (
        url.startswith("sqlite")
        and not (settings.fairbot_data_dir / "fairbot.db").exists()
        and not settings.database_url
    ):
        return entries

    async def overlay() -> list[Entry]:
        db = Database(url)
        try:
            async with db.session() as session:
                return await Editorial(settings).served_entries(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(overlay())
    except Exception as exc:  # an unmigrated or unreachable database: the YAML files still make a valid index
        log.warning("published_revisions_unavailable", extra={"error": type(exc).__name__})
        return entries


def build_in_child_process(settings: Settings) -> None:
    """The first build embeds every text with the index encoder; doing it in a child process keeps that
    encoder's memory out of the long-running server. On a terminal its progress bars show through (a
    first `make run` otherwise sat silent for minutes); elsewhere only its last lines, on failure."""
    log.info("index_build_started", extra={"index_dir": str(settings.index_dir)})
    shown = sys.stderr.isatty()
    env = {
        **os.environ,
        "FAIRBOT_DATA_DIR": str(settings.fairbot_data_dir),
        "FAIRBOT_ENTRIES_DIR": str(settings.fairbot_entries_dir),
        "FAIRBOT_PROGRESS": "1" if shown else "0",
    }
    if shown:
        print("First start: building the search index once (a few minutes) ...", file=sys.stderr, flush=True)
    child = subprocess.Popen([sys.executable, "-m", "indexer", "build"], env=env, stderr=subprocess.PIPE)
    assert child.stderr is not None
    tail = bytearray()
    while chunk := os.read(child.stderr.fileno(), 4096):
        if shown:
            sys.stderr.buffer.write(chunk)
            sys.stderr.flush()
        tail = (tail + chunk)[-2000:]
    if child.wait() != 0:
        raise FileNotFoundError(
            f"could not build the index in {settings.index_dir}: {tail.decode(errors='replace').strip()[-500:]} "
            "(run `fairbot kb check` and `fairbot index build` to see why)"
        )
