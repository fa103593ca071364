"""Where the program keeps its data on this computer."""

from __future__ import annotations

from pathlib import Path

from desktop.settings import APP_DIR_NAME, data_dir

__all__ = ["APP_DIR_NAME", "attachments_dir", "backups_dir", "data_dir",
           "default_database_path", "demo_database_path", "log_dir"]


def default_database_path() -> Path:
    return data_dir() / "antq.db"


def demo_database_path() -> Path:
    return data_dir() / "demo.db"


def attachments_dir(db_path: Path) -> Path:
    """Attachments live beside their database, stored by content hash."""
    return db_path.with_name(db_path.stem + "-files")


def backups_dir(db_path: Path) -> Path:
    """Backups live beside their database, one folder per database (demo.db has its own)."""
    return db_path.with_name(db_path.stem + "-backups")


def log_dir() -> Path:
    """The log of unforeseen errors (desktop/errorlog.py): one per user, whatever database."""
    return data_dir() / "logs"
