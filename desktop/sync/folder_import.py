"""Import a whole folder (a stick, a shared folder) of bundles in one action, with one result
line per sender (issue 15): the province receives 45 communes' bundles at once.

Order: each bundle this site can open is first read up to its signed manifest (decrypted,
signature checked, nothing parsed beyond it, nothing written), so that the files go in per
sender, earliest first (by the sender's own bundle counter, then its export time) whatever
they are called; then each is imported by ``exchange.import_files`` in its own transaction.
Cancel is honoured between bundles only: every file is either wholly imported or untouched.
A bundle for another site is counted and never opened; a file that is not a bundle is counted
and left alone; a bundle whose manifest cannot be read goes last and is refused by the import
with the reason (and copied into quarantine), like any refused file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _, ngettext
from desktop.storage import accounts, dbapi
from desktop.sync import bundle as fmt
from desktop.sync import exchange, files
from desktop.sync import keys as keys_mod
from desktop.sync.keys import SiteKeys

# (files done, files in all, what is being done): per file, then once at the end.
FolderProgress = Callable[[int, int, str], None]
Known = dict[str, tuple[int, int]]  # path -> (size, modification time in ns)
FAILED = "failed"
SEEN = "seen"  # dealt with by an earlier run, unchanged since
OWN = "own"  # written by this site (a sync folder holds both directions)
ALREADY = "already"
UNKNOWN = ""  # the group of files whose sender could not be read


@dataclass
class Planned:
    path: Path
    kind: str  # files.BUNDLE | NOT_BUNDLE | ELSEWHERE, or FAILED (could not be read)
    sender: str = UNKNOWN
    sender_name: str = ""
    counter: int = 0
    created_ms: int = 0


@dataclass
class SenderResult:
    """What one sender's bundles brought, for its one line."""

    site_id: str
    name: str
    imported: int = 0
    already: int = 0
    records: int = 0
    changes: int = 0
    conflicts: int = 0
    clock_warnings: list[str] = field(default_factory=list)
    other_warnings: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    cancelled: int = 0
    review: int = 0  # records left breaking a whole-record rule (conflicts.py)

    def line(self) -> str:
        parts = [ngettext("{n} gói đã nhập", "{n} gói đã nhập", self.imported).format(
                     n=self.imported),
                 ngettext("{n} bản ghi", "{n} bản ghi", self.records).format(n=self.records),
                 ngettext("{n} xung đột mới", "{n} xung đột mới", self.conflicts).format(
                     n=self.conflicts),
                 ngettext("{n} cảnh báo đồng hồ", "{n} cảnh báo đồng hồ",
                          len(self.clock_warnings)).format(n=len(self.clock_warnings))]
        if self.review:
            parts.append(_review(self.review))
        if self.already:
            parts.append(ngettext("{n} gói đã nhập trước đây", "{n} gói đã nhập trước đây",
                                  self.already).format(n=self.already))
        if self.refused:
            parts.append(ngettext("{n} tệp bị từ chối", "{n} tệp bị từ chối",
                                  len(self.refused)).format(n=len(self.refused)))
        if self.cancelled:
            parts.append(ngettext("{n} gói chưa nhập (đã dừng)", "{n} gói chưa nhập (đã dừng)",
                                  self.cancelled).format(n=self.cancelled))
        return f"{self.name}: " + ", ".join(parts)

    def detail_lines(self) -> list[str]:
        """Below the line: each warning, and each refused file with why."""
        return ([_("  cảnh báo: {w}").format(w=w)
                 for w in [*self.clock_warnings, *self.other_warnings]]
                + [_("  từ chối {f}: {why}").format(f=f, why=why) for f, why in self.refused])

    def as_dict(self) -> dict[str, object]:
        return {"site_id": self.site_id or None, "name": self.name, "imported": self.imported,
                "already": self.already, "records": self.records, "changes": self.changes,
                "conflicts": self.conflicts, "clock_warnings": self.clock_warnings,
                "other_warnings": self.other_warnings,
                "refused": [{"file": f, "reason": why} for f, why in self.refused],
                "cancelled": self.cancelled, "review": self.review}


def _review(n: int) -> str:
    return ngettext("{r} bản ghi sai quy tắc cần xem xét (Xung đột dữ liệu)",
                    "{r} bản ghi sai quy tắc cần xem xét (Xung đột dữ liệu)", n).format(r=n)


