"""Attached files are encrypted at rest: a copied data folder shows neither their content nor
their names, and a file changed on disk is refused rather than handed out (issue 11)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop.domain.kinds import KINDS
from desktop.storage import accounts, attachments, audit, records
from desktop.storage.attachments import BlobStore, DamagedBlobError
from desktop.storage.paths import attachments_dir

MARKER = b"BIEN-BAN-MAT-7f3a9c: Lo Van An, CCCD 011085000123"
NAME = "Biên bản họp Lò Văn Ấn.pdf"


@pytest.fixture
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The officer's file, outside the data folder."""
    path = tmp_path_factory.mktemp("desktop") / NAME
    path.write_bytes(b"%PDF-1.4\n" + MARKER * 50 + b"\n%%EOF")
    return path


@pytest.fixture
def person(store) -> str:
    return store.add("person", {"full_name": "Lò Văn Ấn"}).id


def data_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_no_file_in_the_data_folder_shows_the_content_or_the_name(store, conn, db_path, scan,
                                                                  person, tmp_path):
    att = attachments.attach(store, "person", person, scan)
    rec = records.get(conn, KINDS["attachment"], att.id)
    assert rec["filename"] == NAME  # kept in the (encrypted) record only
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = data_files(db_path.parent)
    assert any(p.is_relative_to(attachments_dir(db_path)) for p in files)
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()
    needles = [MARKER, MARKER[:20], NAME.encode(), "Lò Văn Ấn".encode(), b"Lo Van An", b"%PDF",
               sha.encode()]
    for p in files:
        data = p.read_bytes()
        assert not [n for n in needles if n in data], p
        # The path neither: no original name, no content hash (which would confirm the file).
        assert "Biên" not in str(p) and sha not in str(p)


def test_exported_byte_identical_and_logged(store, conn, scan, person, tmp_path):
    att = attachments.attach(store, "person", person, scan)
    rec = records.get(conn, KINDS["attachment"], att.id)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = attachments.export_attachment(conn, rec, out_dir, actor="tester")
    assert out == out_dir / NAME and out.read_bytes() == scan.read_bytes()
    [event] = [e for e in audit.entries(conn, limit=5) if e.action == "export"]
    assert event.detail == {"format": "attachment", "file": str(out), "what": "attachment",
                            "id": att.id}


def test_the_same_file_is_stored_once(store, scan, person, db_path):
    attachments.attach(store, "person", person, scan)
    attachments.attach(store, "person", person, scan)
    assert len(data_files(attachments_dir(db_path))) == 1


def test_a_changed_blob_is_refused_with_a_clear_message(store, conn, scan, person, tmp_path):
    att = attachments.attach(store, "person", person, scan)
    rec = records.get(conn, KINDS["attachment"], att.id)
    blobs = BlobStore.of(conn)
    [blob] = data_files(blobs.dir)
    sealed = bytearray(blob.read_bytes())
    sealed[-40] ^= 1
    blob.write_bytes(bytes(sealed))
    with pytest.raises(DamagedBlobError, match=f"Tệp đính kèm {NAME} đã bị hỏng hoặc bị sửa"):
        attachments.export_attachment(conn, rec, tmp_path / "copy.pdf")
    assert not (tmp_path / "copy.pdf").exists()


def test_a_blob_put_under_another_files_name_is_refused(store, conn, scan, person, tmp_path):
    """Ciphertext is bound to its content's hash: swapping two stored files is noticed."""
    other = scan.with_name("khac.pdf")
    other.write_bytes(b"another scan")
    a = records.get(conn, KINDS["attachment"], attachments.attach(store, "person", person,
                                                                  scan).id)
    b = records.get(conn, KINDS["attachment"], attachments.attach(store, "person", person,
                                                                  other).id)
    blobs = BlobStore.of(conn)
    pa, pb = blobs.path_of(str(a["sha256"])), blobs.path_of(str(b["sha256"]))
    pa.write_bytes(pb.read_bytes())
    with pytest.raises(DamagedBlobError, match="bị hỏng hoặc bị sửa"):
        attachments.export_attachment(conn, a, tmp_path / "a.pdf")


def test_a_missing_blob_is_named(store, conn, scan, person, tmp_path):
    rec = records.get(conn, KINDS["attachment"], attachments.attach(store, "person", person,
                                                                    scan).id)
    for p in data_files(BlobStore.of(conn).dir):
        p.unlink()
    with pytest.raises(Exception, match=f"Tệp đính kèm {NAME} bị thiếu"):
        attachments.export_attachment(conn, rec, tmp_path / "a.pdf")


def test_another_database_cannot_read_the_blobs(store, conn, scan, person, db_path, tmp_path):
    """The keys come from the database key: the folder copied beside another database is
    not readable (nor are its names the same)."""
    sha, _size = BlobStore.of(conn).put(scan)
    foreign = BlobStore(db_path, key=b"\x01" * 32)
    assert not foreign.has(sha)
    with pytest.raises(Exception, match="bị thiếu"):
        foreign.read(sha)


def test_a_viewer_cannot_export(store, conn, scan, person, tmp_path):
    rec = records.get(conn, KINDS["attachment"], attachments.attach(store, "person", person,
                                                                    scan).id)
    accounts.bind(conn, accounts.Account("xemv", "viewer"))
    with pytest.raises(accounts.PermissionDenied, match="xuất dữ liệu"):
        attachments.export_attachment(conn, rec, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()


def test_plain_blobs_of_an_earlier_version_are_encrypted_at_first_use(
        store, conn, db_path, scan, person, tmp_path, monkeypatch):
    # What the previous version left: <db>-files/ab/<sha256> in clear, and its record.
    data = scan.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    plain = attachments_dir(db_path) / sha[:2] / sha
    plain.parent.mkdir(parents=True)
    plain.write_bytes(data)
    stray = attachments_dir(db_path) / "ab" / ("ab" + "0" * 62)  # not a blob of its content
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"someone else's file")
    att = store.add("attachment", {"owner_kind": "person", "owner_id": person, "sha256": sha,
                                   "filename": NAME, "size": len(data)}).id
    monkeypatch.setattr(attachments, "_MIGRATED", set())  # a new process
    out = attachments.export_attachment(conn, records.get(conn, KINDS["attachment"], att),
                                        tmp_path / "copy.pdf")
    assert out.read_bytes() == data
    assert not plain.exists()
    assert stray.read_bytes() == b"someone else's file"  # not ours to encrypt or remove
    for p in data_files(attachments_dir(db_path)):
        assert MARKER not in p.read_bytes() and sha not in str(p)
    # Checked once per process: a second store does not scan again, and reads as well.
    assert BlobStore.of(conn).migrate() == 0
    assert BlobStore.of(conn).read(sha) == data


def test_migration_counts_and_keeps_an_intact_copy(conn, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "_MIGRATED", set())
    folder = attachments_dir(db_path)
    shas = []
    for i in range(3):
        data = f"scan {i}".encode()
        sha = hashlib.sha256(data).hexdigest()
        (folder / sha[:2]).mkdir(parents=True, exist_ok=True)
        (folder / sha[:2] / sha).write_bytes(data)
        shas.append((sha, data))
    blobs = BlobStore(db_path)
    assert blobs.migrate() == 3
    assert [blobs.read(s) for s, _d in shas] == [d for _s, d in shas]
    assert not any((folder / s[:2] / s).exists() for s, _d in shas)
