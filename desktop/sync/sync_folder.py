"""The sync folder (issue 15, "when a connection is available"): a folder this site names — a
network share, or any folder a file-sync tool keeps — into which it writes a bundle for each
peer and from which it imports the bundles addressed to it, whenever the folder can be reached.
The same files and the same checks as a USB stick (exchange.py, folder_import.py).

A run that cannot reach the folder is not an error: it is noted (when, and that the folder was
not there) and the next run tries again. A bundle is written for a peer only when what it would
carry changed since the last one written here for that peer (this site's versions in the
peer's partitions, what the peer is known to hold, the site list, the conflicts queue), so a
run on a timer does not fill the folder with copies.

The folder, the last run and what was last written for each peer are this site's own settings
(``site_meta``), never synced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _, ngettext
from desktop.storage import accounts, dbapi, merge
from desktop.storage.site import get_meta, require_site, set_meta
from desktop.sync import conflicts, enrol, exchange, folder_import
from desktop.sync.keys import SiteKeys

FOLDER_KEY = "sync_folder"
LAST_RUN_KEY = "sync_folder_last_run"
_SENT_KEY = "sync_folder_sent:"  # + peer site id: the state its last bundle here carried
MAX_PATH = 1000


def folder(conn: dbapi.Connection) -> Path | None:
    raw = get_meta(conn, FOLDER_KEY)
    return Path(raw) if raw else None


def set_folder(conn: dbapi.Connection, path: str | Path | None) -> Path | None:
    """Name the folder (None or empty: no sync folder). It need not be reachable now (a share
    is often off-line), but it must be a full path, and not this database's own folder."""
    accounts.require(conn, "sync")
    text = unicodedata.normalize("NFC", str(path or "")).strip()
    if not text:
        conn.execute("DELETE FROM site_meta WHERE key = ?", (FOLDER_KEY,))
        return None
    if len(text) > MAX_PATH or any(ord(ch) < 32 for ch in text):
        raise UserError(_("Thư mục đồng bộ: đường dẫn không hợp lệ"))
    chosen = Path(text).expanduser()
    if not chosen.is_absolute():
        raise UserError(_("Thư mục đồng bộ: cần đường dẫn đầy đủ (không phải «{p}»)").format(
            p=text))
    db_folder = exchange.db_file_of(conn).parent
    if _same(chosen, db_folder):
        raise UserError(_("Thư mục đồng bộ không được là thư mục chứa cơ sở dữ liệu ({p})")
                        .format(p=db_folder))
    set_meta(conn, FOLDER_KEY, str(chosen))
    return chosen


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass
class LastRun:
    at: dt.datetime
    ok: bool
    reachable: bool
    text: str

    def status_line(self) -> str:
        """The status bar's words: when it last ran, and how it went."""
        return _("Thư mục đồng bộ, lần chạy {t}: {r}").format(
            t=self.at.strftime("%H:%M %d/%m/%Y"), r=self.text)

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(timespec="seconds"), "ok": self.ok,
                "reachable": self.reachable, "text": self.text}


def last_run(conn: dbapi.Connection) -> LastRun | None:
    raw = get_meta(conn, LAST_RUN_KEY)
    if not raw:
        return None
    try:
        d = json.loads(raw)
        return LastRun(dt.datetime.fromisoformat(d["at"]), bool(d["ok"]), bool(d["reachable"]),
                       str(d["text"]))
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class RunResult:
    folder: Path
    reachable: bool
    imported: folder_import.FolderImport | None = None
    written: list[exchange.ExportResult] = field(default_factory=list)
    error: str | None = None  # the export or import stopped (disk full, no right…)
    last: LastRun | None = None

    @property
    def ok(self) -> bool:
        return self.reachable and self.error is None and (
            self.imported is None or self.imported.exit_status == 0)

    def lines(self) -> list[str]:
        if not self.reachable:
            return [_("Không tới được thư mục đồng bộ {p} (mạng chưa nối hoặc ổ chưa gắn); "
                      "sẽ thử lại sau").format(p=self.folder)]
        out = self.imported.lines() if self.imported is not None else []
        out += [_("Đã ghi {f} cho {n} ({c} thay đổi)").format(
            f=r.path.name, n=r.recipient_name, c=r.changes) for r in self.written]
        if not self.written:
            out.append(_("Không có gì mới để ghi cho các điểm nhận"))
        if self.error:
            out.append(self.error)
        return out

    def as_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "reachable": self.reachable, "ok": self.ok,
                "imported": self.imported.as_dict() if self.imported else None,
                "written": [r.as_dict() for r in self.written], "error": self.error,
                "last_run": self.last.as_dict() if self.last else None}


