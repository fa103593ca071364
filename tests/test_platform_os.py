"""desktop/platform_os.py, each branch: Windows (most commune laptops), Linux and macOS, by
setting the platform and replacing the OS calls (ctypes' kernel32, msvcrt, mount points)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from desktop import platform_os, settings
from desktop.platform_os import LockedByAnother

ROOT = Path(__file__).resolve().parent.parent
posix_only = pytest.mark.skipif(os.name != "posix", reason="modes and flock are POSIX")


@pytest.fixture
def on(monkeypatch):
    def set_system(which: str) -> None:
        monkeypatch.setattr(platform_os, "system", lambda: which)
    return set_system


@pytest.mark.parametrize(("os_name", "platform", "expected"), [
    ("nt", "win32", "windows"), ("posix", "darwin", "macos"), ("posix", "linux", "posix"),
    ("posix", "freebsd14", "posix"),
])
def test_which_system(monkeypatch, os_name, platform, expected):
    monkeypatch.setattr(platform_os.os, "name", os_name)
    monkeypatch.setattr(platform_os.sys, "platform", platform)
    assert platform_os.system() == expected


def test_the_data_folder_is_local_not_roaming_and_overridable(monkeypatch, tmp_path, on):
    import platformdirs

    on("windows")  # (Linux reads the XDG rule itself: below)
    asked = []
    monkeypatch.setattr(platformdirs, "user_data_dir",
                        lambda *a, **k: asked.append((a, k)) or str(tmp_path / "x"))
    monkeypatch.delenv("ANTQ_DATA_DIR", raising=False)
    assert settings.data_dir() == tmp_path / "x"
    assert asked == [(("antq-desk", False), {"roaming": False})]
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "portable"))
    assert settings.data_dir() == tmp_path / "portable"



@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS asks platformdirs")
@pytest.mark.parametrize(("xdg", "home"), [
    (None, "/home/cb"), ("", "/home/cb/"), ("/data/xdg", "/home/cb"), ("relative/xdg", "/home/cb"),
    ("/data/xdg/", "/"), (None, "//srv/home"), (None, "relative"), (None, None),
])
def test_linux_reads_the_xdg_rule_as_platformdirs_does(monkeypatch, xdg, home):
    """The data folder read without platformdirs (start-up time, issue 12) is the folder it
    gives: the officer's database and settings stay where they were."""
    import platformdirs

    for name, value in (("XDG_DATA_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert platform_os.user_data_dir("antq-desk") == \
        Path(platformdirs.user_data_dir("antq-desk", False, roaming=False))


@posix_only
@pytest.mark.skipif(sys.platform == "darwin", reason="macOS asks platformdirs")
def test_linux_finds_the_data_folder_without_importing_platformdirs(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("ANTQ_DATA_DIR", None)
    env.pop("XDG_DATA_HOME", None)
    out = subprocess.run([sys.executable, "-c", "import sys; from desktop import settings; "
                          "print(settings.data_dir(), 'platformdirs' in sys.modules)"],
                         capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.split() == [str(tmp_path / ".local" / "share" / "antq-desk"), "False"]

@posix_only
def test_posix_makes_files_0600_and_folders_0700(tmp_path, on):
    on("posix")
    f = tmp_path / "antq.db"
    f.write_bytes(b"x")
    f.chmod(0o644)
    assert platform_os.make_private(f)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert not platform_os.make_private(f)  # already private: nothing to do
    assert not platform_os.make_private(tmp_path / "absent")
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert platform_os.private_dir(folder) == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    old = os.umask(0)
    try:
        os.close(platform_os.open_private(tmp_path / "new.key", os.O_WRONLY))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.key").stat().st_mode) == 0o600


@posix_only
def test_windows_relies_on_the_profile_acl_and_changes_no_mode(tmp_path, on):
    on("windows")
    f = tmp_path / "antq.db"
    f.write_bytes(b"x")
    f.chmod(0o644)
    assert not platform_os.private_mode_supported()
    assert not platform_os.make_private(f)
    assert stat.S_IMODE(f.stat().st_mode) == 0o644


@posix_only
def test_posix_lock_excludes_a_second_holder(tmp_path, on):
    on("posix")
    lock = tmp_path / "settings.json.lock"
    with (platform_os.file_lock(lock, blocking=False), pytest.raises(LockedByAnother),
          platform_os.file_lock(lock, blocking=False)):
        pass
    with platform_os.file_lock(lock, blocking=False):  # released: free again
        pass
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_windows_lock_uses_msvcrt_on_the_first_byte(tmp_path, on, monkeypatch):
    on("windows")
    held: set[str] = set()
    calls = []

    def locking(fd, mode, nbytes):
        calls.append((mode, nbytes, os.lseek(fd, 0, os.SEEK_CUR)))
        name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else "f"
        if mode in ("LK_NBLCK", "LK_LOCK"):
            if name in held:
                raise OSError(36, "Resource deadlock avoided")
            held.add(name)
        elif mode == "LK_UNLCK":
            held.discard(name)

    fake = types.SimpleNamespace(locking=locking, LK_LOCK="LK_LOCK", LK_NBLCK="LK_NBLCK",
                                 LK_UNLCK="LK_UNLCK")
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    lock = tmp_path / "x.lock"
    with (platform_os.file_lock(lock, blocking=False), pytest.raises(LockedByAnother),
          platform_os.file_lock(lock, blocking=False)):
        pass
    with platform_os.file_lock(lock):
        pass
    assert [c[0] for c in calls] == ["LK_NBLCK", "LK_NBLCK", "LK_UNLCK", "LK_LOCK", "LK_UNLCK"]
    assert all(nbytes == 1 and pos == 0 for _m, nbytes, pos in calls)


@posix_only
def test_settings_are_saved_under_the_lock(tmp_path, monkeypatch):
    """A second process saving settings waits for the first (no lost update)."""
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path))
    settings.save(language="vi")
    code = "from desktop import settings; settings.save(theme='dark')"
    with platform_os.file_lock(tmp_path / "settings.json.lock"):
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                                env={**os.environ, "ANTQ_DATA_DIR": str(tmp_path)})
        time.sleep(1.0)
        assert proc.poll() is None  # waiting for the lock
    assert proc.wait(timeout=60) == 0
    assert settings.load() == {"language": "vi", "theme": "dark"}


@posix_only  # Windows cannot open a folder to sync it
def test_fsync_dir_posix_syncs_and_windows_does_not_open_folders(tmp_path, on, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(platform_os.os, "fsync", lambda fd: synced.append(fd) or None)
    on("posix")
    platform_os.fsync_dir(tmp_path)
    assert len(synced) == 1
    on("windows")
    monkeypatch.setattr(platform_os.os, "open", lambda *a: pytest.fail("opened a folder"))
    platform_os.fsync_dir(tmp_path)
    assert len(synced) == 1
    monkeypatch.setattr(platform_os.os, "fsync", real_fsync)


def test_windows_lists_only_removable_drive_letters(on, monkeypatch):
    on("windows")
    types_by_root = {"C:\\": 3, "D:\\": 5, "E:\\": 2, "G:\\": 2, "Z:\\": 4}  # fixed, CD, net
    asked = []

    class Kernel32:
        @staticmethod
        def GetLogicalDrives():  # noqa: N802 - the Win32 name
            return sum(1 << (ord(root[0]) - ord("A")) for root in types_by_root)

        @staticmethod
        def GetDriveTypeW(root):  # noqa: N802
            asked.append(root.value)
            return types_by_root[root.value]

    import ctypes

    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=Kernel32),
                        raising=False)
    assert [str(p).replace("/", "\\").rstrip("\\") for p in platform_os.removable_drives()] \
        == ["E:", "G:"]
    assert asked == ["C:\\", "D:\\", "E:\\", "G:\\", "Z:\\"]


