"""Everything that differs between Windows (most commune laptops), Linux and macOS, in one
place: the data folder, private files and folders, locking a file, syncing a folder, the
removable drives a stick appears as, and the window's font.

Callers never test ``os.name`` or ``sys.platform`` themselves; tests/test_platform_os.py
runs each branch by setting :func:`system` and replacing the OS calls.

Permissions: on POSIX a file the program writes is 0600 and its folders 0700, whatever the
umask. On Windows there is no mode to set: the data folder is under the user's profile
(``%LOCALAPPDATA%``), whose ACL already grants only the user, SYSTEM and Administrators, and
files created inside inherit it; the program relies on that and changes no ACL.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

WINDOWS, MACOS, POSIX = "windows", "macos", "posix"
DRIVE_REMOVABLE = 2  # GetDriveTypeW: a stick or a card reader (fixed disks are 3)
# Where Linux desktops mount what is plugged in (udisks2: /media/USER/LABEL on Debian and
# Ubuntu, /run/media/USER/LABEL on Fedora and Arch); macOS: /Volumes/LABEL.
LINUX_MEDIA_ROOTS = ("/media", "/run/media")
MACOS_VOLUMES = "/Volumes"
WINDOWS_UI_FONT = "Segoe UI"  # every Windows since 7 has it, with every Vietnamese letter


def system() -> str:
    """``windows``, ``macos`` or ``posix`` (Linux and the other Unixes)."""
    if os.name == "nt" or sys.platform == "win32":
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return POSIX


# -- the data folder -----------------------------------------------------------------------

def user_data_dir(app_dir: str) -> Path:
    """The per-user folder: %LOCALAPPDATA%\\<app> on Windows (not roaming: a database must
    not follow the user to another machine), ~/Library/Application Support/<app> on macOS,
    $XDG_DATA_HOME/<app> (~/.local/share/<app>) on Linux.

    On Linux and the other Unixes the XDG rule is read here, as platformdirs reads it (an
    absolute ``XDG_DATA_HOME``, else an absolute ``HOME``'s ``.local/share``;
    tests/test_platform_os.py holds the two to the same folder): importing platformdirs, a
    dozen modules, was 9 ms of processor time before a window's frame (issue 12). Windows,
    macOS and an odd environment (no absolute ``HOME``) ask platformdirs."""
    if system() == POSIX:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        if os.path.isabs(xdg):
            return Path(xdg, app_dir)
        home = os.environ.get("HOME", "")
        if os.path.isabs(home):
            return Path(home, ".local", "share", app_dir)
    import platformdirs

    return Path(platformdirs.user_data_dir(app_dir, False, roaming=False))


# -- private files and folders -------------------------------------------------------------

def private_mode_supported() -> bool:
    """False on Windows, where the profile's ACL keeps the data private (see above)."""
    return system() != WINDOWS


def make_private(path: Path, *, folder: bool = False) -> bool:
    """Take group and others' access away from ``path`` (0600, or 0700 for a folder) if it
    has any; True if the mode was changed. A file that is absent or not ours is left alone."""
    if not private_mode_supported():
        return False
    try:
        mode = path.stat().st_mode
        if not stat.S_IMODE(mode) & 0o077:
            return False
        path.chmod(0o700 if folder else 0o600)
        return True
    except OSError:
        return False


