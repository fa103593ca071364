"""Making a file and its rename survive a power cut: a file written is synced before it is
renamed into place, and after ``os.replace`` the folder itself is synced (the OS-specific
part lives in desktop/platform_os.py)."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.platform_os import fsync_dir

__all__ = ["fsync_dir", "fsync_file"]


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)  # Windows flushes only a handle open for writing
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
