"""An adversarial review of the import's short ways (issue 12): change lines decoded with their
types in C and checked distinct (merge.typed_checks_pass), and a table's new records merged
from columns of their cells (merge._new_records_at_once). Each bundle here, real ones from an
enrolled commune and hostile rewrites of them, is imported twice into the same province (its
database copied before): once as the program does, once with both short ways turned off (the
cell-by-cell checks and the record-by-record merge). Whatever the bundle, the two must give
the same database (rows, derived columns, versions, conflicts, search index, duplicates'
keys, roster members, undo journal) or the same refusal, naming the field and the record,
with nothing half-saved."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from dbkit import copy_database, logical_dump
from synckit import Node, in_other_lines, rewrite

from desktop.storage import db, duplicates, merge, search, undo
from desktop.storage.writer import Store
from desktop.sync import exchange, keys

# What a second import of the same bundle may leave otherwise: when this computer noted it
# (local times), the site's clock, the full-text index's own b-trees (the same words in other
# segments: its integrity is checked instead).
_LOCAL_TIME = re.compile(r"'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?'")
_FTS_SHADOW = re.compile(r"^\w+_fts_(data|idx|docsize|config): ")


def state(conn) -> list[str]:
    return [_LOCAL_TIME.sub("'T'", line) for line in logical_dump(conn)
            if not _FTS_SHADOW.match(line) and not line.startswith("site_meta: ('hlc',")]


def search_index_ok(conn) -> None:
    for t in ("person", "organization", "meeting"):
        conn.execute(f"INSERT INTO {t}_fts({t}_fts, rank) VALUES ('integrity-check', 1)")


def twin(node: Node, folder: Path) -> Node:
    """The same site in another file (its keys and database key travel with it)."""
    node.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder.mkdir(parents=True, exist_ok=True)
    path = copy_database(node.path, folder / node.path.name)
    conn = db.open_database(path)
    return Node(node.name, path, conn, keys.unlock(conn), Store(conn, actor=node.name))


def slow_ways(m: pytest.MonkeyPatch) -> None:
    """The checks cell by cell and the merge record by record, as before the short ways."""
    m.setattr(merge, "typed_checks_pass", lambda *_a: False)
    m.setattr(merge, "_new_records_at_once", lambda *_a: None)


class Taken:
    """Which short ways an import took."""

    def __init__(self, m: pytest.MonkeyPatch) -> None:
        self.checks: list[bool] = []
        self.at_once: list[bool] = []
        real_checks, real_at_once = merge.typed_checks_pass, merge._new_records_at_once

        def checks(*a):
            got = real_checks(*a)
            self.checks.append(got)
            return got

        def at_once(*a):
            got = real_at_once(*a)
            self.at_once.append(got is not None)
            return got
        m.setattr(merge, "typed_checks_pass", checks)
        m.setattr(merge, "_new_records_at_once", at_once)


# The sender of each recipient's bundles here (``pair``), to write them again as record lines.
_SENDER: dict[str, Node] = {}


def both_ways(node: Node, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              data: bytes | None = None) -> tuple[exchange.ImportResult, Taken]:
    """``path`` (or ``data`` written there) imported into ``node`` as the program does, and
    into a copy of ``node`` the slow ways: the same result and the same database. When its
    sender is known and its lines can be written in the other lines (change lines as record
    lines, bundle.records/…, or record lines as change lines), the same versions so are
    imported into a third copy: the same result and database again. Returns the result and
    which short ways were taken."""
    sender = _SENDER.get(node.name)
    records = None if sender is None else in_other_lines(sender, path, node, data)
    if data is not None:
        path = tmp_path / "hostile" / path.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    other = twin(node, tmp_path / f"twin-{len(list(tmp_path.glob('twin-*')))}")
    third = (None if records is None
             else twin(node, tmp_path / f"twin-{len(list(tmp_path.glob('twin-*')))}"))
    before = state(node.conn)
    try:
        with monkeypatch.context() as m:
            m.setattr(merge, "now_local", lambda: "2026-12-07T08:00:00")
            taken = Taken(m)
            [fast] = exchange.import_files(node.conn, node.keys, [path])
        with monkeypatch.context() as m:
            m.setattr(merge, "now_local", lambda: "2026-12-07T08:00:00")
            slow_ways(m)
            [slow] = exchange.import_files(other.conn, other.keys, [path])
        assert (fast.status, fast.message, fast.stats) == (slow.status, slow.message,
                                                            slow.stats)
        assert state(node.conn) == state(other.conn)
        if fast.status != "imported":
            assert state(node.conn) == before  # nothing half-saved
    finally:
        other.conn.close()
        shutil.rmtree(other.path.parent, ignore_errors=True)
    if third is not None:  # the same versions in the other lines: the same outcome
        try:
            as_records = tmp_path / "records" / path.name
            as_records.parent.mkdir(exist_ok=True)
            as_records.write_bytes(records)
            with monkeypatch.context() as m:
                m.setattr(merge, "now_local", lambda: "2026-12-07T08:00:00")
                [got] = exchange.import_files(third.conn, third.keys, [as_records])
            assert (got.status, got.message, got.stats) == (fast.status, fast.message,
                                                            fast.stats)
            shown = state(third.conn)
            if got.status == "imported":  # the manifests differ (the files they list)
                sha = "SELECT sha256 FROM sync_import_log WHERE bundle_id = ?"
                [(mine,)], [(theirs,)] = (c.execute(sha, (got.bundle_id,)).fetchall()
                                          for c in (third.conn, node.conn))
                shown = [line.replace(mine, theirs).replace(str(as_records), str(path))
                         for line in shown]
            assert shown == state(node.conn)
        finally:
            third.conn.close()
            shutil.rmtree(third.path.parent, ignore_errors=True)
    return fast, taken


@pytest.fixture
def pair(network):
    prov, (a, _b) = network(2)
    _SENDER.clear()
    _SENDER[prov.name] = a
    yield prov, a
    _SENDER.clear()


def people(a: Node, n: int, *first: dict[str, object]) -> list[str]:
    """``n`` people written at once (a spreadsheet's), after ``first`` (the same fields)."""
    return a.store.add_many("person", [*first, *(
        {"full_name": f"Lò Văn Sáng {i}", "birth_date": f"{1950 + i % 50}-03-05",
         "gender": ("male", "female")[i % 2], "phone": f"09{i:08d}"} for i in range(n))])


def send(a: Node, prov: Node, folder: Path) -> Path:
    [path] = a.export(folder, to=prov)
    return path


# -- bundles as the program writes them: the short ways taken, the same database ----------------

def test_a_commune_s_new_people_take_both_short_ways_and_give_the_same_database(
        pair, tmp_path, monkeypatch):
    prov, a = pair
    ids = people(a, 300)
    result, taken = both_ways(prov, send(a, prov, tmp_path / "1"), tmp_path, monkeypatch)
    assert result.status == "imported"
    assert taken.checks == [True] and True in taken.at_once
    search_index_ok(prov.conn)
    # The new people are found by name and number, as any written here.
    assert [h.id for h in search.search(prov.conn, "lo van sang 17")][:1] == [ids[17]]
    assert ids[42] in [h.id for h in search.search(prov.conn, "0900000042")]


def test_the_duplicates_scan_sees_people_merged_at_once(pair, tmp_path, monkeypatch):
    prov, a = pair
    prov.store.add("person", {"full_name": "Quàng Thị Mai", "birth_date": "1990-01-02",
                              "gender": "female"})
    twin_id = people(a, 20, {"full_name": "Quàng Thị Mai", "birth_date": "1990-01-02",
                             "gender": "female", "phone": "0987654321"})[0]
    result, taken = both_ways(prov, send(a, prov, tmp_path / "1"), tmp_path, monkeypatch)
    assert result.status == "imported" and True in taken.at_once
    duplicates.scan(prov.conn)
    assert any(twin_id in (c.a, c.b)
               for c in duplicates.candidates(prov.conn))


def test_undo_of_an_import_merged_at_once_puts_everything_back(pair, tmp_path, monkeypatch):
    prov, a = pair
    people(a, 200)
    before = state(prov.conn)
    with monkeypatch.context() as m:
        taken = Taken(m)
        [result] = prov.import_(send(a, prov, tmp_path / "1"))
    assert result.status == "imported" and True in taken.at_once
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] >= 200
    assert undo.undo(prov.conn).records >= 200
    after = [line for line in state(prov.conn)
             if not line.startswith(("audit_peer_head: ", "sync_bundle_note: ",
                                     "sync_import_log: ", "sync_undo: ", "sync_site: "))]
    assert after == [line for line in before
                     if not line.startswith(("audit_peer_head: ", "sync_bundle_note: ",
                                             "sync_import_log: ", "sync_undo: ",
                                             "sync_site: "))]
    search_index_ok(prov.conn)
    assert search.search(prov.conn, "lo van sang 17") == []
    # Imported again after the undo: the same people, the short way again.
    with monkeypatch.context() as m:
        taken = Taken(m)
        [again] = prov.import_(result.path)
    assert again.status == "imported" and True in taken.at_once


