"""Every incoming value passes the rules of a local write (issue 10, finding 3): a validly
signed bundle from an enrolled commune carrying one bad value is refused as a whole, naming the
sender, the record, the field and the value, and the province is left exactly as it was: it
still lists, searches, exports and edits, and its next bundle imports cleanly elsewhere."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dbkit import logical_dump as full_dump
from synckit import Node, rewrite

from desktop import cli
from desktop.domain import validation
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS, FieldType


def logical_dump(conn) -> list[str]:
    """Everything but the audit log (and its head), where the refusal itself is recorded."""
    return [line for line in full_dump(conn)
            if not line.startswith(("audit_log:", "site_meta: ('audit_head'"))]


BAD_VALUES = [
    ("birth_date", "not-a-date", "not-a-date"),
    ("birth_date", "1990-02-30", "1990-02-30"),
    ("gender", "robot", "robot"),
    ("phone", "0" * 900_000, "900000"),
    ("full_name", "A\x1b[31mB\x00C", "A\\x1b[31mB\\x00C"),
    ("notes", "ghi chú\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
    ("address", "Bản\nHuổi Lếch", "\\x0a"),
    ("citizen_id", "12345", "12345"),
    ("ethnicity", "klingon", "klingon"),
    ("residence_unit_id", "03160", "03160"),
    ("old_id_number", "x" * 21, "xxxx"),
    ("birth_date", 1990, "1990"),
    ("shoe_size", "\x00", "\\x00"),  # a field of a newer version: generic limits
    # what a local write would have cleaned, named (a no-break space and an Eth look alike)
    ("full_name", "Quàng Thị\u00a0Hoa", "U+00A0"),
    ("full_name", "\u00d0èo Thị Hoa", "U+00D0"),
    ("notes", "dòng 1 \ndòng 2", "cuối dòng"),
    ("phone", "٠٩٨٧٦٥٤٣٢١", "U+0660"),
]


@pytest.fixture
def setup(network, tmp_path: Path):
    """The province holds one of commune A's people; A has since added another."""
    prov, (a, b) = network(2)
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678",
                                 "birth_date": "05/03/1985"}).id
    [first] = a.export(tmp_path / "usb")
    assert prov.import_(first)[0].status == "imported"
    qid = a.store.add("person", {"full_name": "Quàng Thị Hoa", "phone": "0987654321"}).id
    [second] = a.export(tmp_path / "usb2")
    return prov, a, b, pid, qid, second


def with_value(a: Node, path: Path, prov: Node, qid: str, field: str, value) -> bytes:
    """A's genuine bundle, re-signed by A, with the new person's phone cell turned into
    ``field`` = ``value``."""
    def line(o):
        if o["t"] == "person" and o["pk"] == qid and o["f"] == "phone":
            o["f"], o["v"] = field, value
    return rewrite(a, path, prov, line=line)