@dataclass
class FolderImport:
    senders: list[SenderResult]
    results: list[exchange.ImportResult]  # one per file, in the order they were taken
    elsewhere: int = 0  # bundles for other sites: counted, never opened
    own: int = 0  # bundles this site wrote (to its peers), beside the others in a sync folder
    unchanged: int = 0  # files an earlier run dealt with, not read again (see ``known``)
    not_bundles: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # the stick or disk at fault
    cancelled: bool = False

    @property
    def imported(self) -> int:
        return sum(s.imported for s in self.senders)

    @property
    def refused(self) -> int:
        return sum(len(s.refused) for s in self.senders)

    def total_line(self) -> str:
        s = self.senders
        parts = [ngettext("{n} gói đã nhập", "{n} gói đã nhập", self.imported).format(
                     n=self.imported),
                 ngettext("{n} bản ghi", "{n} bản ghi", sum(x.records for x in s)).format(
                     n=sum(x.records for x in s)),
                 ngettext("{n} xung đột mới", "{n} xung đột mới",
                          sum(x.conflicts for x in s)).format(n=sum(x.conflicts for x in s)),
                 ngettext("{n} cảnh báo đồng hồ", "{n} cảnh báo đồng hồ",
                          sum(len(x.clock_warnings) for x in s)).format(
                     n=sum(len(x.clock_warnings) for x in s)),
                 ngettext("{n} tệp bị từ chối", "{n} tệp bị từ chối", self.refused).format(
                     n=self.refused)]
        review = sum(x.review for x in s)
        if review:
            parts.append(_review(review))
        already = sum(x.already for x in s)
        if already:
            parts.append(ngettext("{n} gói đã nhập trước đây", "{n} gói đã nhập trước đây",
                                  already).format(n=already))
        parts.append(ngettext("{n} gói của điểm khác bỏ qua", "{n} gói của điểm khác bỏ qua",
                              self.elsewhere).format(n=self.elsewhere))
        if self.own:
            parts.append(ngettext("{n} gói do điểm này gửi đi", "{n} gói do điểm này gửi đi",
                                  self.own).format(n=self.own))
        if self.not_bundles:
            parts.append(ngettext("{n} tệp không phải gói", "{n} tệp không phải gói",
                                  self.not_bundles).format(n=self.not_bundles))
        if self.failed:
            parts.append(ngettext("{n} tệp không đọc được", "{n} tệp không đọc được",
                                  len(self.failed)).format(n=len(self.failed)))
        line = _("Tổng: {p}").format(p=", ".join(parts))
        if self.cancelled:
            line += _(" — đã dừng giữa chừng: các gói chưa nhập để nguyên, nhập lại sau được")
        return line

    def lines(self, *, details: bool = True) -> list[str]:
        out: list[str] = []
        for s in self.senders:
            out.append(s.line())
            if details:
                out += s.detail_lines()
        out += [_("{f}: {why}").format(f=f, why=why) for f, why in self.failed]
        out.append(self.total_line())
        return out

    def as_dict(self) -> dict[str, object]:
        return {"senders": [s.as_dict() for s in self.senders],
                "files": [r.as_dict() for r in self.results],
                "elsewhere": self.elsewhere, "own": self.own, "unchanged": self.unchanged,
                "not_bundles": self.not_bundles,
                "failed": [{"file": f, "reason": why} for f, why in self.failed],
                "cancelled": self.cancelled, "total": self.total_line()}

    @property
    def exit_status(self) -> int:
        """2 when a file was refused or could not be read (the CLI's convention); bundles for
        other sites and a cancel are not errors."""
        return 2 if self.refused or self.failed else 0


def plan(conn: dbapi.Connection, keys: SiteKeys, paths: Sequence[Path],
         known: Known | None = None) -> list[Planned]:
    """Every file under ``paths`` (a folder stands for its ``*.vsb``), with the order its
    import goes in: per sender, earliest first. A file ``known`` with the same size and time
    is left out at once."""
    todo = exchange.expand(paths)
    exchange.refuse_own_files(todo, exchange.db_file_of(conn))
    signing = own_keys(conn)
    planned = []
    for path in todo:
        if known is not None and known.get(str(path)) == stamp(path):
            planned.append(Planned(path, SEEN))
            continue
        try:
            kind = files.sniff(path, keys.identities)
        except UserError:  # the import says what (stick removed, no right to read…)
            planned.append(Planned(path, FAILED))
            continue
        item = Planned(path, kind)
        if kind == files.BUNDLE:
            _read_order(conn, keys, item, signing)
        planned.append(item)
    names: dict[str, str] = {}
    for p in planned:
        if p.sender:
            names.setdefault(p.sender, p.sender_name)
    # Senders by name (as the officer reads the lines), unreadable files last.
    return sorted(planned, key=lambda p: (p.sender == UNKNOWN, names.get(p.sender, ""),
                                          p.sender, p.counter, p.created_ms, p.path.name))


def _read_order(conn: dbapi.Connection, keys: SiteKeys, item: Planned,
                signing: Sequence[str]) -> None:
    """The sender and its counter from the signed manifest; this site's own bundles (it can
    open what it wrote) and those already imported are marked so. On any failure nothing: the
    import itself then says what is wrong with the file."""
    name = item.path.name
    try:
        plain = fmt.decrypt(files.read_capped(item.path, fmt.MAX_BUNDLE_BYTES), keys, name)
        if fmt.signed_by(plain, name, keys.site.site_id, signing):
            item.kind = OWN
            return
        zf, b = fmt.open_plain(plain, keys, name, lambda s: exchange.sender_of(conn, s))
        zf.close()
    except (UserError, OSError, ValueError):
        return
    peer = exchange.sender_of(conn, b.sender)
    counter, created = b.manifest.get("sender_counter"), b.manifest.get("created_wall_ms")
    item.sender = b.sender
    item.sender_name = peer.name if peer is not None else b.sender
    item.counter = counter if type(counter) is int else 0
    item.created_ms = created if type(created) is int else 0
    logged = conn.execute("SELECT sha256 FROM sync_import_log WHERE bundle_id = ?",
                          (b.bundle_id,)).fetchone()
    if logged is not None and logged[0] == b.manifest_sha256:
        item.kind = ALREADY  # not decrypted a second time (a sync folder keeps them all)