def test_memberships_and_their_people_merged_at_once_resolve_the_roster(
        pair, tmp_path, monkeypatch):
    prov, a = pair
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    ids = a.store.add_many("person", [{"full_name": f"Lò Văn Sáng {i}",
                                       "residence_unit_id": village} for i in range(30)])
    org = a.store.add("organization", {"name": "Tổ hòa giải", "org_type": "to_hoa_giai",
                                       "unit_id": village}).id
    a.store.add_many("membership", [{"person_id": pid, "organization_id": org,
                                     "role": "hoa_giai_vien"} for pid in ids])
    result, taken = both_ways(prov, send(a, prov, tmp_path / "1"), tmp_path, monkeypatch)
    assert result.status == "imported" and taken.at_once.count(True) >= 2
    members = prov.conn.execute("SELECT count(*), min(person) FROM roster_member"
                                ).fetchone()
    assert members[0] == 30 and members[1] > 0  # every member's person found


# -- hostile rewrites of a real bundle: refused as before, naming the field and the record -----

def line_of(record: str, field: str, change):
    """A ``line`` for :func:`synckit.rewrite` that changes one cell (``change(o)``)."""
    def line(o: dict) -> None:
        if o["pk"] == record and o["f"] == field:
            change(o)
    return line


def refused(result: exchange.ImportResult, *words: str) -> None:
    assert result.status == "refused", result
    for w in words:
        assert w in result.message, result.message


