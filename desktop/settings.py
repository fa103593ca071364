"""This computer's data folder and the few settings kept in it (a small JSON file, readable
by the window and the ``antq`` command alike, unlike QSettings)."""

from __future__ import annotations

import os
from pathlib import Path

from desktop import platform_os

APP_DIR_NAME = "antq-desk"
SETTINGS_FILE = "settings.json"


def data_dir() -> Path:
    """The per-user data folder; ``ANTQ_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("ANTQ_DATA_DIR")
    return Path(override) if override else platform_os.user_data_dir(APP_DIR_NAME)


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def load() -> dict[str, object]:
    """The saved settings; an absent or damaged file means the defaults."""
    try:
        text = settings_path().read_text("utf-8")
    except (OSError, ValueError):  # ValueError: bytes that are not UTF-8
        return {}
    # json only when there is a file: a start without one (only a language chosen in
    # Cài đặt writes it) reads the language before its frame without the json modules
    # (1.5 ms, issue 12).
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def get(key: str, default: object = None) -> object:
    return load().get(key, default)


def save(**values: object) -> Path:
    """Merge ``values`` into the file, atomically (a power cut leaves the old or the new)."""
    import json

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # the window and an `antq` command may save at once: each reads what the other wrote
    with platform_os.file_lock(path.with_name(path.name + ".lock")):
        data = load()
        data.update(values)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
        os.replace(tmp, path)
    return path