def own_keys(conn: dbapi.Connection) -> list[str]:
    """This site's signing keys, the current one and those ``antq keys rotate`` retired."""
    current = keys_mod.public_keys(conn).sign_pub
    return [current, *(r[0] for r in conn.execute(
        "SELECT public FROM sync_key_retired WHERE purpose = 'sign'"))]


def import_folder(conn: dbapi.Connection, keys: SiteKeys, paths: Sequence[Path], *,
                  actor: str | None = None, progress: FolderProgress | None = None,
                  cancel: Callable[[], bool] | None = None,
                  known: Known | None = None) -> FolderImport:
    """Import every bundle for this site under ``paths``; see the module's docstring.

    ``known`` (a sync folder run again and again by the same window): the files already
    dealt with — imported, already there, this site's own, for another site, not a bundle,
    refused — by path, with their size and modification time. Such a file unchanged is not
    read again (neither decrypted nor refused and logged once more); every file dealt with in
    this run is added. A file that failed (the medium at fault) is tried again next time."""
    accounts.require(conn, "sync")
    planned = plan(conn, keys, paths, known)
    out = FolderImport([], [])
    groups: dict[str, SenderResult] = {}
    mine = [p for p in planned if p.kind == files.BUNDLE]
    for p in planned:
        if p.kind == SEEN:
            out.unchanged += 1
        elif p.kind == OWN:
            out.own += 1
            out.results.append(exchange.ImportResult(p.path, "own", _(
                "{n}: gói do chính điểm này ghi (gửi đi); để nguyên").format(n=p.path.name)))
        elif p.kind == ALREADY:
            group = _group(groups, out, p)
            group.already += 1
            out.results.append(exchange.ImportResult(p.path, "already", _(
                "{n}: gói của {s}, đã nhập trước đây").format(n=p.path.name, s=group.name)))
        elif p.kind != files.BUNDLE:  # reported as the import reports it; never opened
            [r] = exchange.import_files(conn, keys, [p.path], actor=actor)
            out.results.append(r)
            _count(None, p, r, out)
    for i, p in enumerate(mine):
        group = _group(groups, out, p)
        if out.cancelled or (cancel is not None and cancel()):
            out.cancelled = True
            group.cancelled += 1
            continue
        if progress is not None:
            progress(i, len(mine), _("Đang nhập gói của {n} ({i}/{k})").format(
                n=group.name, i=i + 1, k=len(mine)))
        # No cancel passed down: a bundle, once begun, is imported whole.
        [r] = exchange.import_files(conn, keys, [p.path], actor=actor)
        out.results.append(r)
        _count(group, p, r, out)
    if progress is not None:
        progress(len(mine), len(mine), "")
    out.senders.sort(key=lambda g: (g.site_id == UNKNOWN, g.name))
    if known is not None:
        for r in out.results:
            if r.status not in ("failed", "cancelled"):
                now = stamp(r.path)
                if now is not None:
                    known[str(r.path)] = now
    return out


def stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _group(groups: dict[str, SenderResult], out: FolderImport, p: Planned) -> SenderResult:
    group = groups.get(p.sender)
    if group is None:
        group = groups[p.sender] = SenderResult(p.sender,
                                                p.sender_name or _("Không rõ người gửi"))
        out.senders.append(group)
    return group


def _count(group: SenderResult | None, p: Planned, r: exchange.ImportResult,
           out: FolderImport) -> None:
    if r.status == "not-for-us":
        out.elsewhere += 1
    elif r.status == "not-bundle":
        out.not_bundles += 1
    elif r.status == "failed" or group is None:  # the disk or the stick
        out.failed.append((p.path.name, _why(r)))
    elif r.status == "imported":
        group.imported += 1
        stats = r.stats
        new, changed = stats.get("new_records") or {}, stats.get("changed_records") or {}
        group.records += sum(new.values()) + sum(changed.values())  # type: ignore[union-attr]
        group.changes += int(stats.get("cells") or 0)  # type: ignore[call-overload]
        group.conflicts += int(stats.get("conflicts_new") or 0)  # type: ignore[call-overload]
        group.review += int(stats.get("review_new") or 0)  # type: ignore[call-overload]
        group.clock_warnings += r.clock_warnings
        group.other_warnings += [w for w in r.warnings if w not in r.clock_warnings]
    elif r.status == "already":
        group.already += 1
    else:
        group.refused.append((p.path.name, _why(r)))


def _why(r: exchange.ImportResult) -> str:
    """The refusal without the file's name it begins with (the line names the file)."""
    prefix = f"{r.path.name}: "
    return r.message[len(prefix):] if r.message.startswith(prefix) else r.message