@pytest.mark.parametrize("field,value,why", [
    ("phone", "abc", "số điện thoại"),
    ("phone", "٠٩١٢٣٤٥٦٧٨٩x", "U+0660"),  # the digit of another script named
    ("full_name", "Lò Văn\x1bSáng", "điều khiển"),
    ("full_name", "Lò Văn\u0085Sáng", "điều khiển"),
    ("full_name", "x" * 121, "120"),
    ("full_name", "y" * 1_000_001, ""),
    ("full_name", 12345, "chữ"),
    ("full_name", 1.5, ""),
    ("full_name", True, ""),
    ("gender", "robot", "male"),
    ("gender", 1, ""),
    ("birth_date", "1990-02-30", "ngày"),
    ("birth_date", "05/03/1985", "ngày"),
    ("citizen_id", "01108500012", "12 chữ số"),
    # text a local write would have cleaned, a phone of other digits (session 10 review)
    ("full_name", " Lò Thị Mai", "đầu hoặc cuối"),
    ("full_name", "Lò  Thị Mai", "liền nhau"),
    ("full_name", "Lò Thị\u00a0Mai", "U+00A0"),
    ("full_name", "\u00d0inh Thị Mai", "U+00D0"),
    ("full_name", "", "rỗng"),
    ("phone", "٠٩١٢٣٤٥٦٧٨", "U+0660"),
    ("residence_unit_id", "not-an-id", "mã bản ghi"),
    ("ethnicity", "99", "danh mục"),
])
def test_one_bad_value_among_many_people_refuses_the_whole_bundle(
        pair, tmp_path, monkeypatch, field, value, why):
    prov, a = pair
    ids = people(a, 500, {"full_name": "Lò Thị Mai", "birth_date": "1985-03-05",
                          "gender": "female", "phone": "0912345678",
                          "citizen_id": "011185000123"})
    bad = ids[0] if field == "citizen_id" else ids[377]
    path = send(a, prov, tmp_path / "1")
    if field in ("residence_unit_id", "ethnicity"):  # a field not sent: its phone renamed
        change = line_of(bad, "phone", lambda o: o.update(f=field, v=value))
    else:
        change = line_of(bad, field, lambda o: o.update(v=value))
    data = rewrite(a, path, prov, line=change)
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch, data)
    refused(result, why)
    if why:  # the value's own messages: the record and the field are named
        assert bad in result.message or field in result.message, result.message


def test_a_text_that_is_not_nfc_is_treated_as_before(pair, tmp_path, monkeypatch):
    prov, a = pair
    ids = people(a, 50)
    path = send(a, prov, tmp_path / "1")
    decomposed = unicodedata.normalize("NFD", "Lò Văn Sáng Đặc Biệt")
    data = rewrite(a, path, prov, line=line_of(ids[7], "full_name",
                                               lambda o: o.update(v=decomposed)))
    both_ways(prov, path, tmp_path, monkeypatch, data)


