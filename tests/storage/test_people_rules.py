"""Checks that are no longer warnings only: one citizen ID per person (or the two records are
one person, merged), the age range of a Tổ bảo vệ an ninh, trật tự (Luật 30/2023, Điều 13),
and the Tổ rules that stay warnings (one Tổ trưởng, members living in the thôn/bản)."""

from __future__ import annotations

import pytest

from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS
from desktop.storage import catalogues, records
from desktop.storage.history import UndoStack
from desktop.storage.references import DuplicatePerson
from desktop.storage.same_person import merge_people

PERSON = KINDS["person"]


@pytest.fixture
def tbv(store, village):
    return store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                      "org_type": "to_bao_ve_antt", "unit_id": village}).id


def _person(store, name, **values):
    return store.add("person", {"full_name": name, **values}).id


def test_two_people_with_one_citizen_id_is_an_error_naming_the_other(store, conn, village,
                                                                      dump):
    first = _person(store, "Lò Văn Thắng", citizen_id="011085000123", birth_date="05/03/1985",
                    gender="male")
    before = dump(conn)
    with pytest.raises(DuplicatePerson) as caught:
        _person(store, "Lò Văn Thăng", citizen_id="011 085 000 123")
    e = caught.value
    assert e.field == "citizen_id" and e.other_id == first and e.other_name == "Lò Văn Thắng"
    assert str(e).startswith("Số định danh cá nhân (CCCD): số 011085000123 đã là số của "
                             "Lò Văn Thắng, sinh 05/03/1985")
    assert "gộp" in e.message
    assert dump(conn) == before
    other = _person(store, "Lò Văn Thăng")
    with pytest.raises(DuplicatePerson):
        store.edit("person", other, {"citizen_id": "011085000123"})
    store.edit("person", first, {"phone": "0912345678"})  # its own number is no duplicate


def test_the_same_person_typed_again_is_merged_into_the_record_that_has_the_number(
        store, conn, village, tbv):
    undo = UndoStack(store)
    first = _person(store, "Lò Văn Thắng", citizen_id="011085000123", birth_date="1985",
                    gender="male")
    kept = merge_people(undo, first, values={"full_name": "Lò Văn Thắng",
                                             "citizen_id": "011085000123",
                                             "phone": "0912 345 678", "birth_date": "1985"})
    assert kept == first
    row = records.get(conn, PERSON, first)
    assert row["phone"] == "0912345678" and row["birth_date"] == "1985"
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    undo.undo()
    assert records.get(conn, PERSON, first)["phone"] is None


def test_two_records_of_one_person_become_one_with_everything_that_named_either(
        store, conn, village, tbv):
    undo = UndoStack(store)
    keep = _person(store, "Lò Văn Thắng", citizen_id="011085000123", gender="male",
                   birth_date="1985")
    drop = _person(store, "Lò Văn Thắng", phone="0912345678", residence_unit_id=village)
    other_org = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                           "org_type": "to_hoa_giai", "unit_id": village}).id
    store.add("membership", {"person_id": keep, "organization_id": tbv, "role": "to_vien"})
    twice = store.add("membership", {"person_id": drop, "organization_id": tbv,
                                     "role": "to_vien"}).id
    moved = store.add("membership", {"person_id": drop, "organization_id": other_org,
                                     "role": "to_vien"}).id
    meeting = store.add("meeting", {"organization_id": tbv, "title": "Họp tổ",
                                    "started_at": "19:00 20/11/2026", "chair_id": drop}).id
    store.add("attendance", {"meeting_id": meeting, "person_id": drop, "present": True})
    merge_people(undo, keep, values={"citizen_id": "011085000123", "gender": "male"},
                 drop_id=drop)
    person = records.get(conn, PERSON, keep)
    assert person["phone"] == "0912345678" and person["residence_unit_id"] == village
    assert records.get(conn, PERSON, drop)["deleted"]
    assert records.get(conn, KINDS["membership"], moved)["person_id"] == keep
    assert records.get(conn, KINDS["membership"], twice)["deleted"]  # already a member
    assert records.get(conn, KINDS["meeting"], meeting)["chair_id"] == keep
    assert [r[0] for r in conn.execute("SELECT person_id FROM attendance WHERE "
                                       "_deleted = 0")] == [keep]
    undo.undo()  # one step: everything back
    assert not records.get(conn, PERSON, drop)["deleted"]
    assert records.get(conn, KINDS["meeting"], meeting)["chair_id"] == drop
    assert records.get(conn, PERSON, keep)["phone"] is None


