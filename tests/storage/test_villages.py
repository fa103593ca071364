"""A commune's villages: add, rename, merge, retire; old names kept; people and
organizations follow as ordinary versioned edits (desktop/storage/villages.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS
from desktop.storage import records, rosters, villages
from desktop.storage.history import UndoStack
from desktop.storage.present import Presenter
from desktop.storage.writer import Store

COMMUNE = "03160"


@pytest.fixture
def commune(conn, commune_site) -> str:
    return villages.commune_of_site(conn, commune_site)


@pytest.fixture
def two(store, commune) -> list[str]:
    return villages.add(store, commune, ["Bản Huổi Lếch", "Bản Na Pheo"],
                        valid_from=dt.date(2025, 7, 1))


def unit(conn, unit_id):
    return records.get(conn, KINDS["unit"], unit_id)


def residence(conn, person_id):
    return records.get(conn, KINDS["person"], person_id)["residence_unit_id"]


def test_a_new_commune_adds_its_villages(store, conn, commune, dump):
    assert villages.villages(conn, commune) == []
    ids = villages.add(store, commune, ["Bản Huổi Lếch", " tổ dân phố  số 1 ", "Thôn Nà Sự"])
    got = [(v.name, v.division_type) for v in villages.villages(conn, commune)]
    assert got == [("Bản Huổi Lếch", "bản"), ("Thôn Nà Sự", "thôn"),
                   ("tổ dân phố số 1", "tổ dân phố")]
    assert {unit(conn, i)["parent_id"] for i in ids} == {commune}
    # In the tree and among the places a person may live.
    assert [n.name for n in rosters.child_units(conn, commune)] == [
        "Bản Huổi Lếch", "Thôn Nà Sự", "tổ dân phố số 1"]
    assert any(label.startswith("Bản Huổi Lếch") for _i, label in
               rosters.unit_choices(conn, commune))
    # A name already there (with or without accents), or an empty one: nothing is added.
    before = dump(conn)
    with pytest.raises(ValidationError, match="đã có «Bản Huổi Lếch»"):
        villages.add(store, commune, ["Bản Mới", "ban huoi lech"])
    with pytest.raises(ValidationError, match="trống|ít nhất"):
        villages.add(store, commune, ["  "])
    assert dump(conn) == before


def test_villages_are_found_by_name_without_accents(store, conn, commune, two):
    assert villages.find(conn, commune, "ban huoi lech").id == two[0]
    assert villages.find(conn, commune, "na pheo").id == two[1]
    assert villages.find(conn, commune, two[1]).id == two[1]
    with pytest.raises(UserError, match="Không có thôn, bản «Bản Xa»"):
        villages.find(conn, commune, "Bản Xa")


def test_renaming_keeps_the_old_name_and_moves_what_lives_there(store, conn, commune, two):
    old = two[0]
    person = store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": old}).id
    gone = store.add("person", {"full_name": "Lò Văn Ấn", "residence_unit_id": old}).id
    store.delete("person", gone)
    org = store.add("organization", {"name": "Tổ bảo vệ ANTT bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": old}).id
    model = store.add("model", {"name": "Camera an ninh bản Huổi Lếch",
                                "model_type": "he_thong_camera_giam_sat", "unit_id": old}).id
    moved = villages.rename(store, old, "Bản Huổi Lếch 1", on=dt.date(2026, 11, 15))
    new = moved.successor_id
    assert (moved.people, moved.organizations, moved.models) == (1, 1, 1)
    # The old village keeps its name, ends the day before, and names its successor.
    kept = unit(conn, old)
    assert (kept["name"], kept["valid_to"], kept["successor_id"]) == (
        "Bản Huổi Lếch", "2026-11-14", new)
    fresh = unit(conn, new)
    assert (fresh["name"], fresh["valid_from"], fresh["parent_id"]) == (
        "Bản Huổi Lếch 1", "2026-11-15", commune)
    assert residence(conn, person) == new
    assert residence(conn, gone) == old  # a deleted record stays where it was
    assert records.get(conn, KINDS["organization"], org)["unit_id"] == new
    assert records.get(conn, KINDS["model"], model)["unit_id"] == new
    # What the officer sees: the new name on the person, the tree without the old one.
    shown = Presenter(conn).value(KINDS["person"].field("residence_unit_id"), new)
    assert shown == "Bản Huổi Lếch 1"
    assert [n.name for n in rosters.child_units(conn, commune)] == [
        "Bản Huổi Lếch 1", "Bản Na Pheo"]
    history = villages.villages(conn, commune, include_retired=True)
    assert [(v.name, v.successor_name) for v in history if not v.current] == [
        ("Bản Huổi Lếch", "Bản Huổi Lếch 1")]
    # Ordinary versioned edits, each in the audit log.
    edits = conn.execute("SELECT count(*) FROM audit_log WHERE pk = ? AND field = "
                         "'residence_unit_id'", (person,)).fetchone()[0]
    assert edits == 1


def test_a_spelling_correction_renames_in_place(store, conn, commune, two):
    person = store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": two[1]}).id
    moved = villages.rename(store, two[1], "Bản Nà Pheo", correction=True)
    assert moved.successor_id == two[1]
    assert unit(conn, two[1])["name"] == "Bản Nà Pheo" and unit(conn, two[1])["valid_to"] is None
    assert residence(conn, person) == two[1]
    assert len(villages.villages(conn, commune, include_retired=True)) == 2


def test_merging_moves_residents_and_organizations(store, conn, commune, two, dump):
    a, b = two
    people = [store.add("person", {"full_name": f"Người {i}", "residence_unit_id": a}).id
              for i in range(3)]
    stay = store.add("person", {"full_name": "Người ở lại", "residence_unit_id": b}).id
    org = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                     "org_type": "to_hoa_giai", "unit_id": a}).id
    moved = villages.merge(store, [a], b, on=dt.date(2026, 12, 1))
    assert (moved.successor_id, moved.people, moved.organizations) == (b, 3, 1)
    assert {residence(conn, p) for p in [*people, stay]} == {b}
    assert records.get(conn, KINDS["organization"], org)["unit_id"] == b
    merged = unit(conn, a)
    assert (merged["name"], merged["valid_to"], merged["successor_id"]) == (
        "Bản Huổi Lếch", "2026-11-30", b)
    assert [v.name for v in villages.villages(conn, commune)] == ["Bản Na Pheo"]
    assert [o.name for o in rosters.organizations_in(conn, b)] == ["Tổ hòa giải bản Huổi Lếch"]
    # A merged village is not merged or renamed again; nothing is written.
    before = dump(conn)
    with pytest.raises(UserError, match="đã thôi"):
        villages.merge(store, [a], b)
    with pytest.raises(ValidationError, match="chính nó"):
        villages.merge(store, [b], b)
    assert dump(conn) == before


def test_villages_of_two_communes_are_not_merged(tmp_path, master_db):
    from dbkit import copy_database

    from desktop.storage import db, site

    path = copy_database(master_db, tmp_path / "province.db")
    conn = db.open_database(path)
    site.init_site(conn, name="Công an tỉnh Điện Biên", province_code="11")
    store = Store(conn)
    a = villages.add(store, villages.find_commune(conn, "03160"), ["Bản A"])[0]
    b = villages.add(store, villages.find_commune(conn, "03163"), ["Bản B"])[0]
    with pytest.raises(ValidationError, match="hai xã"):
        villages.merge(store, [a], b)
    conn.close()


def test_retiring_needs_an_empty_village(store, conn, commune, two):
    a, b = two
    person = store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": a}).id
    with pytest.raises(UserError, match="còn 1 người cư trú"):
        villages.retire(store, a)
    store.edit("person", person, {"residence_unit_id": b})
    villages.retire(store, a, on=dt.date(2026, 6, 1))
    kept = unit(conn, a)
    assert (kept["valid_to"], kept["successor_id"]) == ("2026-05-31", None)
    assert [v.name for v in villages.villages(conn, commune)] == ["Bản Na Pheo"]


def test_dates_are_checked(store, conn, commune, two, dump):
    before = dump(conn)
    with pytest.raises(ValidationError, match="tương lai"):
        villages.rename(store, two[0], "Bản Mới", on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError, match="phải sau ngày"):
        villages.merge(store, [two[0]], two[1], on=dt.date(2025, 7, 1))
    assert dump(conn) == before


def test_a_merge_is_one_step_of_undo(store, conn, commune, two):
    undo = UndoStack(store)
    a, b = two
    person = store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": a}).id
    villages.merge(undo, [a], b)
    assert residence(conn, person) == b
    undo.undo()
    assert residence(conn, person) == a
    assert unit(conn, a)["valid_to"] is None and unit(conn, a)["successor_id"] is None
    assert not undo.can_undo


def test_an_account_that_may_not_write_changes_nothing(conn, commune, two, dump):
    from desktop.storage import accounts

    before = dump(conn)
    accounts.bind(conn, accounts.Account("xem", "viewer", None, False))
    for write in (lambda s: villages.add(s, commune, ["Bản Mới"]),
                  lambda s: villages.rename(s, two[0], "Bản Mới"),
                  lambda s: villages.merge(s, [two[0]], two[1]),
                  lambda s: villages.retire(s, two[0])):
        with pytest.raises(accounts.PermissionDenied):
            write(Store(conn))
    accounts.bind(conn, None)
    assert dump(conn) == before


def test_residents_counted_apart_are_those_the_list_counts(store, conn, commune, two):
    """The Địa bàn page reads its villages uncounted and counts their residents apart (off
    the UI thread), and a village read alone counts only its own: the same numbers as the
    list counted in one statement, a deleted person not counted, a village with none 0."""
    a, b = two
    for i in range(3):
        store.add("person", {"full_name": f"Người {i}", "residence_unit_id": a})
    gone = store.add("person", {"full_name": "Người đã xóa", "residence_unit_id": a}).id
    store.delete("person", gone)
    counted = villages.villages(conn, commune)
    bare = villages.villages(conn, commune, counted=False)
    assert [v.residents for v in bare] == [None, None]
    apart = villages.residents(conn, [v.id for v in bare])
    assert apart == {v.id: v.residents for v in counted} and apart[a] == 3 and apart[b] == 0
    assert [villages.get(conn, v.id) for v in counted] == counted


def test_unit_names_are_read_at_once_as_the_lists_name_a_place(conn, commune, two):
    """«Địa bàn» at a province names the commune of each village: one read for all of
    them, the names a list shows (Presenter's), an id not found shown as itself."""
    asked = [commune, *two, "no-such-unit", commune]
    presenter = Presenter(conn)
    assert villages.unit_names(conn, asked) == {
        u: presenter.ref_title("unit", u) for u in asked}
    assert villages.unit_names(conn, two) == {two[0]: "Bản Huổi Lếch", two[1]: "Bản Na Pheo"}
    assert villages.unit_names(conn, []) == {}