def test_a_text_that_is_not_nfc_is_refused_or_stored_nfc(pair, tmp_path):
    """A local write (text.clean_text) stores text NFC (DESIGN.md sync invariant 10: the same
    validation as a local write): validation.check_stored asks it of a bundle too."""
    prov, a = pair
    ids = people(a, 50)
    path = send(a, prov, tmp_path / "1")
    decomposed = unicodedata.normalize("NFD", "Lò Văn Sáng Đặc Biệt")
    hostile = tmp_path / "hostile" / path.name
    hostile.parent.mkdir()
    hostile.write_bytes(rewrite(a, path, prov, line=line_of(
        ids[7], "full_name", lambda o: o.update(v=decomposed))))
    [result] = prov.import_(hostile)
    if result.status == "imported":
        [stored] = prov.conn.execute("SELECT full_name FROM person WHERE id = ?",
                                     (ids[7],)).fetchone()
        assert unicodedata.is_normalized("NFC", stored), ascii(stored)
    else:
        refused(result, ids[7])


def test_a_cccd_of_other_digits_is_refused_as_a_local_write_refuses_it(pair, tmp_path):
    """A local write refuses a CCCD of Arabic-Indic digits (cccd.check_citizen_id): the
    stored form is [0-9]{12}, not any Unicode digit."""
    prov, a = pair
    ids = people(a, 5)
    path = send(a, prov, tmp_path / "1")
    hostile = tmp_path / "hostile" / path.name
    hostile.parent.mkdir()
    hostile.write_bytes(rewrite(a, path, prov, line=line_of(
        ids[2], "phone", lambda o: o.update(f="citizen_id", v="٠١١٠٨٥٠٠٠١٢٣"))))
    [result] = prov.import_(hostile)
    refused(result, ids[2], "citizen_id")


# -- unusual shapes: the short ways must give way to the usual ones, with the same outcome ------

def relined(sender: Node, path: Path, recipient: Node, change) -> bytes:
    """``path`` re-made with its change lines (record lines first written as change lines),
    as dicts, passed as a list through ``change`` (which returns the new list): duplicated,
    dropped, reordered."""
    import hashlib
    import json

    from synckit import tamper

    def members(d, m):
        for name in [n for n in d if n.startswith("changes/")]:
            objs = change([json.loads(x) for x in d[name].decode().splitlines() if x])
            data = ("\n".join(json.dumps(o, ensure_ascii=False) for o in objs)
                    + "\n").encode()
            d[name] = data
            m["files"][name].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                                    records=len(objs))
    return tamper(sender, path, recipient, members=members,
                  data=in_other_lines(sender, path, recipient, to="changes"))


def persons(objs: list[dict]) -> list[dict]:
    return [o for o in objs if o["t"] == "person"]


def test_the_same_field_twice_for_one_record(pair, tmp_path, monkeypatch):
    prov, a = pair
    ids = people(a, 40)
    path = send(a, prov, tmp_path / "1")

    def twice(objs):
        [first] = [o for o in objs if o["pk"] == ids[9] and o["f"] == "full_name"]
        at = objs.index(first)
        return [*objs[:at + 1], {**first, "v": "Lò Văn Khác"}, *objs[at + 1:]]
    result, taken = both_ways(prov, path, tmp_path, monkeypatch,
                              relined(a, path, prov, twice))
    assert taken.at_once.count(True) == 0  # not a batch: record by record


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_record_s_cells_apart_in_the_bundle(pair, tmp_path, monkeypatch, which):
    """One record's cells in two places, other records between: its cell of the first or
    the last sequence moved to the file's end (each part then looks like a batch of its
    own, sequences one after another). One record, merged as the usual merge merges it:
    never two rows with the same id, nor an error of the database."""
    prov, a = pair
    ids = people(a, 10)
    path = send(a, prov, tmp_path / "1")

    def apart(objs):
        of = [o for o in objs if o["pk"] == ids[3]]
        mine = (min if which == "first" else max)(of, key=lambda o: o["s"])
        return [*(o for o in objs if o is not mine), mine]
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch,
                               relined(a, path, prov, apart))
    assert result.status == "imported", result.message
    assert prov.conn.execute("SELECT count(*) FROM person WHERE id = ?", (ids[3],)
                             ).fetchone()[0] == 1


@pytest.mark.parametrize("how", ["swap", "gap", "stamp", "history", "deleted", "unknown",
                                 "unknown-none", "drop-field"])
