"""`fairbot kb export`: the served state (YAML baseline plus published revisions) written back to YAML,
so every content change made in the console stays reviewable in git."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.editorial.baseline import BaselineCache
from bot.services.editorial.publishing import served_entries
from knowledge.loader import write_entries


async def export(session: AsyncSession, cache: BaselineCache, directory: Path) -> list[Path]:
    """Write one YAML file per served entry under `directory/<topic>/`; the baseline cache sees the new mtimes."""
    entries = await served_entries(session, cache)
    return await asyncio.to_thread(write_entries, entries, directory)