def test_linux_lists_mounted_media_under_media_and_run_media(tmp_path, on, monkeypatch):
    on("posix")
    media, run_media = tmp_path / "media", tmp_path / "run" / "media"
    mounted = {media / "officer" / "KINGSTON", run_media / "officer" / "STICK",
               media / "USB0"}
    for p in [*mounted, media / "officer" / "left-behind", media / "cdrom-empty"]:
        p.mkdir(parents=True)
    monkeypatch.setattr(platform_os, "LINUX_MEDIA_ROOTS", (str(media), str(run_media)))
    monkeypatch.setattr(platform_os.os.path, "ismount", lambda p: Path(p) in mounted)
    assert sorted(platform_os.removable_drives()) == sorted(mounted)
    monkeypatch.setattr(platform_os, "LINUX_MEDIA_ROOTS", (str(tmp_path / "none"),))
    assert platform_os.removable_drives() == []


@posix_only  # a symbolic link needs privileges on Windows
def test_macos_lists_volumes_but_not_the_startup_disk(tmp_path, on, monkeypatch):
    on("macos")
    (tmp_path / "STICK").mkdir()
    (tmp_path / "Macintosh HD").symlink_to("/")
    monkeypatch.setattr(platform_os, "MACOS_VOLUMES", str(tmp_path))
    monkeypatch.setattr(platform_os.os.path, "ismount", lambda p: True)
    assert platform_os.removable_drives() == [tmp_path / "STICK"]


def test_the_window_font_is_segoe_ui_on_windows_and_the_shipped_one_elsewhere(on):
    on("windows")
    assert platform_os.system_ui_font() == "Segoe UI"
    for other in ("posix", "macos"):
        on(other)
        assert platform_os.system_ui_font() is None


def test_file_dialogs_offer_the_sticks_plugged_in(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from desktop.ui.common import file_dialogs

    stick = tmp_path / "KINGSTON"
    stick.mkdir()
    monkeypatch.setattr(platform_os, "removable_drives", lambda: [stick])
    dialog = file_dialogs.file_dialog(None, "Chọn gói", str(tmp_path),
                                      accept=QFileDialog.AcceptMode.AcceptOpen,
                                      mode=QFileDialog.FileMode.ExistingFile)
    assert str(stick) in [u.toLocalFile() for u in dialog.sidebarUrls()]
    dialog.deleteLater()


def test_the_real_calls_of_this_machine(tmp_path):
    """No replacement: on the Windows runner this is kernel32 and msvcrt themselves."""
    drives = platform_os.removable_drives()
    assert all(isinstance(p, Path) for p in drives)
    with platform_os.file_lock(tmp_path / "x.lock", blocking=False) as f:
        f.write(b"held")
    platform_os.fsync_dir(tmp_path)
    assert platform_os.user_data_dir("antq-desk").name == "antq-desk"