def test_a_batch_changed_in_one_record(pair, tmp_path, monkeypatch, how):
    """A batch of new people with one record unlike the others: its sequences out of order
    or with a gap, a stamp of its own on one field, a history, deleted as it arrives, a field
    this version does not know (kept in _extras), or a field left out."""
    prov, a = pair
    ids = people(a, 60)
    path = send(a, prov, tmp_path / "1")
    odd = ids[21]

    def change(objs):
        mine = [o for o in objs if o["pk"] == odd]
        if how == "swap":
            mine[0]["s"], mine[1]["s"] = mine[1]["s"], mine[0]["s"]
        elif how == "gap":  # two of its sequences the same, one of another record's
            mine[0]["s"] = mine[1]["s"]
        elif how == "stamp":
            mine[1]["h"] -= 1
        elif how == "history":
            mine[0]["hist"] = [[a.site_id, a.part, 1]]
        elif how == "deleted":
            mine[0]["f"], mine[0]["v"] = "_deleted", 1
        elif how == "unknown":
            mine[0]["f"], mine[0]["v"] = "biet_danh", "Sáng «Mường Nhé»"
        elif how == "unknown-none":
            for o in objs:
                if o["t"] == "person" and o["f"] == "phone":
                    o["f"], o["v"] = "so_phu", None if o["pk"] == odd else o["v"]
        elif how == "drop-field":
            objs = [o for o in objs if o is not mine[-1]]
        return objs
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch,
                               relined(a, path, prov, change))
    if how in ("unknown", "unknown-none"):
        assert result.status == "imported", result
        extras = prov.conn.execute("SELECT _extras FROM person WHERE id = ?", (odd,)
                                   ).fetchone()[0]
        assert extras is not None and ("biet_danh" in extras or "so_phu" in extras)


def test_a_batch_of_people_all_of_a_field_this_version_does_not_know(
        pair, tmp_path, monkeypatch):
    """Unknown fields are kept, never dropped: in _extras, the short way too."""
    prov, a = pair
    ids = people(a, 30)
    path = send(a, prov, tmp_path / "1")

    def rename(o):
        if o["t"] == "person" and o["f"] == "phone":
            o["f"] = "so_dien_thoai_2"
    result, taken = both_ways(prov, path, tmp_path, monkeypatch,
                              rewrite(a, path, prov, line=rename))
    assert result.status == "imported" and True in taken.at_once
    extras = prov.conn.execute("SELECT _extras, phone FROM person WHERE id = ?", (ids[5],)
                               ).fetchone()
    assert '"so_dien_thoai_2": "0900000005"' in extras[0] and extras[1] is None


def test_a_batch_with_a_cell_of_another_writer(pair, tmp_path, monkeypatch):
    """One cell claiming to be the province's own (it never wrote it) or another
    commune's: refused as before."""
    prov, a = pair
    ids = people(a, 20)
    path = send(a, prov, tmp_path / "1")
    for who in (prov.site_id, "zz-site"):
        data = rewrite(a, path, prov, line=line_of(ids[4], "phone",
                                                   lambda o, w=who: o.update(o=w)))
        result, _taken = both_ways(prov, path, tmp_path, monkeypatch, data)
        assert result.status == "refused", result


def test_a_batch_with_a_record_of_another_partition(pair, tmp_path, monkeypatch):
    prov, a = pair
    ids = people(a, 20)
    path = send(a, prov, tmp_path / "1")

    def other(objs):
        for o in objs:
            if o["pk"] == ids[4]:
                o["p"] = "03301"  # another commune's
        return objs
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch,
                               relined(a, path, prov, other))
    assert result.status == "refused", result


# -- records here already, edited and new in one bundle, concurrent edits ---------------------

def test_new_edited_and_deleted_in_one_bundle(pair, tmp_path, monkeypatch):
    """A commune's day: people added at once, one edited after, one deleted after."""
    prov, a = pair
    ids = people(a, 50)
    a.store.edit("person", ids[7], {"full_name": "Lò Văn Sáng Mới", "notes": "sửa sau"})
    a.store.delete("person", ids[8])
    result, _taken = both_ways(prov, send(a, prov, tmp_path / "1"), tmp_path, monkeypatch)
    assert result.status == "imported"
    row = prov.conn.execute("SELECT full_name, notes FROM person WHERE id = ?", (ids[7],)
                            ).fetchone()
    assert tuple(row) == ("Lò Văn Sáng Mới", "sửa sau")
    assert prov.conn.execute("SELECT _deleted FROM person WHERE id = ?", (ids[8],)
                             ).fetchone()[0] == 1


def test_a_new_record_whose_id_a_third_site_s_record_has_here(network, tmp_path, monkeypatch):
    """A bundle's new person carrying the id of a person another commune wrote (the province
    has it): the table is not all new, the usual merge refuses it (another partition)."""
    prov, (a, b) = network(2)
    [theirs] = people(b, 1)
    [r] = prov.import_(send(b, prov, tmp_path / "b"))
    assert r.status == "imported"
    ids = people(a, 20)
    path = send(a, prov, tmp_path / "1")

    def same_id(o):
        if o["pk"] == ids[11]:
            o["pk"] = theirs
    result, taken = both_ways(prov, path, tmp_path, monkeypatch,
                              rewrite(a, path, prov, line=same_id))
    refused(result, theirs)
    assert True not in taken.at_once


