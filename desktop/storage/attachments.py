"""Attached files (scans of signed minutes, photos), stored once by content hash.

Files live beside the database in ``<name>-files/ab/abcdef…`` and the ``attachment`` record
says which record they belong to; the same file attached twice is stored once.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import records
from desktop.storage.writer import Store, WriteResult, kind_named

MAX_FILE_BYTES = 50 * 1024 * 1024  # a scanned set of minutes is a few MB; a bundle must fit


def blob_path(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / sha256


def store_blob(files_dir: Path, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the store (atomically: temp file, fsync, rename); (sha256, size)."""
    if not source.is_file():
        raise UserError(_("Không có tệp {p}").format(p=source))
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UserError(_("{p}: tệp lớn quá {n} MB").format(p=source,
                                                           n=MAX_FILE_BYTES // 2**20))
    digest = hashlib.sha256()
    files_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=files_dir, prefix=".incoming-")
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        target = blob_path(files_dir, digest.hexdigest())
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def attach(store: Store, files_dir: Path, owner_kind: str, owner_id: str, source: Path, *,
           add: Callable[[str, dict[str, object]], WriteResult] | None = None) -> WriteResult:
    """Attach a file to a record: the blob is stored first, then the record is written
    (through ``add`` when given, e.g. the undo stack's, so the window can take it back)."""
    kind = kind_named(owner_kind)
    records.get(store.conn, kind, owner_id)  # the owner must exist
    sha256, size = store_blob(files_dir, source)
    media_type = mimetypes.guess_type(source.name)[0]
    return (add or store.add)("attachment", {"owner_kind": kind.name, "owner_id": owner_id,
                                    "sha256": sha256, "filename": source.name, "size": size,
                                    "media_type": media_type})


def attachments_of(store: Store, owner_kind: str, owner_id: str) -> list[records.Record]:
    q = records.Query(filters={"owner_kind": owner_kind, "owner_id": owner_id})
    return records.page(store.conn, KINDS["attachment"], q)


def export_attachment(files_dir: Path, attachment: records.Record, target: Path) -> Path:
    """Copy an attached file out under its original name, checking it is intact."""
    source = blob_path(files_dir, str(attachment["sha256"]))
    if not source.exists():
        raise UserError(_("Tệp đính kèm {n} bị thiếu trong kho tệp").format(
            n=attachment["filename"]))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != attachment["sha256"]:
        raise UserError(_("Tệp đính kèm {n} đã bị hỏng").format(n=attachment["filename"]))
    out = target / str(attachment["filename"]) if target.is_dir() else target
    shutil.copyfile(source, out)
    return out