def private_dir(path: Path) -> Path:
    """``path`` and its missing parents created, ``path`` itself this user's only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_private(path, folder=True)
    return path


def open_private(path: Path | str, flags: int) -> int:
    """``os.open`` of a file created readable by this user only (the mode is ignored on
    Windows, where the folder's ACL applies). O_BINARY on Windows: no newline translation."""
    flags |= getattr(os, "O_BINARY", 0) | os.O_CREAT
    return os.open(path, flags, 0o600)


# -- locking ----------------------------------------------------------------------------

class LockedByAnother(OSError):
    """Another process holds the lock."""


def _lock_posix(fd: int, blocking: bool) -> None:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError as e:
        raise LockedByAnother(str(e)) from e


def _unlock_posix(fd: int) -> None:
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_windows(fd: int, blocking: bool) -> None:
    import msvcrt

    os.lseek(fd, 0, os.SEEK_SET)
    try:  # the first byte stands for the whole file; LK_LOCK retries for 10 s, then fails
        msvcrt.locking(fd, msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    except OSError as e:
        raise LockedByAnother(str(e)) from e


def _unlock_windows(fd: int) -> None:
    import msvcrt

    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]


@contextlib.contextmanager
def file_lock(path: Path, *, blocking: bool = True) -> Iterator[IO[bytes]]:
    """An exclusive lock on ``path`` (a small file beside what it guards, created 0600),
    between processes of this machine: flock on POSIX, msvcrt.locking on Windows. Raises
    :class:`LockedByAnother` at once when ``blocking`` is False and someone holds it."""
    windows = system() == WINDOWS
    lock, unlock = (_lock_windows, _unlock_windows) if windows else (_lock_posix, _unlock_posix)
    fd = open_private(path, os.O_RDWR)
    try:
        lock(fd, blocking)
        handle = os.fdopen(os.dup(fd), "r+b")  # closed here, whatever the caller did
        try:
            yield handle
        finally:
            handle.close()
            unlock(fd)
    finally:
        os.close(fd)


# -- durable renames -------------------------------------------------------------------

def fsync_dir(folder: Path) -> None:
    """After ``os.replace``, sync the folder so the rename survives a power cut (POSIX).
    Windows cannot open a folder this way, and NTFS journals the rename itself."""
    if system() == WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems (FAT sticks) refuse it
            os.fsync(fd)
    finally:
        os.close(fd)


# -- removable drives ----------------------------------------------------------------------

def _windows_drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))  # type: ignore[attr-defined]


def _windows_drive_mask() -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetLogicalDrives())  # type: ignore[attr-defined]


def _windows_removable() -> list[Path]:
    mask = _windows_drive_mask()
    roots = [f"{chr(ord('A') + i)}:\\" for i in range(26) if mask >> i & 1]
    return [Path(r) for r in roots if _windows_drive_type(r) == DRIVE_REMOVABLE]


def _mounted_children(root: Path) -> list[Path]:
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:  # absent, or another user's folder
        return []
    return [p for p in children if os.path.ismount(p)]


def _posix_removable() -> list[Path]:
    """Mount points under /media and /run/media: /media/USER/LABEL, /run/media/USER/LABEL,
    and /media/LABEL as some systems (and usbmount) make them."""
    found: list[Path] = []
    for root in map(Path, LINUX_MEDIA_ROOTS):
        for child in _mounted_children(root):
            found.append(child)
        try:
            users = sorted(p for p in root.iterdir() if p.is_dir() and not os.path.ismount(p))
        except OSError:
            users = []
        for user in users:
            found += _mounted_children(user)
    return found


def _macos_removable() -> list[Path]:
    volumes = Path(MACOS_VOLUMES)
    try:  # the start-up disk appears there as a symbolic link to /
        return sorted(p for p in volumes.iterdir()
                      if p.is_dir() and not p.is_symlink() and os.path.ismount(p))
    except OSError:
        return []


def removable_drives() -> list[Path]:
    """Where a USB stick is now: the removable drive letters on Windows, the mounted media
    on Linux and macOS. Empty when none is plugged in."""
    which = system()
    if which == WINDOWS:
        return _windows_removable()
    if which == MACOS:
        return _macos_removable()
    return _posix_removable()


# -- fonts ---------------------------------------------------------------------------------

def system_ui_font() -> str | None:
    """The system's own window font when it is known to have every Vietnamese letter
    (Segoe UI on Windows), else None: the shipped DejaVu Sans is used (a bare Linux may
    have no font at all, and macOS's is not reachable by name)."""
    return WINDOWS_UI_FONT if system() == WINDOWS else None