def test_new_people_beside_one_deleted_here(pair, tmp_path, monkeypatch):
    """A batch of new people and one the province deleted since (a commune's later edit of
    it): the usual merge, the delete's conflict kept, as before."""
    prov, a = pair
    [gone] = people(a, 1)
    [r] = prov.import_(send(a, prov, tmp_path / "1"))
    assert r.status == "imported"
    prov.store.delete("person", gone)
    a.store.edit("person", gone, {"phone": "0911111111"})
    people(a, 40)
    result, taken = both_ways(prov, send(a, prov, tmp_path / "2"), tmp_path, monkeypatch)
    assert result.status == "imported"
    assert prov.conn.execute("SELECT count(*) FROM sync_conflict WHERE pk = ?", (gone,)
                             ).fetchone()[0] >= 1


def test_concurrent_edits_keep_both_values(pair, tmp_path, monkeypatch):
    prov, a = pair
    ids = people(a, 30)
    [r] = prov.import_(send(a, prov, tmp_path / "1"))
    assert r.status == "imported"
    prov.store.edit("person", ids[5], {"phone": "0922222222"})
    a.store.edit("person", ids[5], {"phone": "0911111111"})
    for pid in ids[10:20]:
        a.store.edit("person", pid, {"notes": "đã xác minh"})
    result, _taken = both_ways(prov, send(a, prov, tmp_path / "2"), tmp_path, monkeypatch)
    assert result.status == "imported"
    [(loser, winner)] = prov.conn.execute(
        "SELECT loser_value, winner_value FROM sync_conflict WHERE pk = ?", (ids[5],))
    assert {loser, winner} == {"0922222222", "0911111111"}


def test_a_cccd_that_disagrees_with_the_birth_year_is_treated_as_before(
        pair, tmp_path, monkeypatch):
    """Each value passes its own field's check; together they break the CCCD rule a local
    write applies (DOMAIN.md §5.1). The import does not apply rules on whole records (a
    merge of two sites' edits may meet them only here): the short ways do as before."""
    prov, a = pair
    ids = people(a, 30, {"full_name": "Lò Thị Mai", "birth_date": "1985-03-05",
                         "gender": "female", "phone": "0912345678"})
    path = send(a, prov, tmp_path / "1")

    def born(o):
        if o["pk"] == ids[0] and o["f"] == "birth_date":
            o["v"] = "1990-03-05"
        if o["pk"] == ids[0] and o["f"] == "phone":  # a CCCD of a man born in 1985
            o["f"], o["v"] = "citizen_id", "011085000123"
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch,
                               rewrite(a, path, prov, line=born))
    assert result.status == "imported"


def test_one_bad_person_of_ten_thousand_refuses_all_and_names_it(pair, tmp_path, monkeypatch):
    """A spreadsheet's 10,000 people, one with a gender no local write could store: the
    whole bundle refused, naming the record and the field, nothing written; without it, the
    same bundle goes the short ways."""
    prov, a = pair
    ids = people(a, 10_000)
    path = send(a, prov, tmp_path / "1")
    bad = ids[8_765]
    data = rewrite(a, path, prov, line=line_of(bad, "gender", lambda o: o.update(v="nam ")))
    result, taken = both_ways(prov, path, tmp_path, monkeypatch, data)
    refused(result, bad, "gender")
    assert taken.checks == [False]  # the short checks gave way to name it
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    result, taken = both_ways(prov, path, tmp_path, monkeypatch)
    assert result.status == "imported" and taken.checks == [True] and True in taken.at_once
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 10_000


# -- any change of a real bundle's lines: the same outcome both ways --------------------------

ODD_VALUES = [None, "", 0, 1, -1, 10**13, 2**60, "1", "x" * 121, "A\x1bB", "a\nb", "robot",
              "male", "female", "1990-02-30", "1990", "1985-03-05", "05/03/1985",
              "011085000123", "٠٩١٢٣٤٥٦٧٨", "0912345678", "+84912345678", "Lò Văn Sáng",
              unicodedata.normalize("NFD", "Lò Văn Sáng"), "01900000-0000-7000-8000-00000000000a",
              1.5, True]
ODD_FIELDS = ["full_name", "gender", "birth_date", "phone", "citizen_id", "notes",
              "residence_unit_id", "biet_danh", "_deleted", "name_key", "id", "Bad-Name",
              "_extras"]


