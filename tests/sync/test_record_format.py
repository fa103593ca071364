"""Which lines a bundle is written in (issue 12; DESIGN.md's sync invariants: bundles stay
compatible or are versioned). A site writes record lines only to a peer whose last verified
bundle said its program reads them (sync_site.peer_schema ≥ bundle.RECORDS_READER_SCHEMA);
every other peer, and a peer never heard from, gets change lines, which every version reads.
A program older than the record lines asks to be updated instead of misreading them, and the
same versions give the same database whichever lines carried them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyrage
from synckit import Node, in_change_lines, in_record_lines

from desktop.storage import migrations
from desktop.sync import bundle, exchange


def members(node: Node, path: Path) -> list[str]:
    """The names in a bundle ``node`` wrote (it can open its own: it is a recipient too)."""
    plain = pyrage.decrypt(path.read_bytes(), [node.keys.identity])
    body = plain[plain.index(b"\nsig ") + 1:]
    body = body[body.index(b"\n") + 1:]
    return sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())


def people(a: Node, n: int) -> list[str]:
    return a.store.add_many("person", [
        {"full_name": f"Lò Văn Sáng {i}", "birth_date": f"{1950 + i % 50}-03-05",
         "gender": ("male", "female")[i % 2], "phone": f"09{i:08d}"} for i in range(n)])


def peer_schema(node: Node, peer: Node) -> int | None:
    return node.conn.execute("SELECT peer_schema FROM sync_site WHERE site_id = ?",
                             (peer.site_id,)).fetchone()[0]


def _alike(mine, mine_file, theirs, their_file, bundle_id: str) -> bool:
    """The two whole databases the same but for the imported file's hash and path in the
    import log (the same versions came in other lines)."""
    from test_import_adversarial import state

    sha = "SELECT sha256 FROM sync_import_log WHERE bundle_id = ?"
    mine_sha = mine.execute(sha, (bundle_id,)).fetchone()[0]
    their_sha = theirs.execute(sha, (bundle_id,)).fetchone()[0]
    return [line.replace(their_sha, mine_sha).replace(str(their_file), str(mine_file))
            for line in state(theirs)] == state(mine)


def test_record_lines_go_only_to_a_peer_that_said_it_reads_them(network, tmp_path):
    prov, (a, _b) = network(2)
    # The enrolment files said it: both programs read record lines from the first bundle.
    assert peer_schema(prov, a) == peer_schema(a, prov) == migrations.latest_version()
    ids = people(a, 20)
    # A peer that did not say (enrolled by an older program, not heard from since): change
    # lines, until its first bundle says what its program reads.
    prov.conn.execute("UPDATE sync_site SET peer_schema = NULL")
    a.conn.execute("UPDATE sync_site SET peer_schema = NULL")
    [first] = a.export(tmp_path / "1", to=prov)
    assert [m for m in members(a, first) if "/" in m] == ["changes/000001.jsonl"]
    [result] = prov.import_(first)
    assert result.status == "imported"
    assert peer_schema(prov, a) == migrations.latest_version()
    prov.store.edit("person", ids[2], {"notes": "Tỉnh ghi chú"})
    [back] = prov.export(tmp_path / "2", to=a)
    assert [m for m in members(prov, back) if "/" in m] == ["records/000001.jsonl"]
    [got] = a.import_(back)
    assert got.status == "imported", got.message
    assert peer_schema(a, prov) == migrations.latest_version()
    people(a, 5)  # the commune's next bundle is record lines too
    [second] = a.export(tmp_path / "3", to=prov)
    assert [m for m in members(a, second) if "/" in m] == ["records/000001.jsonl"]
    [result] = prov.import_(second)
    assert result.status == "imported" and result.stats["new_records"] == {"person": 5}


def test_a_peer_whose_last_bundle_came_from_an_older_program_gets_change_lines(
        network, tmp_path, monkeypatch):
    prov, (a, _b) = network(2)
    ids = people(a, 3)
    monkeypatch.setattr(migrations, "latest_version",
                        lambda: bundle.RECORDS_READER_SCHEMA - 1)  # the commune's program
    [old] = a.export(tmp_path / "1", to=prov)
    monkeypatch.undo()
    prov.conn.execute("UPDATE sync_site SET peer_schema = 99 WHERE site_id = ?",
                      (a.site_id,))
    [result] = prov.import_(old)
    assert result.status == "imported"
    assert peer_schema(prov, a) == bundle.RECORDS_READER_SCHEMA - 1
    prov.store.edit("person", ids[1], {"notes": "Tỉnh ghi chú"})
    [back] = prov.export(tmp_path / "2", to=a)
    assert [m for m in members(prov, back) if "/" in m] == ["changes/000001.jsonl"]


def test_an_older_program_asks_to_be_updated_rather_than_misread_record_lines(
        network, tmp_path, monkeypatch):
    prov, (a, _b) = network(2)
    people(a, 3)
    [path] = a.export(tmp_path / "1", to=prov)
    as_records = tmp_path / "records.vsb"
    as_records.write_bytes(in_record_lines(a, path, prov))
    monkeypatch.setattr(migrations, "latest_version",
                        lambda: bundle.RECORDS_READER_SCHEMA - 1)
    [result] = prov.import_(as_records)
    assert result.status == "refused"
    assert "cập nhật ANTQ Desk" in result.message
    assert prov.conn.execute("SELECT count(*) FROM person WHERE id IN (SELECT id FROM person "
                             "WHERE full_name LIKE 'Lò Văn Sáng %')").fetchone()[0] == 0


def test_the_same_versions_in_either_lines_give_the_same_database(network, tmp_path):
    """The province's edits and new people sent to a commune, once as change lines and once
    as record lines, into two copies of it: the whole databases are the same."""
    from test_import_adversarial import twin

    prov, (a, _b) = network(2)
    ids = people(a, 30)
    [up] = a.export(tmp_path / "1", to=prov)
    assert prov.import_(up)[0].status == "imported"
    prov.store.edit("person", ids[3], {"phone": "0987654321", "notes": "Tỉnh sửa"})
    prov.store.delete("person", ids[4])
    a.store.edit("person", ids[3], {"phone": "0911111111"})  # a concurrent edit
    [changes] = prov.export(tmp_path / "2", to=a)  # a had not written to prov since
    assert [m for m in members(prov, changes) if "/" in m] == ["records/000001.jsonl"]
    other = twin(a, tmp_path / "twin")
    try:
        as_lines = tmp_path / "lines" / changes.name
        as_lines.parent.mkdir()
        as_lines.write_bytes(in_change_lines(prov, changes, a))
        [r1] = exchange.import_files(a.conn, a.keys, [changes])
        [r2] = exchange.import_files(other.conn, other.keys, [as_lines])
        assert r1.status == r2.status == "imported" and r1.stats == r2.stats
        assert r1.stats["conflicts_new"] >= 1  # the concurrent edit kept for review
        assert _alike(a.conn, changes, other.conn, as_lines, r1.bundle_id)
    finally:
        other.conn.close()


def test_record_lines_above_the_sender_s_vector_or_writing_reference_data_are_refused(
        network, tmp_path):
    from synckit import rewrite

    prov, (a, _b) = network(2)
    ids = people(a, 10)
    [path] = a.export(tmp_path / "1", to=prov)

    def above(o):
        if o["pk"] == ids[6] and o["f"] == "phone":
            o["s"] = o["s"] + 10_000

    def reference(o):
        if o["pk"] == ids[2]:
            o["p"] = "_ref"

    for change, words in ((above, "vượt vector"), (reference, "")):
        data = in_record_lines(a, path, prov, rewrite(a, path, prov, line=change))
        hostile = tmp_path / "hostile.vsb"
        hostile.write_bytes(data)
        [result] = prov.import_(hostile)
        assert result.status == "refused" and words in result.message, result.message
    assert prov.conn.execute("SELECT count(*) FROM person WHERE id = ?",
                             (ids[0],)).fetchone()[0] == 0


def test_new_people_in_record_lines_are_merged_from_their_columns_to_the_same_database(
        network, tmp_path, monkeypatch):
    """Batches of new people (two shapes: with and without a phone) merged at once from the
    record lines' columns (merge._records_batches) give the database the change lines give."""
    from test_import_adversarial import twin

    from desktop.storage import merge

    prov, (a, _b) = network(2)
    people(a, 40)
    a.store.add_many("person", [{"full_name": f"Quàng Thị Én {i}", "gender": "female"}
                                for i in range(7)])
    [sent] = a.export(tmp_path / "1", to=prov)
    lines = tmp_path / "lines" / sent.name
    lines.parent.mkdir()
    lines.write_bytes(in_change_lines(a, sent, prov))
    as_records = tmp_path / "records" / sent.name
    as_records.parent.mkdir()
    as_records.write_bytes(in_record_lines(a, sent, prov))
    taken: list[bool] = []
    real = merge._records_batches

    def watched(*args):
        got = real(*args)
        taken.append(got is not None)
        return got

    other = twin(prov, tmp_path / "twin")
    try:
        monkeypatch.setattr(merge, "now_local", lambda: "2026-12-07T08:00:00")
        [r1] = exchange.import_files(other.conn, other.keys, [lines])
        monkeypatch.setattr(merge, "_records_batches", watched)
        [r2] = exchange.import_files(prov.conn, prov.keys, [as_records])
        assert r1.status == r2.status == "imported" and r1.stats == r2.stats
        assert taken and all(taken)
        assert _alike(prov.conn, as_records, other.conn, lines, r2.bundle_id)
    finally:
        other.conn.close()


