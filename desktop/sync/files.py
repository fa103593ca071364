"""Files on the stick: capped reads, atomic verified writes, and the quarantine folder."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _


def read_capped(path: Path, limit: int) -> bytes:
    if not path.is_file():
        raise UserError(_("Không có tệp {p}").format(p=path))
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise UserError(_("{p}: tệp lớn quá giới hạn {n} MB").format(p=path, n=limit // 2**20))
    return data


def write_atomic(target: Path, data: bytes) -> str:
    """Temporary name, fsync, rename, then re-read and compare the hash; returns the sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256(data).hexdigest()
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(_("Không ghi được {p}: {e}").format(p=target, e=e.strerror or e)) \
            from None
    with target.open("rb") as f:
        again = hashlib.sha256(f.read()).hexdigest()
    if again != digest:
        raise UserError(_("{p}: đọc lại không khớp với dữ liệu đã ghi (USB hỏng?)").format(
            p=target))
    return digest


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; the rename is durable enough there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def quarantine_dir(db_file: Path) -> Path:
    return db_file.with_name(db_file.stem + "-quarantine")


def quarantine(path: Path, db_file: Path, reason: str) -> Path:
    """Move a refused file aside, beside the database, with a reason file next to it."""
    folder = quarantine_dir(db_file)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    try:
        shutil.move(str(path), target)
    except OSError:  # read-only stick: keep a copy instead
        shutil.copyfile(path, target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", "utf-8")
    return target