def twins(node: Node, folder: Path) -> tuple[Node, Node]:
    return twin(node, folder / "fast"), twin(node, folder / "slow")


@pytest.mark.parametrize("held", [False, True])
def test_any_change_of_a_bundle_s_lines_gives_the_same_outcome_both_ways(
        pair, tmp_path, monkeypatch, held):
    """A bundle of new people in a new village (each table all new: the short way), or with
    people the province has, two of them edited (the usual way), its lines changed."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    prov, a = pair
    if held:
        ids = people(a, 4)
        [r] = prov.import_(send(a, prov, tmp_path / "0"))
        assert r.status == "imported"
        for pid in ids[:2]:
            a.store.edit("person", pid, {"notes": "đã xác minh"})
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    a.store.add_many("person", [{"full_name": f"Lò Văn Sáng {i}", "gender": "male",
                                 "birth_date": "1985-03-05", "phone": f"09{i:08d}",
                                 "residence_unit_id": village} for i in range(8)])
    path = send(a, prov, tmp_path / "1")
    op = st.one_of(
        st.tuples(st.just("value"), st.integers(0, 99), st.sampled_from(ODD_VALUES)),
        st.tuples(st.just("field"), st.integers(0, 99), st.sampled_from(ODD_FIELDS)),
        st.tuples(st.sampled_from(["seq", "stamp"]), st.integers(0, 99), st.integers(-3, 3)),
        st.tuples(st.sampled_from(["dup", "drop"]), st.integers(0, 99), st.just(None)),
        st.tuples(st.just("pk"), st.integers(0, 99), st.integers(0, 99)),
        st.tuples(st.just("origin"), st.integers(0, 99), st.sampled_from(["prov", "zz"])),
        st.tuples(st.just("hist"), st.integers(0, 99),
                  st.sampled_from([[["x", "03160", 1]], [["x", "03160", True]], [[1, 2, 3]]])))
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(ops=st.lists(op, min_size=1, max_size=3))
    def check(ops):
        def change(objs):
            mine = persons(objs)
            for what, at, arg in ops:
                o = mine[at % len(mine)]
                if what == "value":
                    o["v"] = arg
                elif what == "field":
                    o["f"] = arg
                elif what == "seq":
                    o["s"] = max(1, o["s"] + arg)
                elif what == "stamp":
                    o["h"] = max(0, o["h"] + arg)
                elif what == "dup" and o in objs:
                    objs.insert(objs.index(o) + 1, dict(o))
                elif what == "drop" and o in objs:
                    objs.remove(o)
                elif what == "pk":
                    o["pk"] = mine[arg % len(mine)]["pk"]
                elif what == "origin":
                    o["o"] = prov.site_id if arg == "prov" else "zz"
                elif what == "hist":
                    o["hist"] = arg
            return objs
        folder = tmp_path / f"ex{next(counter)}"
        hostile = folder / path.name
        folder.mkdir()
        hostile.write_bytes(relined(a, path, prov, change))
        fast, slow = twins(prov, folder)
        try:
            with monkeypatch.context() as m:
                m.setattr(merge, "now_local", lambda: "2026-12-07T08:00:00")
                [f] = exchange.import_files(fast.conn, fast.keys, [hostile])
                slow_ways(m)
                [s] = exchange.import_files(slow.conn, slow.keys, [hostile])
            assert (f.status, f.message, f.stats) == (s.status, s.message, s.stats)
            assert state(fast.conn) == state(slow.conn)
        finally:
            fast.conn.close()
            slow.conn.close()
            shutil.rmtree(folder)
    check()


def test_after_an_undo_another_commune_s_batch_takes_the_freed_places(
        network, tmp_path, monkeypatch):
    """An import merged at once and undone frees its rows' places (rowids); another
    commune's batch then merged at once there gives what the record-by-record merge gives:
    no version, index entry or roster member of the people undone left on the new ones."""
    prov, (a, b) = network(2)
    people(a, 40)
    [r] = prov.import_(send(a, prov, tmp_path / "a"))
    assert r.status == "imported"
    undo.undo(prov.conn)
    ids = people(b, 25)
    result, taken = both_ways(prov, send(b, prov, tmp_path / "b"), tmp_path, monkeypatch)
    assert result.status == "imported" and True in taken.at_once
    search_index_ok(prov.conn)
    assert [h.id for h in search.search(prov.conn, "lo van sang 3")][:1] == [ids[3]]
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 25


def test_an_import_merged_at_once_stopped_by_the_officer_changes_nothing(pair, tmp_path,
                                                                         monkeypatch):
    """Stopped at the progress said after the batch was written (its first 5,000 cells):
    nothing of it stays, as when the record-by-record merge was stopped; a dry run (Kiểm
    tra) of it also leaves nothing."""
    prov, a = pair
    people(a, 2_000)  # 10,000 cells and more
    path = send(a, prov, tmp_path / "1")
    before = state(prov.conn)
    said: list[int] = []
    with monkeypatch.context() as m:
        taken = Taken(m)
        [result] = exchange.import_files(
            prov.conn, prov.keys, [path], progress=lambda _i, _n, done, _t: said.append(done),
            cancel=lambda: any(at >= merge.PROGRESS_EVERY for at in said))
    assert result.status == "cancelled", result
    assert taken.at_once == [True]  # the batch was written at once, then taken back
    assert state(prov.conn) == before
    [checked] = exchange.import_files(prov.conn, prov.keys, [path], dry_run=True)
    assert checked.status == "checked" and checked.stats["new_records"] == {"person": 2_000}
    assert state(prov.conn) == before


# -- bundles from the province: relayed writers, people who moved -----------------------------

def hand(sender: Node, recipient: Node, folder: Path) -> None:
    for path in sender.export(folder, to=recipient):
        [r] = recipient.import_(path)
        assert r.status == "imported", r.message


def test_people_who_moved_reach_their_new_commune_the_same_both_ways(
        network, tmp_path, monkeypatch):
    """Twelve people moved from commune A to commune B: the province's bundle to B brings
    them as new there (A's versions relayed, the province's copies), and later one moves
    back to A, whose snapshot of them is there: each import the same both ways."""
    from desktop.storage import moves

    prov, (a, b) = network(2)
    ids = people(a, 30)
    hand(a, prov, tmp_path / "0")
    hand(prov, a, tmp_path / "0d")
    hand(prov, b, tmp_path / "0b")
    for pid in ids[:12]:
        moves.move_person(a.store, pid, b.part, "01/12/2026")
    hand(a, prov, tmp_path / "1")
    for i, path in enumerate(prov.export(tmp_path / "2", to=b)):
        result, _taken = both_ways(b, path, tmp_path / f"b{i}", monkeypatch)
        assert result.status == "imported", result.message
    assert b.conn.execute("SELECT count(*) FROM person WHERE _part = ?", (b.part,)
                          ).fetchone()[0] == 12
    hand(prov, a, tmp_path / "3")
    hand(b, prov, tmp_path / "4")
    moves.move_person(b.store, ids[3], a.part, "02/12/2026")
    hand(b, prov, tmp_path / "5")
    for i, path in enumerate(prov.export(tmp_path / "6", to=a)):
        result, _taken = both_ways(a, path, tmp_path / f"a{i}", monkeypatch)
        assert result.status == "imported", result.message
    assert a.conn.execute("SELECT _part FROM person WHERE id = ?", (ids[3],)
                          ).fetchone()[0] == a.part


def test_the_province_s_new_people_in_a_commune_the_same_both_ways(
        pair, tmp_path, monkeypatch):
    """People the province writes in a commune's partition (its origin, the commune's
    partition) arrive there as a batch: the short ways, the same database."""
    prov, a = pair
    hand(a, prov, tmp_path / "0")
    hand(prov, a, tmp_path / "0d")
    prov.store.add_many("person", [{"full_name": f"Quàng Văn Pó {i}", "gender": "male",
                                    "residence_unit_id": a.part} for i in range(25)])
    for i, path in enumerate(prov.export(tmp_path / "1", to=a)):
        result, taken = both_ways(a, path, tmp_path / f"a{i}", monkeypatch)
        assert result.status == "imported", result.message
        assert taken.checks == [True] and True in taken.at_once
    assert a.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 25


@pytest.mark.parametrize("how", ["null", "left-out"])
def test_a_new_person_without_a_name_is_treated_as_before(pair, tmp_path, monkeypatch, how):
    """A local write refuses a person without a name (a required field); a bundle's new
    person whose name is null or left out is stored, as before the short ways (the import
    checks values field by field: an erased person's name is null too)."""
    prov, a = pair
    ids = people(a, 20)
    path = send(a, prov, tmp_path / "1")

    def nameless(objs):
        for o in objs:
            if o["pk"] == ids[6] and o["f"] == "full_name":
                o["v"] = None
        if how == "left-out":
            objs = [o for o in objs if not (o["pk"] == ids[6] and o["f"] == "full_name")]
        return objs
    result, _taken = both_ways(prov, path, tmp_path, monkeypatch,
                               relined(a, path, prov, nameless))
    assert result.status == "imported", result.message
