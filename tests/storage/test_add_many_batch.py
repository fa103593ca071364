"""``Store.add_many`` asks the database once per batch for what its rows look up (codes,
references, partitions, citizen ids already stored; issue 12): a batch must store exactly what
the same rows added one by one store, and refuse exactly the row, field and message that one
by one would refuse first — writing nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from dbkit import copy_database, logical_dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.domain.errors import UserError, ValidationError
from desktop.storage import db, dbapi, site
from desktop.storage.writer import Store

TODAY_COMMUNE = "03160"
STORED_CID = "011085999999"  # a person of the seed database (male, born 1985)
COLUMNS = ("full_name, birth_date, gender, ethnicity, citizen_id, phone, residence_unit_id, "
           "_part, _deleted, name_key, _search")


@pytest.fixture(scope="module")
def seed(master_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A commune with a village, a stored person and the code of a commune that is not its."""
    path = tmp_path_factory.mktemp("batch") / "seed.db"
    copy_database(master_db, path)
    conn = db.open_database(path)
    try:
        site.init_site(conn, name="Công an xã Mường Nhé", commune_code=TODAY_COMMUNE)
        store = Store(conn, actor="tester")
        village = store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                     "parent_id": TODAY_COMMUNE}).id
        store.add("person", {"full_name": "Lò Văn Đã Có", "birth_date": "01/01/1985",
                             "gender": "nam", "citizen_id": STORED_CID})
        other = conn.execute("SELECT code FROM unit WHERE level = 'commune' AND code != ? "
                             "ORDER BY code LIMIT 1", (TODAY_COMMUNE,)).fetchone()[0]
    finally:
        conn.close()
    return {"path": path, "village": village, "other": other}


def _open_copy(seed: dict[str, object], folder: Path, name: str) -> dbapi.Connection:
    path = folder / name
    copy_database(Path(str(seed["path"])), path)
    return db.open_database(path)


def _stored(conn: dbapi.Connection) -> list[tuple[object, ...]]:
    rows = conn.execute(f"SELECT {COLUMNS} FROM person WHERE citizen_id IS NOT ? "
                        "ORDER BY _rowid", (STORED_CID,)).fetchall()
    return [tuple(r) for r in rows]


def _fields_stamped(conn: dbapi.Connection) -> list[list[str]]:
    """Which fields of each new person got a version (in row order)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM person WHERE citizen_id IS NOT ? "
                                      "ORDER BY _rowid", (STORED_CID,))]
    from dbkit import version_rows

    return [sorted(str(v["field"]) for v in version_rows(conn, pk)) for pk in ids]


def _rows(seed: dict[str, object]) -> st.SearchStrategy[list[dict[str, object]]]:
    village, other = str(seed["village"]), str(seed["other"])
    # Mostly good values, so that batches often pass and rows meet each other's numbers;
    # each bad one refuses its row (bad date, choice, code, number, phone, unknown place,
    # another commune's place, a number stored already or given by an earlier row).
    def mostly(good: list[object], bad: list[object]) -> st.SearchStrategy[object]:
        return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good),
                         st.sampled_from(good), st.sampled_from(bad))

    person = st.fixed_dictionaries({"full_name": mostly(
        ["Lò Văn A", "Giàng Thị Dua", "  Quàng  Văn   Ơn "], [""])}, optional={
        "birth_date": mostly([None, "05/03/1985", "1985"], ["13/13/2000", "01/01/2030"]),
        "gender": mostly([None, "nam", "male"], ["nữ", "không rõ"]),
        "ethnicity": mostly([None, "Kinh", "thái", "Thái", "H'Mông"], ["Xyz"]),
        "citizen_id": mostly([None, "011085000001", "011 085 000 001", "011085000001",
                              "011085000002"],
                             ["011185000003", STORED_CID, "12345"]),
        "phone": mostly([None, "0912 345 678"], ["abc"]),
        "residence_unit_id": mostly([None, village, TODAY_COMMUNE],
                                    [other, "khong-co"]),
    })
    return st.lists(person, min_size=1, max_size=5)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_batch_stores_and_refuses_what_one_by_one_would(seed, data):
    rows = data.draw(_rows(seed))
    folder = Path(tempfile.mkdtemp())
    batch_conn, single_conn = (_open_copy(seed, folder, "batch.db"),
                               _open_copy(seed, folder, "single.db"))
    try:
        batch, single = Store(batch_conn, actor="tester"), Store(single_conn, actor="tester")
        refused = None
        for n, row in enumerate(rows, start=1):
            try:
                single.add("person", row)
            except UserError as e:
                refused = (n, e)
                break
        before = logical_dump(batch_conn)
        if refused is None:
            ids = batch.add_many("person", rows)
            assert len(ids) == len(set(ids)) == len(rows)
            assert _stored(batch_conn) == _stored(single_conn)
            assert _fields_stamped(batch_conn) == _fields_stamped(single_conn)
        else:
            n, alone = refused
            with pytest.raises(UserError) as caught:
                batch.add_many("person", rows)
            e = caught.value
            if isinstance(alone, ValidationError):  # add_many gives it again with its row
                assert isinstance(e, ValidationError)
                assert (e.row, e.field, e.label, e.message) == (
                    n, alone.field, alone.label, alone.message)
                assert str(e) == f"dòng {n}, {alone}"
            else:
                assert type(e) is type(alone) and str(e) == str(alone)
            assert logical_dump(batch_conn) == before  # nothing half-saved
    finally:
        batch_conn.close()
        single_conn.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_two_rows_of_one_batch_with_one_citizen_id_are_refused(store, conn, dump, village):
    """Added one by one, the second would be refused: so is the batch, naming its row."""
    before = dump(conn)
    rows = [{"full_name": "Lò Văn A", "citizen_id": "011085000001", "birth_date": "1985",
             "gender": "nam", "residence_unit_id": village},
            {"full_name": "Lò Văn B", "residence_unit_id": village},
            {"full_name": "Lò Văn C", "citizen_id": "011 085 000 001"}]
    with pytest.raises(ValidationError, match="dòng 3, Số định danh.*Lò Văn A, sinh 1985"):
        store.add_many("person", rows)
    assert dump(conn) == before


def test_a_batch_of_memberships_resolves_a_merged_person_to_the_survivor(store, conn, village):
    """References asked together (live ids) and alone (a merged person) give one answer."""
    a, b = store.add_many("person", [{"full_name": "Lò Văn A", "residence_unit_id": village},
                                     {"full_name": "Lò Văn A.", "residence_unit_id": village}])
    org = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                     "org_type": "to_hoa_giai", "unit_id": village}).id
    store.link("person", b, {"merged_into": a})
    store.delete("person", b)
    ids = store.add_many("membership", [{"person_id": b, "organization_id": org,
                                         "role": "hoa_giai_vien"}])
    row = conn.execute("SELECT person_id FROM membership WHERE id = ?", ids).fetchone()
    assert row[0] == a
