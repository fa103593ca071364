"""Attached files (scans of signed minutes, photos): encrypted, stored once by content.

The ``attachment`` record (inside the encrypted database) keeps the file's sha256 and its
original name; on disk, in ``<db stem>-files/``, there is only ciphertext under a name that is
an HMAC of the sha256, so neither the name nor the presence of a known file shows:

- the content is AES-256-GCM under a key derived (HKDF-SHA256) from the database key, with a
  random nonce and the content's sha256 as associated data (a blob moved under another name,
  or edited, does not decrypt);
- the file name is HMAC-SHA256(sha256) under a second derived key.

Blobs an earlier version wrote in clear (``ab/<sha256>``) are encrypted, checked and removed
the first time the store is used in a process (:meth:`BlobStore.migrate`).
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import accounts, audit, db, dbapi, records
from desktop.storage.paths import attachments_dir
from desktop.storage.writer import Store, WriteResult, kind_named

MAX_FILE_BYTES = 50 * 1024 * 1024  # a scanned set of minutes is a few MB; a bundle must fit

MAGIC = b"ANTQBLOB1\n"  # what an encrypted blob starts with (a plain one is told by its hash)
_NONCE = 12
_OVERHEAD = len(MAGIC) + _NONCE + 16  # the GCM tag
_SHA = frozenset("0123456789abcdef")
_MIGRATED: set[str] = set()  # folders already checked for plain blobs in this process


class DamagedBlobError(UserError):
    """A stored file that does not decrypt or does not match its hash."""


def _is_sha(s: str) -> bool:
    return len(s) == 64 and set(s) <= _SHA


def _derive(db_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"antq-desk attachments v1 " + purpose).derive(db_key)


def db_file_of(conn: dbapi.Connection) -> Path:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2])
    raise UserError(_("Cơ sở dữ liệu trong bộ nhớ không có kho tệp đính kèm"))


class BlobStore:
    """The attached files of one database; every reader and writer goes through here."""

    def __init__(self, db_path: Path, key: bytes | None = None) -> None:
        self.db_path = Path(db_path)
        self.dir = attachments_dir(self.db_path)
        self._key = key
        self._content_key: bytes | None = None
        self._name_key: bytes | None = None

    @classmethod
    def of(cls, conn: dbapi.Connection) -> BlobStore:
        return cls(db_file_of(conn))

    def _keys(self) -> tuple[bytes, bytes]:
        if self._content_key is None or self._name_key is None:
            key = self._key or db.key_for(self.db_path)  # raises when nobody has logged in
            if key is None:
                raise UserError(_("Cơ sở dữ liệu trong bộ nhớ không có kho tệp đính kèm"))
            self._content_key, self._name_key = _derive(key, b"content"), _derive(key, b"name")
            self.migrate()
        return self._content_key, self._name_key

    def path_of(self, sha256: str) -> Path:
        name = hmac.new(self._keys()[1], sha256.encode("ascii"), hashlib.sha256).hexdigest()
        return self.dir / name[:2] / name

    # -- writing ---------------------------------------------------------------------------

    def put(self, source: Path) -> tuple[str, int]:
        """Store a file from outside; (sha256, size)."""
        if not source.is_file():
            raise UserError(_("Không có tệp {p}").format(p=source))
        size = source.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserError(_("{p}: tệp lớn quá {n} MB").format(p=source,
                                                               n=MAX_FILE_BYTES // 2**20))
        data = source.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        self.put_bytes(sha256, data)
        return sha256, len(data)

    def put_bytes(self, sha256: str, data: bytes) -> Path:
        """Store ``data`` (which must hash to ``sha256``), once: an intact copy already there
        is kept. Atomic: temporary file, fsync, rename."""
        if not _is_sha(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            raise DamagedBlobError(_("Tệp đính kèm không khớp với mã băm {h}").format(
                h=sha256[:12]))
        target = self.path_of(sha256)
        if target.exists() and self._intact(sha256, target):
            return target
        nonce = os.urandom(_NONCE)
        sealed = MAGIC + nonce + AESGCM(self._keys()[0]).encrypt(nonce, data,
                                                                  sha256.encode("ascii"))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        try:
            with tmp.open("wb") as f:
                f.write(sealed)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return target

    # -- reading ---------------------------------------------------------------------------

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        """The plain size of a stored blob (without reading it), or None when absent."""
        path = self.path_of(sha256)
        return path.stat().st_size - _OVERHEAD if path.is_file() else None

    def read(self, sha256: str, name: str | None = None) -> bytes:
        """The content, checked against ``sha256``; ``name`` is for the messages."""
        shown = name or sha256[:12]
        path = self.path_of(sha256)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise UserError(_("Tệp đính kèm {n} bị thiếu trong kho tệp").format(
                n=shown)) from None
        data = self._open(sha256, sealed)
        if data is None:
            raise DamagedBlobError(_("Tệp đính kèm {n} đã bị hỏng hoặc bị sửa ({p}); không "
                                     "dùng được").format(n=shown, p=path))
        return data

    def export(self, sha256: str, target: Path, name: str | None = None) -> None:
        """Write the plain content to ``target`` (outside the data folder), atomically."""
        data = self.read(sha256, name)
        tmp = target.with_name(f".{target.name}.part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _open(self, sha256: str, sealed: bytes) -> bytes | None:
        if not sealed.startswith(MAGIC) or len(sealed) < _OVERHEAD:
            return None
        nonce = sealed[len(MAGIC):len(MAGIC) + _NONCE]
        try:
            data = AESGCM(self._keys()[0]).decrypt(nonce, sealed[len(MAGIC) + _NONCE:],
                                                   sha256.encode("ascii"))
        except InvalidTag:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha256 else None

    def _intact(self, sha256: str, path: Path) -> bool:
        try:
            return self._open(sha256, path.read_bytes()) is not None
        except OSError:
            return False

    # -- plain blobs of an earlier version -------------------------------------------------

    def migrate(self) -> int:
        """Encrypt the plain blobs an earlier version left (``ab/<sha256>`` whose content
        hashes to its name: files this program wrote), each checked before the plain file is
        removed; once per folder and process. Returns how many were encrypted."""
        folder = os.path.realpath(self.dir)
        if folder in _MIGRATED or not self.dir.is_dir():
            return 0
        _MIGRATED.add(folder)  # first: storing a blob below must not start this again
        try:
            self._keys()
            return self._migrate()
        except BaseException:
            _MIGRATED.discard(folder)  # tried again at the next use
            raise

    def _migrate(self) -> int:
        done = 0
        for sub in sorted(self.dir.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for f in sorted(sub.iterdir()):
                if not (f.is_file() and _is_sha(f.name) and f.name.startswith(sub.name)):
                    continue
                with f.open("rb") as fh:
                    if fh.read(len(MAGIC)) == MAGIC:
                        continue  # already encrypted
                data = f.read_bytes()
                if hashlib.sha256(data).hexdigest() != f.name:
                    continue  # not a blob of ours, or damaged: left for a person to look at
                target = self.put_bytes(f.name, data)
                if not self._intact(f.name, target):
                    raise DamagedBlobError(_("Không mã hóa được tệp đính kèm {p}").format(p=f))
                if target != f:
                    f.unlink()
                done += 1
            if not any(sub.iterdir()):
                sub.rmdir()
        return done


def attach(store: Store, owner_kind: str, owner_id: str, source: Path, *,
           add: Callable[[str, dict[str, object]], WriteResult] | None = None) -> WriteResult:
    """Attach a file to a record: the blob is stored (encrypted) first, then the record is
    written (through ``add`` when given, e.g. the undo stack's, so the window can take it
    back). The original name is kept only in the record."""
    kind = kind_named(owner_kind)
    records.get(store.conn, kind, owner_id)  # the owner must exist
    sha256, size = BlobStore.of(store.conn).put(source)
    media_type = mimetypes.guess_type(source.name)[0]
    return (add or store.add)("attachment", {"owner_kind": kind.name, "owner_id": owner_id,
                                    "sha256": sha256, "filename": source.name, "size": size,
                                    "media_type": media_type})


def attachments_of(store: Store, owner_kind: str, owner_id: str) -> list[records.Record]:
    q = records.Query(filters={"owner_kind": owner_kind, "owner_id": owner_id})
    return records.page(store.conn, KINDS["attachment"], q)


def export_attachment(conn: dbapi.Connection, attachment: records.Record, target: Path, *,
                      actor: str | None = None) -> Path:
    """Write an attached file out in clear (into a folder: under its original name), checked
    against its hash; an explicit export, so the role must allow it and the log records it."""
    accounts.require(conn, "export")
    name = str(attachment["filename"])
    out = target / name if target.is_dir() else target
    BlobStore.of(conn).export(str(attachment["sha256"]), out, name)
    audit.record_event(conn, actor, "export", {"format": "attachment", "file": str(out),
                                               "what": "attachment",
                                               "id": str(attachment["id"])})
    return out