def reachable(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a share that answers with an error rather than "no such folder"
        return False


def run(conn: dbapi.Connection, keys: SiteKeys, *, actor: str | None = None,
        progress: folder_import.FolderProgress | None = None,
        cancel: Callable[[], bool] | None = None,
        known: folder_import.Known | None = None) -> RunResult:
    """Import what the folder holds for this site, then write what is new for each peer.
    ``known``: what earlier runs of the same window dealt with (folder_import.import_folder)."""
    accounts.require(conn, "sync")
    where = folder(conn)
    if where is None:
        raise UserError(_("Chưa đặt thư mục đồng bộ (antq sync-folder set ĐƯỜNG_DẪN, hoặc "
                          "Đồng bộ → Thư mục đồng bộ…)"))
    result = RunResult(where, reachable(where))
    if result.reachable:
        try:
            result.imported = folder_import.import_folder(conn, keys, [where], actor=actor,
                                                          progress=progress, cancel=cancel,
                                                          known=known)
            if not (result.imported.cancelled or (cancel is not None and cancel())):
                result.written = _write_new(conn, keys, where, actor)
                for r in result.written if known is not None else ():
                    stamp = folder_import.stamp(r.path)  # ours: never read back
                    if stamp is not None:
                        known[str(r.path)] = stamp
        except exchange.ExportFailed as e:
            result.written, result.error = e.written, str(e)
        except UserError as e:  # the folder went away midway, or the disk is full
            result.error = str(e)
    result.last = _note_run(conn, result)
    return result


def _state(conn: dbapi.Connection, site, peer: enrol.Peer) -> str:  # type: ignore[no-untyped-def]
    """What a bundle for ``peer`` would carry, as a digest: it changes when there is
    something new to send (or to acknowledge)."""
    allowed = exchange.parts_for(conn, site, peer)
    vv = sorted(f"{o}|{p}|{s}" for (o, p), s in merge.version_vector(conn).items()
                if p in allowed)
    belief = sorted(f"{o}|{p}|{s}" for (o, p), s in merge.belief_of(conn, peer.site_id).items()
                    if p in allowed)
    queue = conflicts.conflicts_to_send(conn, allowed) if site.site_kind == "commune" else []
    text = json.dumps([vv, belief, enrol.site_list(conn), len(queue)], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_new(conn: dbapi.Connection, keys: SiteKeys, where: Path,
               actor: str | None) -> list[exchange.ExportResult]:
    site = require_site(conn)
    peers = [p for p in enrol.list_sites(conn) if p.status == "active"]
    states = {p.site_id: _state(conn, site, p) for p in peers}
    due = [p.site_id for p in peers if get_meta(conn, _SENT_KEY + p.site_id) != states[p.site_id]]
    if not due:
        return []
    try:
        written = exchange.export_to_folder(conn, keys, where, for_sites=due, actor=actor)
    except exchange.ExportFailed as e:
        _remember(conn, e.written, states)  # those are whole, on the folder
        raise
    _remember(conn, written, states)
    return written


def _remember(conn: dbapi.Connection, written: list[exchange.ExportResult],
              states: dict[str, str]) -> None:
    for r in written:
        set_meta(conn, _SENT_KEY + r.recipient, states[r.recipient])


def _note_run(conn: dbapi.Connection, result: RunResult) -> LastRun:
    if not result.reachable:
        text = _("không tới được thư mục {p}").format(p=result.folder)
    elif result.error:
        text = _("lỗi: {e}").format(e=result.error)
    else:
        got = result.imported.imported if result.imported else 0
        refused = result.imported.refused if result.imported else 0
        text = ngettext("nhập {n} gói", "nhập {n} gói", got).format(n=got) + ", " + ngettext(
            "ghi {n} gói", "ghi {n} gói", len(result.written)).format(n=len(result.written))
        if refused:
            text += ", " + ngettext("{n} tệp bị từ chối", "{n} tệp bị từ chối",
                                    refused).format(n=refused)
    last = LastRun(dt.datetime.now().replace(microsecond=0), result.ok, result.reachable, text)
    set_meta(conn, LAST_RUN_KEY, json.dumps(last.as_dict(), ensure_ascii=False))
    return last
