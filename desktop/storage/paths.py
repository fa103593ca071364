"""Where the program keeps its data on this computer."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR_NAME = "antq-desk"


def data_dir() -> Path:
    """The per-user data folder; ``ANTQ_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("ANTQ_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_DIR_NAME, False))


def default_database_path() -> Path:
    return data_dir() / "antq.db"


def demo_database_path() -> Path:
    return data_dir() / "demo.db"


def attachments_dir(db_path: Path) -> Path:
    """Attachments live beside their database, stored by content hash."""
    return db_path.with_name(db_path.stem + "-files")
