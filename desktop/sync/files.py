"""Files on the stick: capped reads, atomic verified writes, the quarantine folder, and faults
of the medium (disk full, write-protected, removed, a file gone) told as what they are.

The stick is not ours: nothing here moves, renames or deletes a file this program did not
write. A refused bundle is copied into this site's quarantine folder; the original stays.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pyrage

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage.durable import fsync_dir

# The outer layer of every bundle is an age v1 file (SYNC.md, "Outer layer").
AGE_MAGIC = b"age-encryption.org/v1\n"
_HEADER_PROBE = 64 << 10  # an age header with a few recipients is well under 1 KB
_COPY_CHUNK = 1 << 20

# What sniff() says of a file before anything else reads it.
BUNDLE = "bundle"
NOT_BUNDLE = "not-bundle"
ELSEWHERE = "elsewhere"  # a bundle encrypted for other sites only

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_GONE = {errno.ENOENT, errno.ENOTDIR}
_REMOVED = {errno.EIO, errno.ENODEV, errno.ENXIO, getattr(errno, "ESHUTDOWN", errno.EIO),
            getattr(errno, "ENOMEDIUM", errno.ENODEV)}


class MediumError(UserError):
    """A fault of the disk or stick, not of the file's content: ``errno`` says which."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.errno = code

    @property
    def disk_full(self) -> bool:
        return self.errno in _FULL


def fault(e: OSError, path: Path, *, writing: bool) -> MediumError:
    """One line naming ``path`` and what happened to it."""
    code = e.errno
    if code in _FULL:
        text = _("Ổ đĩa đầy: không ghi được {p}") if writing \
            else _("Ổ đĩa đầy khi đọc {p}")
    elif code == errno.EROFS or (writing and code in _READ_ONLY):
        text = _("Ổ đĩa chỉ cho đọc (USB bị gạt khóa chống ghi?): không ghi được {p}")
    elif code in _READ_ONLY:
        text = _("Không có quyền đọc {p}")
    elif code in _GONE:
        text = _("Không còn thư mục để ghi {p} (USB đã bị rút ra?)") if writing \
            else _("Không có tệp {p} (đã bị xóa, đổi tên hoặc USB đã bị rút ra)")
    elif code in _REMOVED:
        text = _("Lỗi ghi {p}: USB đã bị rút ra hoặc bị hỏng") if writing \
            else _("Lỗi đọc {p}: USB đã bị rút ra hoặc bị hỏng")
    elif code == errno.EISDIR:
        text = _("{p} là một thư mục, không phải tệp")
    else:
        text = (_("Không ghi được {p}: {e}") if writing else _("Không đọc được {p}: {e}"))
        return MediumError(text.format(p=path, e=e.strerror or e), code)
    return MediumError(text.format(p=path), code)


def read_capped(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise fault(e, path, writing=False) from None
    if len(data) > limit:
        raise UserError(_("{p}: tệp lớn quá giới hạn {n} MB").format(p=path, n=limit // 2**20))
    return data


def write_atomic(target: Path, data: bytes) -> str:
    """Temporary name, fsync, rename, then re-read and compare the hash; returns the sha256.
    On any failure nothing is left under ``target`` (nor a temporary file, when the medium
    still answers)."""
    tmp = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256(data).hexdigest()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
        with target.open("rb") as f:
            again = hashlib.sha256(f.read()).hexdigest()
    except OSError as e:
        _remove_quietly(tmp)
        raise fault(e, target, writing=True) from None
    if again != digest:
        _remove_quietly(target)  # ours, just written, and wrong: no half-good bundle stays
        raise MediumError(_("{p}: đọc lại không khớp với dữ liệu đã ghi (USB hỏng?)").format(
            p=target), errno.EIO)
    return digest


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):  # the stick is gone: nothing more to do from here
        path.unlink(missing_ok=True)


# -- what a file on the stick is ---------------------------------------------------------------

def sniff(path: Path, identities: Sequence[pyrage.x25519.Identity]) -> str:
    """:data:`NOT_BUNDLE` (no age header), :data:`ELSEWHERE` (an age file none of
    ``identities`` can open: a bundle for another site) or :data:`BUNDLE` (for the full checks).

    Only the header is read: age wraps the file key once per recipient, so trying our keys
    on the header alone says whether the file is for us without decrypting the payload.
    """
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER_PROBE)
    except OSError as e:
        raise fault(e, path, writing=False) from None
    if not head.startswith(AGE_MAGIC):
        return NOT_BUNDLE
    mac = head.find(b"\n---")
    end = head.find(b"\n", mac + 1) if mac >= 0 else -1
    if end < 0:
        return BUNDLE  # a damaged header: the full check says what is wrong with it
    try:
        # The header and the payload nonce: enough for age to try each identity.
        pyrage.decrypt(head[:end + 1 + 16], list(identities))
    except pyrage.DecryptError as e:
        if "No matching keys" in str(e):
            return ELSEWHERE
    return BUNDLE


# -- the quarantine folder ---------------------------------------------------------------------

def quarantine_dir(db_file: Path) -> Path:
    return db_file.with_name(db_file.stem + "-quarantine")


def quarantine(path: Path, db_file: Path) -> Path:
    """Copy a refused file into this site's quarantine folder, beside the database, with a
    note next to it; the original is left where it was, byte for byte. The same file refused
    again is not copied twice.

    The copy is the bundle itself, age-encrypted to this site. The reason is not in the note:
    a refusal can quote a value of the bundle (a CCCD, a name), so it is kept only in the
    encrypted database, in the audit log's «Nhập gói đồng bộ» entry for this file; the note
    says so and holds nothing from the bundle but its file name."""
    folder = quarantine_dir(db_file)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest, size = _sha256_of(path), path.stat().st_size
        target, n = folder / path.name, 1
        while target.exists() and not (target.stat().st_size == size
                                        and _sha256_of(target) == digest):
            target = folder / f"{path.stem}.{n}{path.suffix}"
            n += 1
        if not target.exists():
            part = target.with_name(f".{target.name}.part")
            try:
                shutil.copyfile(path, part)
                os.replace(part, target)
            except OSError:
                _remove_quietly(part)
                raise
        note = _("{n}: gói bị từ chối lúc {t}. Lý do được ghi trong nhật ký của cơ sở dữ liệu "
                 "(đã mã hóa, vì lý do có thể nêu dữ liệu cá nhân): antq audit list, hoặc trang "
                 "Nhật ký, mục «Nhập gói đồng bộ».").format(
            n=path.name, t=dt.datetime.now().strftime("%H:%M %d/%m/%Y"))
        target.with_name(target.name + ".reason.txt").write_text(note + "\n", "utf-8")
    except OSError as e:
        where = Path(e.filename) if e.filename else folder
        raise fault(e, where, writing=where != path) from None
    return target


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_COPY_CHUNK):
            h.update(chunk)
    return h.hexdigest()
