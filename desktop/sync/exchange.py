"""Export to and import from a folder (the USB stick): the functions the CLI and the window
call. No Qt here; long work reports progress through a callback and checks a cancel flag.

Export writes, per recipient, everything it has not acknowledged (its own signed bundles are
the only source of that knowledge) in the partitions it may see, and changes nothing here but
the audit log (each bundle written is an entry; the log's head travels in the manifest) and
the note of the bundle sent (storage/bundle_notes.py).
Import verifies each file fully before one transaction applies it; a refused file is copied
into the quarantine folder beside the database with the reason (the stick is left as it was).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import gc
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.hlc import HybridClock, wall_ms_now
from desktop.domain.text import fold
from desktop.i18n import _, ngettext
from desktop.storage import accounts, audit, dbapi, merge, moves, periods, references, undo
from desktop.storage import bundle_notes as notes
from desktop.storage.attachments import BlobStore
from desktop.storage.duplicates import watching
from desktop.storage.site import Site, get_meta
from desktop.storage.writer import Store
from desktop.sync import bundle as fmt
from desktop.sync import clocks, conflicts, enrol, files
from desktop.sync.enrol import REF_PART, Peer, find_peer, list_sites, own_partitions
from desktop.sync.keys import SiteKeys, rotation_chain

Progress = Callable[[int, int, int, int], None]  # (file index, file count, done, total)


@dataclass
class ExportResult:
    recipient: str
    recipient_name: str
    path: Path
    bundle_id: str
    changes: int
    counts: dict[str, int]
    bytes: int

    def as_dict(self) -> dict[str, object]:
        return {"recipient": self.recipient, "recipient_name": self.recipient_name,
                "path": str(self.path), "bundle_id": self.bundle_id, "changes": self.changes,
                "counts": self.counts, "bytes": self.bytes}


@dataclass
class ImportResult:
    path: Path
    # imported | already | checked (dry run) | cancelled | refused (copied into quarantine)
    # | failed (disk or stick at fault) | not-bundle | not-for-us (both left alone)
    status: str
    message: str
    bundle_id: str | None = None
    sender: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    quarantined_to: Path | None = None
    # Those of ``warnings`` that are about clocks (the sender's, or this computer's).
    clock_warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "status": self.status, "message": self.message,
                "bundle_id": self.bundle_id, "sender": self.sender, "counts": self.counts,
                "stats": self.stats, "warnings": self.warnings,
                "clock_warnings": self.clock_warnings,
                "quarantined_to": str(self.quarantined_to) if self.quarantined_to else None}


def db_file_of(conn: dbapi.Connection) -> Path:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2])
    raise UserError(_("Cơ sở dữ liệu trong bộ nhớ không đồng bộ được"))


# -- who may see what ---------------------------------------------------------------------------

def parts_for(conn: dbapi.Connection, site: Site, peer: Peer) -> set[str]:
    """The partitions this site sends to ``peer``: to a commune its own and the reference
    data; to the province what the commune writes."""
    if site.site_kind == "province":
        return set(peer.partitions) | {REF_PART}
    return set(own_partitions(conn))


def parts_from(conn: dbapi.Connection, site: Site, peer: Peer) -> set[str] | None:
    """The partitions this site accepts from ``peer`` (None: any)."""
    if peer.site_kind == "province":
        return set(own_partitions(conn)) | {REF_PART} if site.site_kind == "commune" else None
    return set(peer.partitions)


# -- export ------------------------------------------------------------------------------------

def recipients(conn: dbapi.Connection, for_sites: Sequence[str] | None) -> list[Peer]:
    if for_sites:
        peers = []
        for ref in for_sites:
            peer = find_peer(conn, ref)
            if peer is None:
                raise UserError(_("--for: không có điểm «{s}» đã đăng ký").format(s=ref))
            if peer.status != "active":
                raise UserError(_("--for: điểm «{s}» đã bị thu hồi").format(s=peer.name))
            peers.append(peer)
        return peers
    peers = [p for p in list_sites(conn) if p.status == "active"]
    if not peers:
        raise UserError(_("Chưa có điểm nào đã đăng ký để gửi (xem «antq enrol»)"))
    return peers


def export_to_folder(conn: dbapi.Connection, keys: SiteKeys, folder: Path, *,
                     for_sites: Sequence[str] | None = None,
                     progress: Progress | None = None,
                     actor: str | None = None) -> list[ExportResult]:
    """One bundle per recipient in ``folder``; the database is not changed (but for the
    audit log's entry of each bundle, by ``actor``). A failure after some bundles were
    written raises :class:`ExportFailed`, which lists them (each is whole and importable)."""
    accounts.require(conn, "sync")
    peers = recipients(conn, for_sites)
    if not folder.is_dir():
        raise UserError(_("--to: không có thư mục {p} (USB chưa cắm hoặc đã bị rút ra?)").format(
            p=folder))
    results: list[ExportResult] = []
    try:
        _export_each(conn, keys, folder, peers, results, progress, actor)
    except UserError as e:
        raise ExportFailed(str(e), results) from e
    except OSError as e:  # e.g. an attachment on this computer's disk that cannot be read
        where = Path(e.filename) if e.filename else folder
        raise ExportFailed(str(files.fault(e, where, writing=where == folder)), results) from e
    return results


class ExportFailed(UserError):
    """An export that stopped (disk full, write-protected, stick removed…): ``written`` are
    the bundles already written before it, whole."""

    def __init__(self, message: str, written: Sequence[ExportResult]) -> None:
        super().__init__(message)
        self.written = list(written)

    def report(self) -> str:
        """The error, then the files already written (for a window's message box)."""
        if not self.written:
            return str(self)
        return "\n".join([str(self), _("Các gói đã ghi xong trước lỗi này:"),
                          *(f"  {r.path} ({r.recipient_name})" for r in self.written)])


def _export_each(conn: dbapi.Connection, keys: SiteKeys, folder: Path, peers: Sequence[Peer],
                 results: list[ExportResult], progress: Progress | None,
                 actor: str | None) -> None:
    """Write one bundle per peer, appending each to ``results`` once it is on the stick."""
    site = keys.site
    blobs = BlobStore(db_file_of(conn))
    for i, peer in enumerate(peers):
        allowed = parts_for(conn, site, peer)
        pred = allowed.__contains__
        conn.execute("BEGIN")  # one consistent snapshot: the changes and the vector agree
        try:
            belief = merge.belief_of(conn, peer.site_id)
            cells = merge.cells_to_send(conn, belief, pred)
            vv = merge.version_vector(conn)
            hlc = int(get_meta(conn, "hlc") or 0)
            chain = rotation_chain(conn)
            listing = enrol.site_list(conn)
            queue = (conflicts.conflicts_to_send(conn, allowed)
                     if site.site_kind == "commune" else [])
            head = audit.head_for_bundle(conn)
            records = reads_records(conn, peer)
        finally:
            conn.execute("ROLLBACK")
        attachments = _attachments_for(cells, blobs)
        partitions = sorted(allowed)
        wall = wall_ms_now()
        # Strictly after every stamp issued here, and without writing anything.
        counter = HybridClock(hlc).now()
        bundle_id, data, manifest = fmt.build(
            keys, peer, cells, sender_vector={k: v for k, v in vv.items() if pred(k[1])},
            base_vector={k: v for k, v in belief.items() if pred(k[1])},
            partitions=partitions, sender_counter=counter,
            created_local=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            created_wall_ms=wall, attachments=attachments, key_rotations=chain,
            site_list=listing, conflicts=queue, audit_head=head, audit_format=audit.FORMAT,
            records=records)
        if len(data) > fmt.MAX_BUNDLE_BYTES:
            raise UserError(_("Gói cho {n} lớn quá {m} MB").format(
                n=peer.name, m=fmt.MAX_BUNDLE_BYTES >> 20))
        path = bundle_path(conn, folder, site, peer, dt.date.today())
        files.write_atomic(path, data)
        # Listed as soon as it is written: a later failure still reports it.
        results.append(ExportResult(peer.site_id, peer.name, path, bundle_id, len(cells),
                                    dict(manifest["counts"]), len(data)))
        audit.record_event(conn, actor, "bundle-export", {
            "recipient": peer.site_id, "recipient_name": peer.name, "bundle_id": bundle_id,
            "file": str(path), "changes": len(cells)})
        notes.record_sent(conn, bundle_id, peer.site_id, str(manifest["created_local"]),
                          path.name)
        if progress is not None:
            progress(i + 1, len(peers), len(cells), len(cells))


def _slug(name: str) -> str:
    """"Tỉnh Điện Biên" → "tinh-dien-bien": a file name any stick and system takes."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "diem"


def bundle_path(conn: dbapi.Connection, folder: Path, site: Site, peer: Peer,
                day: dt.date) -> Path:
    """A bundle's file named for people: from whom, to whom, the day, the n-th of that day
    on the stick (``tinh-dien-bien_xa-muong-cha_2026-12-06_1.vsb``), so that an officer
    picks the right one and an earlier one not yet imported is never overwritten. Only a
    name: an import reads the sender from the signed header, whatever the file is called."""
    stem = "_".join((_slug(references.part_name(conn, site.unit_code)),
                     _slug(references.part_name(conn, peer.unit_code)), day.isoformat()))
    n = 1
    while (folder / f"{stem}_{n}{fmt.SUFFIX}").exists():
        n += 1
    return folder / f"{stem}_{n}{fmt.SUFFIX}"


def _attachments_for(cells: Iterable[merge.Cell], blobs: BlobStore) -> dict[str, bytes]:
    """The attached files the changes name, in clear (the bundle is encrypted to its
    recipient); one missing here, or damaged (it would be refused there), is not sent."""
    out: dict[str, bytes] = {}
    total = 0
    for c in cells:
        if c[0] == "attachment" and c[2] == "sha256" and isinstance(c[3], str):
            size = None if c[3] in out else blobs.size(c[3])
            if size is None or size > fmt.MAX_ATTACHMENT_BYTES:
                continue
            try:
                data = blobs.read(c[3])
            except UserError:
                continue
            total += len(data)
            if total > fmt.MAX_ATTACHMENTS_BYTES:
                raise UserError(_("Các tệp đính kèm vượt {m} MB cho một gói").format(
                    m=fmt.MAX_ATTACHMENTS_BYTES >> 20))
            out[c[3]] = data
    return out


# -- import ------------------------------------------------------------------------------------

class _DryRun(Exception):
    def __init__(self, stats: merge.MergeStats) -> None:
        super().__init__("dry run")
        self.stats = stats


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for the bundles (``*.vsb``) in it."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            try:
                out.extend(sorted(q for q in p.iterdir()
                                  if q.suffix.lower() == fmt.SUFFIX and q.is_file()))
            except OSError as e:
                raise files.fault(e, p, writing=False) from None
        else:
            out.append(p)
    return out


def refuse_own_files(paths: Iterable[Path], db_file: Path) -> None:
    """The database itself (or a file that goes with it) given as a bundle is refused before
    anything is read, copied or written."""
    own = [db_file, *(Path(f"{db_file}{s}") for s in ("-wal", "-shm", "-journal", ".keys"))]
    for p in paths:
        if any(_same_file(p, o) for o in own):
            raise UserError(_("{p} là cơ sở dữ liệu đang dùng (hoặc tệp đi kèm nó), không phải "
                              "gói đồng bộ: không nhập gì").format(p=p))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (or cannot be read): compare the names
        return a.resolve() == b.resolve()


def import_files(conn: dbapi.Connection, keys: SiteKeys, paths: Sequence[Path], *,
                 dry_run: bool = False, actor: str | None = None,
                 progress: Progress | None = None,
                 cancel: Callable[[], bool] | None = None) -> list[ImportResult]:
    """Import each file in its own transaction; returns one result per file.

    The files are not ours: none is moved, renamed or deleted. A bundle for other sites is
    left alone ("not-for-us", a shared stick is normal); a file that is not a bundle is
    reported and left alone ("not-bundle"); a refused bundle is copied into the quarantine
    folder ("refused"); a fault of the disk or stick (full, removed…) changes nothing and
    copies nothing ("failed"). One file's failure, whatever it is, never stops the batch.
    """
    accounts.require(conn, "sync")  # a dry run too: it decrypts what others sent
    todo = expand(paths)
    db_file = db_file_of(conn)
    refuse_own_files(todo, db_file)
    # Only headers are read here: what is not for this site is never opened.
    early: dict[int, ImportResult] = {}
    for i, path in enumerate(todo):
        try:
            kind = files.sniff(path, keys.identities)
        except UserError as e:
            early[i] = ImportResult(path, "failed", str(e))
            continue
        if kind == files.NOT_BUNDLE:
            early[i] = ImportResult(path, "not-bundle", _(
                "{n}: không phải gói đồng bộ của ANTQ Desk (hoặc tệp rỗng); để nguyên, không "
                "nhập").format(n=path.name))
        elif kind == files.ELSEWHERE:
            # age cannot tell a stanza for another key from a damaged one: say both.
            early[i] = ImportResult(path, "not-for-us", _(
                "{n}: gói gửi cho điểm khác, không phải điểm này (hoặc phần đầu tệp bị hỏng); "
                "để nguyên trên USB").format(n=path.name))
    results = []
    for i, path in enumerate(todo):
        if i in early:
            results.append(early[i])
            if progress is not None:
                progress(i + 1, len(todo), 1, 1)
            continue
        if cancel is not None and cancel():
            results.append(ImportResult(path, "cancelled", _("Đã dừng trước tệp này")))
            continue

        def step(done: int, total: int, i: int = i) -> None:
            if progress is not None:
                progress(i, len(todo), done, total)

        # The people this file writes are scanned for twins after it, those alone (issue 12:
        # not a migration's backlog of everyone, left for the Trùng lặp page).
        with watching(conn) as written:
            result = _import_watched(conn, keys, path, db_file, dry_run=dry_run, actor=actor,
                                     progress=step, cancel=cancel)
            if result.status == "imported" and not dry_run:  # names of merged people, twins
                from desktop.storage.aliases import after_import

                result.warnings += after_import(conn, actor, written)
        results.append(result)
        if progress is not None:
            progress(i + 1, len(todo), 1, 1)
    return results


def _import_watched(conn: dbapi.Connection, keys: SiteKeys, path: Path, db_file: Path, *,
                    dry_run: bool, actor: str | None, progress: Callable[[int, int], None],
                    cancel: Callable[[], bool] | None) -> ImportResult:
    """One file of :func:`import_files`: imported, or why not (never raises), and audited."""
    try:
        with gc_paused():
            result = import_one(conn, keys, path, dry_run=dry_run, actor=actor,
                                progress=progress, cancel=cancel)
    except merge.Cancelled as e:
        _rollback(conn)
        result = ImportResult(path, "cancelled", str(e))
    except Exception as e:  # whatever one file does, the batch goes on with the next
        _rollback(conn)
        result = _not_imported(path, e)
        if result.status == "refused" and not dry_run:
            try:
                result.quarantined_to = files.quarantine(path, db_file)
            except UserError as q:
                result.warnings.append(str(q))
    if not dry_run and result.status in ("imported", "refused"):
        try:
            audit.record_event(conn, actor, "bundle-import", {
                "file": str(path), "status": result.status, "bundle_id": result.bundle_id,
                "sender": result.sender, "counts": result.counts,
                "message": result.message if result.status == "refused" else None})
        except Exception as e:  # reported on this file; the batch goes on
            _rollback(conn)
            result.warnings.append(_not_imported(path, e).message)
    return result


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector held off while a bundle is read and merged: its hundreds of
    thousands of small tuples, lists and dicts (none in a cycle) set it going every 700
    allocations, a fifth of an import's processor time (issue 12). What it would have
    found is collected after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _rollback(conn: dbapi.Connection) -> None:
    """Whatever the failed file left open is undone (SQLite may have rolled back already)."""
    if conn.in_transaction:
        with contextlib.suppress(dbapi.Error):
            conn.execute("ROLLBACK")


def _disk_full(e: BaseException) -> bool:
    """Disk full anywhere in the chain: a ``ROLLBACK`` failing after SQLite gave up on a full
    disk ("cannot rollback") carries the real cause as its context."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, files.MediumError) and cur.disk_full:
            return True
        if isinstance(cur, OSError) and cur.errno in (errno.ENOSPC,
                                                      getattr(errno, "EDQUOT", errno.ENOSPC)):
            return True
        if isinstance(cur, dbapi.Error) and (
                getattr(cur, "sqlite_errorcode", None) == _SQLITE_FULL
                or "database or disk is full" in str(cur)):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


_SQLITE_FULL = 13


def _not_imported(path: Path, e: Exception) -> ImportResult:
    """The one-line result of a file that raised ``e``: "failed" when the disk or the stick
    is at fault (nothing is wrong with the file), else "refused"."""
    name = path.name
    if _disk_full(e):
        return ImportResult(path, "failed", _(
            "Ổ đĩa đầy: không nhập được {n}; chưa thay đổi gì (hãy giải phóng chỗ trống rồi "
            "nhập lại)").format(n=name))
    if isinstance(e, files.MediumError):
        return ImportResult(path, "failed", str(e))
    if isinstance(e, OSError):
        return ImportResult(path, "failed", str(files.fault(e, path, writing=False)))
    if isinstance(e, UserError):
        return ImportResult(path, "refused", str(e))
    if isinstance(e, dbapi.Error):
        return ImportResult(path, "failed", _(
            "{n}: lỗi cơ sở dữ liệu, không nhập ({e}); chưa thay đổi gì").format(
            n=name, e=_one_line(e)))
    return ImportResult(path, "refused", _("{n}: gói không đọc được (lỗi không mong đợi "
                                           "{t}: {e}); không nhập gì").format(
        n=name, t=type(e).__name__, e=_one_line(e)))


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300]


def import_one(conn: dbapi.Connection, keys: SiteKeys, path: Path, *, dry_run: bool = False,
               actor: str | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> ImportResult:
    """Verify and apply one bundle file; raises UserError (nothing changed) if refused."""
    name = path.name
    data = files.read_capped(path, fmt.MAX_BUNDLE_BYTES)
    zf, b = fmt.open_bundle(data, keys, name, lambda s: sender_of(conn, s))
    m = b.manifest
    peer = sender_of(conn, b.sender)
    assert peer is not None
    logged = conn.execute("SELECT sha256 FROM sync_import_log WHERE bundle_id = ?",
                          (b.bundle_id,)).fetchone()
    if logged is not None:
        if logged[0] == b.manifest_sha256:
            return ImportResult(path, "already", _("{n}: gói của {s}, đã nhập trước đây").format(
                n=name, s=peer.name), b.bundle_id, b.sender, dict(m.get("counts") or {}))
        raise fmt.BundleError(_("{n}: mã gói {b} đã nhập với nội dung khác (gói giả hoặc bị "
                                "sửa)").format(n=name, b=b.bundle_id))
    if b.retired_key:
        # Chosen: no grace. Its changes come again in the sender's next bundle (deltas are
        # computed from acknowledged state), so refusing loses nothing.
        raise fmt.BundleError(_("{n}: gói được ký bằng khóa cũ mà {s} đã thay (antq keys "
                                "rotate); các thay đổi sẽ đến trong gói mới hơn").format(
            n=name, s=peer.name))
    try:  # from outside: its types and lengths checked before anything uses it
        their_head = audit.parse_head(m.get("audit_head"), m.get("audit_format"))
    except ValueError:
        raise fmt.BundleError(_("{n}: manifest không hợp lệ (audit_head)").format(
            n=name)) from None
    listing = enrol.parse_site_list(m.get("site_list"), peer.site_id, name)
    if listing is not None and peer.site_kind != "province":
        raise fmt.BundleError(_("{n}: chỉ tỉnh gửi danh sách điểm").format(n=name))
    if m.get("conflicts") is not None and (peer.site_kind != "commune"
                                           or keys.site.site_kind != "province"):
        raise fmt.BundleError(_("{n}: chỉ xã/phường gửi xung đột lên tỉnh").format(n=name))
    fmt.read_members(zf, b, name)
    sender_vector = fmt.vector_in(m.get("sender_vector"))
    partitions = m.get("partitions")
    accepted = parts_from(conn, keys.site, peer)
    if not isinstance(partitions, list) or not all(isinstance(p, str) for p in partitions):
        raise fmt.BundleError(_("{n}: manifest không hợp lệ (partitions)").format(n=name))
    if accepted is not None and not set(partitions) <= accepted:
        raise fmt.BundleError(_("{n}: gói chứa phân vùng không được phép ({p})").format(
            n=name, p=", ".join(sorted(set(partitions) - accepted))))
    listed = set(partitions)
    if not (b.typed and merge.typed_checks_pass(conn, b.cells, listed.__contains__,
                                                b.records)):
        merge.check_cells(b.cells, listed.__contains__)  # naming the first that fails
        merge.check_values(conn, b.cells, sender=peer.name, name=name)  # local write rules
    if (why := periods.check_incoming(b.cells, peer.site_kind, peer.site_id)) is not None:
        raise fmt.BundleError(_("{n}: gói của {s} bị từ chối: {w}").format(
            n=name, s=peer.name, w=why))
    their_conflicts = conflicts.parse_conflicts(m.get("conflicts"), peer.site_id, listed,
                                                name)
    _check_vector_and_writers(b.cells, sender_vector, peer, name, b.records)
    warnings = clocks.check_stamps(name, peer.name, m, b.cells, wall_ms_now())
    clocks.check_sequences(name, peer.name, keys.site.site_id, merge.version_vector(conn),
                           sender_vector, b.cells)
    warnings += _counter_warnings(m, peer)
    clock_warnings = list(warnings)
    warnings += periods.incoming_changes(conn, b.cells, merge.version_vector(conn))
    store = Store(conn, actor=actor)
    blobs = BlobStore(db_file_of(conn))
    try:
        with store.transaction("sync"):
            # Checked again inside the write lock: another window may have imported it.
            if conn.execute("SELECT 1 FROM sync_import_log WHERE bundle_id = ?",
                            (b.bundle_id,)).fetchone() is not None:
                raise _AlreadyInside()
            # What to go back to (Hoàn tác lần nhập này), in this transaction (issue 12).
            journal = None if dry_run else undo.start(store, b.bundle_id, peer.site_id, path,
                                                      b.cells, b.records)
            stats = merge.apply_cells(store, b.cells, progress=progress, cancel=cancel,
                                      records=b.records)
            merge.raise_vector(conn, sender_vector, listed)
            merge.raise_belief(conn, peer.site_id, sender_vector)
            if peer.site_kind == "province":  # people who moved leave, once acknowledged
                moves.depart(store, peer.site_id)
            if b.rotated_to is not None:
                enrol.record_rotation(conn, peer, b.rotated_to)
            if listing is not None and keys.site.site_kind == "commune":
                enrol.apply_site_list(conn, listing)
            stats.conflicts_new += conflicts.receive_conflicts(conn, their_conflicts)
            # Never refused for a whole-record rule (the sender may rightly hold the merged
            # state): each record it left breaking one is put up for review here.
            stats.review_new = conflicts.review_broken_records(store, stats.touched)
            stats.touched.clear()  # (every record's values: not kept with the result)
            if their_head is not None:  # a sender whose history got shorter or other
                rewritten = audit.observe_peer_head(conn, peer.site_id, peer.name, their_head)
                if rewritten is not None:
                    warnings.append(rewritten)
            conn.execute("UPDATE sync_site SET last_counter = max(coalesce(last_counter, 0), ?), "
                         "last_import_local_time = ? WHERE site_id = ?",
                         (int(m.get("sender_counter") or 0), merge.now_local(), peer.site_id))
            # What its program reads, as its last bundle says (the lines we send it next).
            enrol.note_schema(conn, peer.site_id, enrol.schema_of(m.get("schema_version")))
            conn.execute("INSERT INTO sync_import_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (b.bundle_id, peer.site_id, int(m.get("sender_counter") or 0),
                          b.manifest_sha256, "imported", json.dumps(stats.as_dict()),
                          merge.now_local()))
            notes.record_received(conn, b.bundle_id, peer.site_id, m.get("created_local"),
                                  clock_warnings, name)
            if journal is not None:
                journal.finish()
            if dry_run:
                raise _DryRun(stats)
            _store_attachments(blobs, b.attachments)
    except _DryRun as d:
        s = d.stats
        return ImportResult(path, "checked", _summary(name, peer.name, s, dry=True), b.bundle_id,
                            b.sender, dict(m.get("counts") or {}), s.as_dict(), warnings,
                            clock_warnings=clock_warnings)
    except _AlreadyInside:
        return ImportResult(path, "already", _("{n}: gói của {s}, đã nhập trước đây").format(
            n=name, s=peer.name), b.bundle_id, b.sender, dict(m.get("counts") or {}))
    except merge.MergeError as e:  # found while merging (e.g. a record in another commune)
        raise fmt.BundleError(_("{n}: gói của {s} bị từ chối: {e}").format(
            n=name, s=peer.name, e=e)) from None
    return ImportResult(path, "imported", _summary(name, peer.name, stats, dry=False), b.bundle_id,
                        b.sender, dict(m.get("counts") or {}), stats.as_dict(), warnings,
                        clock_warnings=clock_warnings)


class _AlreadyInside(Exception):
    pass


def _check_vector_and_writers(cells: Sequence[merge.Cell], sender_vector: merge.Vector,
                              peer: Peer, name: str,
                              records: Sequence[merge.Record] | None = None) -> None:
    """No change above the sender's own vector; reference data written by the province only
    (relayed by a commune, never its own). Most bundles hold one or two (origin, partition)
    pairs: their highest sequences are looked at, and the cells one by one only when one of
    them is wrong (to name the first). ``records``: the record lines the cells come from,
    whose writers and highest sequences are read a record at a time (a pair they give that
    no cell has only sends the cells one by one)."""
    if records is not None:
        top: dict[tuple[str, str], int] = {}
        for r in records:
            high = r.s + max(r.q)
            if high > top.get((r.o, r.p), 0):
                top[(r.o, r.p)] = high
            for _i, _h, o, p, s, _hist in r.x:
                if s > top.get((o, p), 0):
                    top[(o, p)] = s
        pairs = set(top)
    else:
        pairs = set(zip(map(_ORIGIN, cells), map(_PART, cells), strict=True))
        if len(pairs) == 1:
            [pair] = pairs
            top = {pair: max(map(_SEQ, cells))}
        else:
            top = {}
            for o, p, s in zip(map(_ORIGIN, cells), map(_PART, cells), map(_SEQ, cells),
                               strict=True):
                if s > top.get((o, p), 0):
                    top[(o, p)] = s
    if all(s <= sender_vector.get(pair, 0) for pair, s in top.items()) and (
            peer.site_kind == "province"
            or all(o == peer.site_id for o, p in pairs if p == REF_PART)):
        return
    for c in cells:
        if c[7] > sender_vector.get((c[5], c[6]), 0):
            raise fmt.BundleError(_("{n}: thay đổi {t}/{pk} vượt vector của người gửi").format(
                n=name, t=c[0], pk=c[1]))
        if c[6] == REF_PART and peer.site_kind != "province" and c[5] != peer.site_id:
            raise fmt.BundleError(_("{n}: dữ liệu danh mục chỉ do tỉnh ghi").format(n=name))


_ORIGIN, _PART, _SEQ = operator.itemgetter(5), operator.itemgetter(6), operator.itemgetter(7)


def sender_of(conn: dbapi.Connection, site_id: str) -> Peer | None:
    """An enrolled peer with its retired keys, else a site known from the province's list
    (revoked or merely listed: refused either way, with the reason)."""
    peer = enrol.find_peer_by_id(conn, site_id)
    if peer is None:
        return enrol.listed_peer(conn, site_id)
    return dataclasses.replace(peer, retired_sign_pubs=enrol.retired_sign_pubs(conn, site_id))


def _store_attachments(store: BlobStore, blobs: dict[str, bytes]) -> None:
    for sha, data in blobs.items():  # each checked against its name when the bundle was read
        store.put_bytes(sha, data)


def reads_records(conn: dbapi.Connection, peer: Peer) -> bool:
    """Whether ``peer``'s program reads record lines: its enrolment file or its last verified
    bundle said schema RECORDS_READER_SCHEMA or later (a peer that did not say gets change
    lines, which every version reads)."""
    row = conn.execute("SELECT peer_schema FROM sync_site WHERE site_id = ?",
                       (peer.site_id,)).fetchone()
    return row is not None and row[0] is not None and row[0] >= fmt.RECORDS_READER_SCHEMA


def _counter_warnings(manifest: dict, peer: Peer) -> list[str]:
    counter = manifest.get("sender_counter")
    if isinstance(counter, int) and peer.last_counter is not None and counter < peer.last_counter:
        return [_("Bộ đếm gói của {n} lùi lại (máy gửi được khôi phục từ bản sao hoặc chỉnh "
                  "lùi đồng hồ?)").format(n=peer.name)]
    return []


def _summary(name: str, sender: str, s: merge.MergeStats, *, dry: bool) -> str:
    """What a bundle brought, naming who sent it (the file's name may say nothing)."""
    records = sum(s.new_records.values())
    text = _("{n}: gói của {s}: {changes}, {a} được áp dụng, {records}, {conflicts}").format(
        n=name, s=sender, a=s.adopted,
        changes=ngettext("{c} thay đổi", "{c} thay đổi", s.cells).format(c=s.cells),
        records=ngettext("{r} bản ghi mới", "{r} bản ghi mới", records).format(r=records),
        conflicts=ngettext("{x} xung đột mới", "{x} xung đột mới",
                           s.conflicts_new).format(x=s.conflicts_new))
    if s.review_new:
        text += ", " + ngettext(
            "{r} bản ghi sai quy tắc cần xem xét (Xung đột dữ liệu)",
            "{r} bản ghi sai quy tắc cần xem xét (Xung đột dữ liệu)",
            s.review_new).format(r=s.review_new)
    return (_("(thử) ") + text) if dry else text