def put(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "stick" / "hostile.vsb"
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


def antq(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def still_works(prov: Node, other: Node, pid: str, tmp_path: Path, capsys) -> None:
    """The province lists, searches, exports (a complete CSV) and edits from the command
    line, and its next bundle imports cleanly at a commune."""
    db = str(prov.path)
    code, out, err = antq(capsys, "list", "person", "--db", db)
    assert code == 0 and "Lò Văn Sáng" in out, err
    code, out, err = antq(capsys, "search", "lo van sang", "--db", db)
    assert code == 0 and "Lò Văn Sáng" in out and "\x1b" not in out, err
    csv_path = tmp_path / "people.csv"
    code, out, err = antq(capsys, "export", "person", "--out", str(csv_path), "--db", db)
    assert code == 0, err
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + prov.conn.execute(
        "SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0]
    code, out, err = antq(capsys, "edit", "person", pid, "notes=đã kiểm tra", "--db", db)
    assert code == 0, err
    for path in prov.export(tmp_path / "after", to=other):
        assert other.import_(path)[0].status == "imported"


@pytest.mark.parametrize(("field", "value", "shown"), BAD_VALUES,
                         ids=[f"{f}-{i}" for i, (f, _v, _s) in enumerate(BAD_VALUES)])
def test_a_bundle_carrying_a_bad_value_is_refused_and_nothing_changes(
        setup, tmp_path, capsys, field, value, shown):
    prov, a, b, pid, qid, second = setup
    before = logical_dump(prov.conn)
    [r] = prov.import_(put(tmp_path, with_value(a, second, prov, qid, field, value)))
    assert r.status == "refused", r.message
    for part in (a.name, f"person/{qid}", field, shown):
        assert part in r.message, (part, r.message)
    assert "\x1b" not in r.message and "\x00" not in r.message
    assert len(r.message) < 400 and "\n" not in r.message
    assert logical_dump(prov.conn) == before
    still_works(prov, b, pid, tmp_path, capsys)


def test_the_genuine_bundle_still_imports_after_a_refused_copy(setup, tmp_path):
    prov, a, _b, _pid, qid, second = setup
    [r] = prov.import_(put(tmp_path, with_value(a, second, prov, qid, "gender", "robot")))
    assert r.status == "refused"
    [r] = prov.import_(second)
    assert r.status == "imported", r.message
    assert prov.conn.execute("SELECT phone FROM person WHERE id = ?",
                             (qid,)).fetchone()[0] == "0987654321"


def test_a_code_of_a_catalogue_item_arriving_in_the_same_bundle_is_accepted(network,
                                                                            tmp_path):
    """The province adds an ethnicity and uses it at once: the commune checks the code
    against the catalogue items of the bundle too."""
    prov, (a, _b) = network(2)
    prov.store.add("catalogue", {"catalogue": "ethnicity", "code": "moi", "name": "Dân tộc mới",
                                 "active": 1})
    pid = prov.store.add("person", {"full_name": "Lò Thị Mới", "ethnicity": "moi",
                                    "residence_unit_id": a.part}).id
    [path] = prov.export(tmp_path / "down", to=a)
    [r] = a.import_(path)
    assert r.status == "imported", r.message
    assert a.conn.execute("SELECT ethnicity FROM person WHERE id = ?",
                          (pid,)).fetchone()[0] == "moi"


def test_a_record_id_of_the_wrong_shape_is_refused(setup, tmp_path):
    prov, a, _b, _pid, qid, second = setup

    def line(o):
        if o["pk"] == qid:
            o["pk"] = "\x1b[2J" + qid[:10]
    before = logical_dump(prov.conn)
    [r] = prov.import_(put(tmp_path, rewrite(a, second, prov, line=line)))
    assert r.status == "refused" and a.name in r.message and "\\x1b[2J" in r.message, r.message
    assert logical_dump(prov.conn) == before


# -- the same rules for a local write ----------------------------------------------------------

TEXT_TYPES = (FieldType.TEXT, FieldType.LONGTEXT)


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x07", "\x7f", "\x9b"])
def test_a_local_write_refuses_control_characters_in_every_text_field(char):
    for kind in KINDS.values():
        for f in kind.fields:
            if f.type in TEXT_TYPES:
                with pytest.raises(ValidationError) as e:
                    validation.clean_field(f, f"ab{char}cd")
                assert e.value.field == f.name


def test_the_store_refuses_an_escape_in_notes_naming_the_field(store):
    with pytest.raises(ValidationError, match="Ghi chú: ") as e:
        store.add("person", {"full_name": "Lò Văn Sáng", "notes": "a\x1b[31mb"})
    assert e.value.field == "notes"
    pid = store.add("person", {"full_name": "Lò Văn Sáng", "notes": "dòng 1\n\tdòng 2"}).id
    with pytest.raises(ValidationError, match="Ghi chú: "):
        store.edit("person", pid, {"notes": "a\x00b"})
    assert store.conn.execute("SELECT notes FROM person WHERE id = ?",
                              (pid,)).fetchone()[0] == "dòng 1\n\tdòng 2"


SAMPLES = {
    FieldType.TEXT: "  Bản   Huổi Lếch ", FieldType.LONGTEXT: "Dòng 1\r\n\tDòng 2  ",
    FieldType.DATE: "05/03/1985", FieldType.DATETIME: "14:30 05/03/2024", FieldType.INT: "42",
    FieldType.BOOL: "có", FieldType.CITIZEN_ID: "011 085 000 123",
    FieldType.PHONE: "0912.345.678",
}


def test_whatever_a_local_write_stores_passes_the_incoming_check():
    """One set of rules: a value cleaned by the write path is never refused on arrival."""
    for kind in KINDS.values():
        for f in kind.fields:
            if f.type is FieldType.CHOICE:
                raw: object = f.choices[-1][1]
            elif f.type in (FieldType.REF, FieldType.CODE):
                continue  # resolved against the database: ids and catalogue codes
            else:
                raw = SAMPLES[f.type]
            stored = validation.clean_field(f, raw, today=validation.dt.date(2026, 12, 1))
            validation.check_stored(kind, f.name, stored)