def test_record_lines_are_held_to_the_manifest_s_counts_and_bounds(network, tmp_path):
    """The same bounds as change lines: the field versions a file holds and its lines as the
    signed manifest says, at most bundle.MAX_CHANGES versions a bundle."""
    from synckit import tamper

    prov, (a, _b) = network(2)
    people(a, 4)
    [path] = a.export(tmp_path / "1", to=prov)
    assert [m for m in members(a, path) if "/" in m] == ["records/000001.jsonl"]

    def count(key, value):
        def manifest(m):
            m["files"]["records/000001.jsonl"][key] = value
        return manifest

    for manifest, words in ((count("records", 19), "không khớp với manifest"),
                            (count("lines", 5), "không khớp với manifest"),
                            (count("records", bundle.MAX_CHANGES + 1), "quá nhiều thay đổi")):
        hostile = tmp_path / "hostile.vsb"
        hostile.write_bytes(tamper(a, path, prov, manifest=manifest))
        [result] = prov.import_(hostile)
        assert result.status == "refused" and words in result.message, result.message
    assert prov.conn.execute("SELECT count(*) FROM person WHERE full_name LIKE "
                             "'Lò Văn Sáng %'").fetchone()[0] == 0


def test_a_newer_program_s_kind_of_member_asks_for_the_update(network, tmp_path):
    """A member this program does not know, in a bundle that says a newer program reads it,
    asks for the update (as record lines will in programs after this one); in a bundle that
    says this program reads it, it is a strange member."""
    import hashlib

    from synckit import tamper

    prov, (a, _b) = network(2)
    people(a, 2)
    [path] = a.export(tmp_path / "1", to=prov)

    def future(minimum):
        def members(d, m):
            d["future/000001.jsonl"] = b"{}\n"
            m["files"]["future/000001.jsonl"] = {
                "sha256": hashlib.sha256(b"{}\n").hexdigest(), "bytes": 3, "records": 1}
            m["min_reader_schema"] = minimum
        return members

    for minimum, words in ((migrations.latest_version() + 1, "cập nhật ANTQ Desk"),
                           (bundle.RECORDS_READER_SCHEMA, "mục lạ «future/000001.jsonl»")):
        hostile = tmp_path / "hostile.vsb"
        hostile.write_bytes(tamper(a, path, prov, members=future(minimum)))
        [result] = prov.import_(hostile)
        assert result.status == "refused" and words in result.message, result.message
