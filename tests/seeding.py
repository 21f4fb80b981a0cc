"""Seeds a test's private data directory with the suite's converted model and embedding cache.

Tests that start an app or build an index on a data directory of their own (browser console,
publish → re-index) would otherwise convert the model and embed all 8,800 intent examples again:
minutes per module on a 2-core machine, and timeouts when several run at once. The cache is keyed
by text and encoder, so a seeded build computes exactly what an unseeded one would, only faster.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from knowledge.index import CACHE_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def suite_data_dir() -> Path:
    """The data directory scripts/test built its index in (FAIRBOT_DATA_DIR, default var/test)."""
    return Path(os.environ.get("FAIRBOT_DATA_DIR") or PROJECT_ROOT / "var" / "test")


def seed_data_dir(target: Path) -> None:
    """Link the converted model and copy the embedding cache into `target` (a data dir), where they exist."""
    source = suite_data_dir()
    target.mkdir(parents=True, exist_ok=True)
    models = source / "models"
    if models.is_dir() and not (target / "models").exists():
        (target / "models").symlink_to(models, target_is_directory=True)
    cache = source / "index" / CACHE_FILE
    if cache.is_file():
        (target / "index").mkdir(exist_ok=True)
        shutil.copyfile(cache, target / "index" / CACHE_FILE)
