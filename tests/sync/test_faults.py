"""Faults read as what they are (issue 10, finding 9): disk full, write-protected, stick
removed, a file gone between listing and reading: one line each naming the file, a non-zero
exit, nothing half-written, and on an export for several sites the bundles already written
listed. The faults are injected where the program meets the medium (``Path.open``,
``os.fsync``) or, for a full disk under SQLite, by a real page limit."""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import pytest
from dbkit import logical_dump
from synckit import Node

from desktop import cli
from desktop.storage import attachments, db
from desktop.storage.paths import attachments_dir
from desktop.sync import exchange, files, keys

_real_open = Path.open


def person(node: Node, name: str = "Lò Văn Sáng") -> str:
    return node.store.add("person", {"full_name": name}).id


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class _FailingWriter(io.RawIOBase):
    """A file that takes part of the first write, then fails as a full or removed medium
    would."""

    def __init__(self, real, code: int) -> None:
        self.real, self.code = real, code

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.real.write(bytes(data[: len(data) // 2]))
        raise OSError(self.code, os.strerror(self.code))

    def close(self) -> None:
        self.real.close()
        super().close()


def fail_writes_under(monkeypatch, folder: Path, code: int, *, after: int = 0,
                      at_open: bool = False) -> None:
    """Writes of files under ``folder`` fail with ``code`` once ``after`` of them succeeded."""
    done = [0]

    def opener(self: Path, mode: str = "r", *a, **kw):
        if "w" in mode and Path(self).is_relative_to(folder):
            done[0] += 1
            if done[0] > after:
                if at_open:
                    raise OSError(code, os.strerror(code), str(self))
                return _FailingWriter(_real_open(self, mode, *a, **kw), code)
        return _real_open(self, mode, *a, **kw)

    monkeypatch.setattr(Path, "open", opener)


def fail_reads_under(monkeypatch, folder: Path, code: int) -> None:
    def opener(self: Path, mode: str = "r", *a, **kw):
        if "r" in mode and Path(self).is_relative_to(folder):
            raise OSError(code, os.strerror(code), str(self))
        return _real_open(self, mode, *a, **kw)

    monkeypatch.setattr(Path, "open", opener)


@pytest.fixture
def cli_env(monkeypatch):
    # The login opens the sync keys: no passphrase anywhere.
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)


# -- export ------------------------------------------------------------------------------------

def test_a_write_protected_stick(network, tmp_path, monkeypatch, capsys, cli_env):
    prov, (a, _b) = network(2)
    person(a)
    stick = tmp_path / "stick"
    stick.mkdir()
    fail_writes_under(monkeypatch, stick, errno.EROFS, at_open=True)
    with pytest.raises(exchange.ExportFailed, match="chỉ cho đọc") as e:
        a.export(stick)
    assert e.value.written == [] and str(stick) in str(e.value)
    assert cli.main(["export-bundle", "--to", str(stick), "--db", str(a.path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "chỉ cho đọc" in err and str(stick) in err and "không mong đợi" not in err
    assert leftovers(stick) == []


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "Ổ đĩa đầy"),
                                         (errno.EIO, "USB đã bị rút ra")])
def test_a_fault_on_the_second_bundle_lists_the_first(network, tmp_path, monkeypatch,
                                                      capsys, cli_env, code, words):
    prov, (a, b) = network(2)
    stick = tmp_path / "stick"
    stick.mkdir()
    fail_writes_under(monkeypatch, stick, code, after=1)
    with pytest.raises(exchange.ExportFailed, match=words) as e:
        prov.export(stick)
    [first] = e.value.written
    assert leftovers(stick) == [first.path.name]  # no half-written second bundle, no .part
    assert first.path.name in e.value.report() and words in e.value.report()
    # The bundle written before the fault is whole: its commune imports it.
    monkeypatch.setattr(Path, "open", _real_open)
    reader = a if first.recipient == a.site_id else b
    assert [r.status for r in reader.import_(first.path)] == ["imported"]
    # The command line prints the written bundle, then the one-line error; exit 2.
    again = tmp_path / "again"
    again.mkdir()
    fail_writes_under(monkeypatch, again, code, after=1)
    assert cli.main(["export-bundle", "--to", str(again), "--db", str(prov.path),
                     "--json"]) == 2
    out, err = capsys.readouterr()
    [listed] = json.loads(out)
    assert leftovers(again) == [Path(listed["path"]).name]
    assert words in err and len(err.strip().splitlines()) == 1 and str(again) in err


def test_the_stick_removed_while_the_bundle_is_flushed(network, tmp_path, monkeypatch):
    prov, (a, _b) = network(2)
    person(a)
    stick = tmp_path / "stick"
    stick.mkdir()

    def fsync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(exchange.ExportFailed, match="USB đã bị rút ra") as e:
        a.export(stick)
    assert e.value.written == [] and leftovers(stick) == []


# -- import ------------------------------------------------------------------------------------

@pytest.fixture
def two_bundles(network, tmp_path):
    prov, (a, b) = network(2)
    stick = tmp_path / "stick"
    for c in (a, b):
        c.store.add_many("person", [{"full_name": f"Người {i} của {c.name}"}
                                    for i in range(300)])
        c.export(stick, to=prov)
    return prov, stick


def test_a_file_gone_between_listing_and_reading(two_bundles):
    prov, stick = two_bundles
    first, second = exchange.expand([stick])

    def progress(i: int, n: int, done: int, total: int) -> None:
        if i == 1 and second.exists():  # the first file is done: the second disappears
            second.unlink()

    results = exchange.import_files(prov.conn, prov.keys, [stick], progress=progress)
    assert [r.status for r in results] == ["imported", "failed"]
    assert "Không có tệp" in results[1].message and str(second) in results[1].message
    assert results[1].quarantined_to is None


def test_the_stick_removed_while_reading(two_bundles, monkeypatch, capsys, cli_env):
    prov, stick = two_bundles
    before = logical_dump(prov.conn)
    fail_reads_under(monkeypatch, stick, errno.EIO)
    results = prov.import_(stick)
    assert [r.status for r in results] == ["failed", "failed"]
    assert all("USB đã bị rút ra" in r.message and r.path.name in r.message
               for r in results)
    assert logical_dump(prov.conn) == before
    assert not files.quarantine_dir(prov.path).exists()
    assert cli.main(["import-bundle", str(stick), "--db", str(prov.path)]) == 2
    assert "USB đã bị rút ra" in capsys.readouterr().out


def test_disk_full_in_the_database_during_import(two_bundles, monkeypatch, capsys, cli_env):
    prov, stick = two_bundles
    first, _second = exchange.expand([stick])
    before = logical_dump(prov.conn)
    # A real SQLITE_FULL: the database may not grow by one page. SQLite then rolls the
    # transaction back itself, and the write path's ROLLBACK fails with "cannot rollback".
    pages = prov.conn.execute("PRAGMA page_count").fetchone()[0]
    prov.conn.execute(f"PRAGMA max_page_count = {pages}")
    results = prov.import_(first)
    [r] = results
    assert r.status == "failed", r
    assert r.message.startswith("Ổ đĩa đầy") and first.name in r.message
    assert "cannot rollback" not in r.message and "không mong đợi" not in r.message
    assert r.quarantined_to is None and first.exists()
    assert not prov.conn.in_transaction
    prov.conn.execute("PRAGMA max_page_count = 1073741823")
    assert logical_dump(prov.conn) == before
    assert [x.status for x in prov.import_(first)] == ["imported"]  # room again: it imports


def test_disk_full_writing_an_attachment(network, tmp_path, monkeypatch):
    prov, (a, _b) = network(2)
    pid = person(a)
    scan = tmp_path / "bien-ban.pdf"
    scan.write_bytes(b"%PDF-1.4 scan " * 1000)
    attachments.attach(a.store, "person", pid, scan)
    [bundle] = a.export(tmp_path / "stick", to=prov)
    before = logical_dump(prov.conn)
    store = attachments_dir(prov.path)
    store.mkdir(parents=True, exist_ok=True)
    fail_writes_under(monkeypatch, store, errno.ENOSPC)
    [r] = prov.import_(bundle)
    assert r.status == "failed" and r.message.startswith("Ổ đĩa đầy"), r
    assert bundle.name in r.message and r.quarantined_to is None
    assert logical_dump(prov.conn) == before
    assert not [p for p in store.rglob("*") if p.is_file()]  # no half blob, no .part


def test_a_database_that_still_opens_after_a_full_disk(two_bundles):
    """After the failed import the site goes on: it adds, and imports the same bundle."""
    prov, stick = two_bundles
    first, _ = exchange.expand([stick])
    pages = prov.conn.execute("PRAGMA page_count").fetchone()[0]
    prov.conn.execute(f"PRAGMA max_page_count = {pages}")
    assert [r.status for r in prov.import_(first)] == ["failed"]
    prov.conn.execute("PRAGMA max_page_count = 1073741823")
    person(prov)
    assert [r.status for r in prov.import_(first)] == ["imported"]
    check = db.open_file(prov.path, db.key_for(prov.path))
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