def test_a_child_cannot_join_a_to_bao_ve_antt(store, conn, village, tbv, dump):
    child = _person(store, "Lò Văn Bình", birth_date="12/05/2019", residence_unit_id=village)
    before = dump(conn)
    with pytest.raises(ValidationError) as caught:
        store.add("membership", {"person_id": child, "organization_id": tbv,
                                 "role": "to_vien", "joined_date": "01/12/2026"})
    assert caught.value.field == "person_id"
    assert str(caught.value) == (
        "Người: Lò Văn Bình mới 7 tuổi; thành viên Tổ bảo vệ an ninh, trật tự phải từ đủ 18 "
        "tuổi trở lên (Luật 30/2023/QH15, Điều 13)")
    assert dump(conn) == before
    # A birth year alone: refused only when even the earliest birthday is too late.
    seventeen = _person(store, "Lò Văn Cường", birth_date="2008", residence_unit_id=village)
    store.add("membership", {"person_id": seventeen, "organization_id": tbv,
                             "role": "to_vien", "joined_date": "01/12/2026"})
    # Other organizations have no age rule.
    club = store.add("organization", {"name": "Tổ tự quản bản Huổi Lếch",
                                      "org_type": "to_tu_quan", "unit_id": village}).id
    store.add("membership", {"person_id": child, "organization_id": club, "role": "to_vien"})


def test_over_seventy_a_second_to_truong_and_a_member_from_elsewhere_are_warnings(
        store, conn, village, tbv):
    other = store.add("unit", {"name": "Bản Nậm Pố", "level": "village",
                               "parent_id": "03160"}).id
    chief = _person(store, "Nguyễn Văn Đức", birth_date="1975", residence_unit_id=village)
    store.add("membership", {"person_id": chief, "organization_id": tbv, "role": "to_truong",
                             "joined_date": "01/03/2026"})
    old = _person(store, "Vàng A Dơ", birth_date="02/01/1950", residence_unit_id=village)
    w = store.add("membership", {"person_id": old, "organization_id": tbv,
                                 "role": "to_truong", "joined_date": "01/12/2026"}).warnings
    assert w == ["Vàng A Dơ đã 76 tuổi, quá 70 tuổi: cần Chủ tịch UBND xã chấp thuận cho "
                 "tham gia (Luật 30/2023/QH15, Điều 13)",
                 "đã có Tổ trưởng: Nguyễn Văn Đức; mỗi Tổ bảo vệ an ninh, trật tự chỉ có một "
                 "Tổ trưởng (ghi ngày thôi tham gia của người cũ khi thay)"]
    assert "Có 2 Tổ trưởng; mỗi Tổ bảo vệ an ninh, trật tự chỉ có một Tổ trưởng" in \
        catalogues.organization_warnings(conn, tbv)
    away = _person(store, "Lò Thị Ánh", birth_date="1990", residence_unit_id=other)
    w = store.add("membership", {"person_id": away, "organization_id": tbv,
                                 "role": "to_vien"}).warnings
    assert w == ["Lò Thị Ánh cư trú tại Bản Nậm Pố, không ở địa bàn của tổ (Bản Huổi Lếch)"]


def test_two_records_merged_from_the_command_line(store, conn, db_path, tmp_path, capsys):
    from desktop.cli import main

    keep = _person(store, "Lò Văn Thắng", citizen_id="011085000123", birth_date="1985",
                   gender="male")
    drop = _person(store, "Lò Văn Thắng", phone="0912345678")
    assert main(["merge-person", keep, drop, "--db", str(db_path)]) == 0
    assert "Đã gộp vào hồ sơ của Lò Văn Thắng" in capsys.readouterr().out
    assert records.get(conn, PERSON, keep)["phone"] == "0912345678"
    assert records.get(conn, PERSON, drop)["deleted"]
    assert main(["merge-person", keep, keep, "--db", str(db_path)]) == 2
    assert "chính nó" in capsys.readouterr().err
