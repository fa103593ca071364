"""Making a rename survive a power cut: after ``os.replace`` the folder itself is synced."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; its rename is durable enough there
        return
    try:
        with contextlib.suppress(OSError):  # some file systems (FAT sticks) refuse it
            os.fsync(fd)
    finally:
        os.close(fd)
