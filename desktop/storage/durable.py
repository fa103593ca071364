"""Making a rename survive a power cut: after ``os.replace`` the folder itself is synced
(the OS-specific part lives in desktop/platform_os.py)."""

from __future__ import annotations

from desktop.platform_os import fsync_dir

__all__ = ["fsync_dir"]
