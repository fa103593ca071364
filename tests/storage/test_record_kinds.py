"""One repository test per record kind: what an officer records, and the rules on it."""

from __future__ import annotations

import pytest
from dbkit import copy_database

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS
from desktop.storage import derived, records, rosters


@pytest.fixture
def org(store, village):
    return store.add("organization", {
        "name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch", "org_type": "to_bao_ve_antt",
        "unit_id": village, "founded_date": "07/2024", "decision_number": "125/QĐ-UBND",
        "decision_date": "15/07/2024", "status": "Đang hoạt động"}).id


def person(store, name, **values):
    return store.add("person", {"full_name": name, **values}).id


def test_villages_belong_to_a_commune(store, conn, village):
    row = records.get(conn, KINDS["unit"], village)
    assert row["level"] == "village"
    assert conn.execute("SELECT _part FROM unit WHERE id=?", (village,)).fetchone()[0] == "03160"
    province = rosters.root_units(conn, "11")[0].id
    with pytest.raises(ValidationError, match="Thuộc đơn vị: ") as e:
        store.add("unit", {"name": "Bản lạc", "level": "village", "parent_id": province})
    assert e.value.field == "parent_id"


def test_catalogue_values_are_found_by_code_name_or_alias(store, conn):
    a = person(store, "Giàng A Dơ", ethnicity="Mèo")
    b = person(store, "Lò Thị Mai", ethnicity="thái")
    c = person(store, "Lê Văn An", ethnicity="kinh")
    got = [records.get(conn, KINDS["person"], i)["ethnicity"] for i in (a, b, c)]
    assert got == ["mong", "thai", "kinh"]


def test_catalogues_are_the_provinces_to_edit(store, conn, dump):
    before = dump(conn)
    with pytest.raises(UserError, match="Công an tỉnh"):
        store.add("catalogue", {"catalogue": "model_type", "code": "camera_cong_dong",
                                "name": "Camera cộng đồng"})
    item = conn.execute("SELECT id FROM catalogue_item WHERE code = 'kinh'").fetchone()[0]
    with pytest.raises(UserError, match="Công an tỉnh"):
        store.edit("catalogue", item, {"name": "Việt"})
    assert dump(conn) == before


def test_catalogues_are_editable_and_new_items_usable(tmp_path, master_db):

    from desktop.storage import db, site
    from desktop.storage.writer import Store

    path = tmp_path / "province.db"
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an tỉnh Điện Biên", province_code="11")
    store = Store(conn)
    store.add("catalogue", {"catalogue": "model_type", "code": "camera_cong_dong",
                            "name": "Camera cộng đồng", "sort_order": 99, "active": "có"})
    mid = store.add("model", {"name": "Camera cộng đồng bản Huổi Lếch",
                              "model_type": "Camera cộng đồng", "unit_id": "03160"}).id
    assert records.get(conn, KINDS["model"], mid)["model_type"] == "camera_cong_dong"


def test_organization_record(conn, org):
    rec = records.get(conn, KINDS["organization"], org)
    assert (rec["org_type"], rec["founded_date"], rec["status"]) == (
        "to_bao_ve_antt", "2024-07", "active")


def test_membership_roster_is_in_role_then_name_order(store, conn, org):
    names = {"Vàng A Dơ": "to_vien", "Lò Văn Ấn": "to_vien", "Quàng Thị Bình": "to_truong",
             "Lê Văn An": "to_pho"}
    for name, role in names.items():
        store.add("membership", {"person_id": person(store, name), "organization_id": org,
                                 "role": role, "joined_date": "01/08/2024"})
    roster = rosters.people_page(conn, rosters.Scope("organization", org))
    assert [r["full_name"] for r in roster] == ["Quàng Thị Bình", "Lê Văn An", "Lò Văn Ấn",
                                                 "Vàng A Dơ"]


def test_ending_a_membership_needs_a_date_after_joining(store, conn, org):
    pid = person(store, "Lò Văn Ấn")
    mid = store.add("membership", {"person_id": pid, "organization_id": org, "role": "Tổ viên",
                                   "joined_date": "01/08/2024"}).id
    with pytest.raises(ValidationError) as e:
        store.edit("membership", mid, {"exit_reason": "tu_nguyen"})
    assert e.value.field == "left_date"
    with pytest.raises(ValidationError, match="Ngày thôi tham gia: phải sau ngày tham gia"):
        store.edit("membership", mid, {"left_date": "01/01/2024"})
    store.edit("membership", mid, {"left_date": "01/10/2026", "exit_reason": "tu_nguyen"})
    assert rosters.count_people(conn, rosters.Scope("organization", org)) == 0
    # Still there among the former members, with when and why.
    former = rosters.Scope("organization", org, former=True)
    assert rosters.count_people(conn, former) == 1
    [left] = rosters.people_page(conn, former)
    assert (left["id"], left["left_date"], left["exit_reason"]) == (pid, "2026-10-01",
                                                                    "tu_nguyen")
    assert [r["id"] for r in rosters.people_page(conn, former, order="left_date")] == [pid]


def test_minutes_are_numbered_per_issuer_per_year(store, conn, org):
    chair, secretary = person(store, "Quàng Văn Chủ"), person(store, "Lò Thị Thư")

    def meeting(started, issuer="TBV"):
        ended = started.replace("08:", "10:")
        mid = store.add("meeting", {"organization_id": org, "title": "Sinh hoạt định kỳ",
                                    "started_at": started, "ended_at": ended,
                                    "issuer": issuer, "chair_id": chair,
                                    "secretary_id": secretary}).id
        rec = records.get(conn, KINDS["meeting"], mid)
        return mid, derived.format_meeting_number(rec["number"], rec["issuer"])

    assert meeting("08:00 05/01/2026")[1] == "01/BB-TBV"
    m2, number = meeting("08:00 05/04/2026")
    assert number == "02/BB-TBV"
    assert meeting("08:00 06/04/2026", issuer="CAX")[1] == "01/BB-CAX"
    assert meeting("08:00 05/01/2025")[1] == "01/BB-TBV"
    rec = records.get(conn, KINDS["meeting"], m2)
    assert (rec["started_at"], rec["ended_at"]) == ("2026-04-05T08:00", "2026-04-05T10:00")
    with pytest.raises(ValidationError, match="Thời gian kết thúc: phải sau thời gian bắt"):
        store.edit("meeting", m2, {"ended_at": "07:00 05/04/2026"})


def test_attendance_records_who_was_absent_and_why(store, conn, org):
    mid = store.add("meeting", {"organization_id": org, "title": "Họp bình xét",
                                "started_at": "19:00 20/11/2026"}).id
    a, b = person(store, "Lò Văn Ấn"), person(store, "Vàng A Dơ")
    store.add("attendance", {"meeting_id": mid, "person_id": a, "present": "có"})
    store.add("attendance", {"meeting_id": mid, "person_id": b, "present": "không",
                             "absence_reason": "Đi làm nương"})
    rows = records.page(conn, KINDS["attendance"], records.Query(filters={"meeting_id": mid}))
    assert sorted((r["present"], r["absence_reason"]) for r in rows) == [
        (0, "Đi làm nương"), (1, None)]


def test_a_model_is_replicated_into_another_village(store, conn, org, village):
    other = store.add("unit", {"name": "Bản Nậm Pố", "level": "village",
                               "parent_id": "03160"}).id
    mid = store.add("model", {"name": "Dòng họ bình yên", "model_type": "dong_ho_binh_yen",
                              "unit_id": village, "started_date": "2023", "is_point": "1"}).id
    store.add("model_org", {"model_id": mid, "organization_id": org})
    store.add("replication", {"model_id": mid, "unit_id": other, "replicated_date": "03/2025"})
    store.add("evaluation", {"model_id": mid, "evaluated_date": "20/11/2025",
                             "rating": "Hiệu quả"})
    reps = records.page(conn, KINDS["replication"], records.Query(filters={"model_id": mid}))
    assert [(r["unit_id"], r["replicated_date"]) for r in reps] == [(other, "2025-03")]
    with pytest.raises(ValidationError, match="Ngày nhân rộng: bắt buộc phải có"):
        store.add("replication", {"model_id": mid, "unit_id": other})


def test_a_good_deed_needs_a_person_or_a_collective(store, conn, org):
    pid = person(store, "Lò Văn Ấn")
    did = store.add("deed", {"person_id": pid, "description": "Nhặt được ví trả lại người mất",
                             "deed_date": "12/10/2026", "commendation_form": "Giấy khen",
                             "commendation_level": "chu_tich_ubnd_xa",
                             "decision_number": "45/QĐ-UBND", "decision_date": "01/11/2026"}).id
    assert records.get(conn, KINDS["deed"], did)["commendation_form"] == "giay_khen"
    store.add("deed", {"organization_id": org, "description": "Tập thể xuất sắc",
                       "deed_date": "2026"})
    with pytest.raises(ValidationError, match="person_id"):
        store.add("deed", {"description": "Không biết ai", "deed_date": "2026"})


def test_people_are_listed_in_vietnamese_name_order(store, conn):
    for name in ["Nguyễn Văn Đức", "Lò Văn Ấn", "Lê Văn An", "Nguyễn Thị Ánh", "Vàng A Dơ",
                 "Trần Thị Bình", "Hoàng Đức Đạt", "Phạm Văn Dũng", "Giàng Thị Mai"]:
        person(store, name)
    listed = [r["full_name"] for r in records.page(conn, KINDS["person"])]
    assert listed == ["Lê Văn An", "Nguyễn Thị Ánh", "Lò Văn Ấn", "Trần Thị Bình", "Vàng A Dơ",
                      "Phạm Văn Dũng", "Hoàng Đức Đạt", "Nguyễn Văn Đức", "Giàng Thị Mai"]


def test_a_citizen_id_contradicting_the_record_is_refused_an_unknown_province_warns(
        store, conn, dump):
    """DOMAIN.md §5.1: the year and sex the number encodes must match; a province code
    outside the table may be a country code (birth registered abroad): a warning."""
    before = dump(conn)
    with pytest.raises(ValidationError) as caught:
        store.add("person", {"full_name": "Lò Thị Ấn", "citizen_id": "011085000123",
                             "birth_date": "1985", "gender": "female"})
    assert caught.value.field == "citizen_id"
    assert str(caught.value).startswith("Số định danh cá nhân (CCCD): ")
    assert "citizen_id" not in str(caught.value)
    assert "Giới tính theo số định danh là nam (chữ số thứ 4 là 0)" in str(caught.value)
    with pytest.raises(ValidationError, match="Năm sinh theo số định danh là 1985"):
        store.add("person", {"full_name": "Lò Văn Ấn", "citizen_id": "011085000123",
                             "birth_date": "1990", "gender": "male"})
    assert dump(conn) == before
    result = store.add("person", {"full_name": "Lò Văn Ấn", "citizen_id": "999085000123",
                                  "birth_date": "1985", "gender": "male"})
    assert [w.split(": ")[0] for w in result.warnings] == ["Số định danh cá nhân (CCCD)"]


def test_attachments_are_stored_once_by_content_hash(store, conn, org, tmp_path):
    from desktop.storage import attachments

    mid = store.add("meeting", {"organization_id": org, "title": "Họp bình xét",
                                "started_at": "19:00 20/11/2026"}).id
    scan = tmp_path / "biên bản.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned minutes")
    a = attachments.attach(store, "meeting", mid, scan).id
    attachments.attach(store, "meeting", mid, scan)
    blobs = [p for p in attachments.BlobStore.of(conn).dir.rglob("*") if p.is_file()]
    assert len(blobs) == 1 and scan.read_bytes() not in blobs[0].read_bytes()  # encrypted
    listed = attachments.attachments_of(store, "meeting", mid)
    assert [r["filename"] for r in listed] == ["biên bản.pdf"] * 2
    out = attachments.export_attachment(conn, records.get(conn, KINDS["attachment"], a),
                                        tmp_path / "copy.pdf")
    assert out.read_bytes() == scan.read_bytes()
    blobs[0].write_bytes(b"tampered")
    with pytest.raises(Exception, match="hỏng"):
        attachments.export_attachment(conn, listed[0], tmp_path / "again.pdf")


def test_only_villages_are_added_by_users(store):
    with pytest.raises(ValidationError, match="level"):
        store.add("unit", {"name": "Xã Mới", "level": "commune", "parent_id": "11"})


def test_organization_rules_are_warnings(store, conn, org):
    from desktop.storage import catalogues

    assert catalogues.organization_warnings(conn, org) == [
        "Chưa có Tổ trưởng",
        "Mới có 0 thành viên; Tổ bảo vệ an ninh, trật tự cần ít nhất 3"]
    for name, role in (("Lò Văn Ấn", "to_truong"), ("Lò Văn Ba", "to_pho"),
                       ("Lò Văn Cà", "to_vien")):
        store.add("membership", {"person_id": person(store, name), "organization_id": org,
                                 "role": role})
    assert catalogues.organization_warnings(conn, org) == []


def test_roster_pages_follow_on_by_key_as_by_offset(store, conn, village):
    store.add_many("person", [{"full_name": f"Lò Văn {chr(65 + i % 26)}{i}",
                               "residence_unit_id": village} for i in range(60)])
    scope = rosters.Scope("unit", village)
    by_offset = [r["id"] for o in range(0, 60, 7)
                 for r in rosters.people_page(conn, scope, offset=o, limit=7)]
    by_key, after = [], None
    while True:
        page = rosters.people_page(conn, scope, limit=7, after=after)
        if not page:
            break
        by_key += [r["id"] for r in page]
        after = (page[-1]["name_key"], page[-1]["id"])
    assert by_key == by_offset and len(by_key) == 60


def test_rosters_filter_by_organization_type_and_role(store, conn, org, village):
    lead, member, outsider = (person(store, n, residence_unit_id=village)
                              for n in ("Quàng Văn Chủ", "Lò Thị Mai", "Vàng A Dơ"))
    store.add("membership", {"person_id": lead, "organization_id": org, "role": "to_truong"})
    store.add("membership", {"person_id": member, "organization_id": org, "role": "to_vien"})
    mediation = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                           "org_type": "to_hoa_giai", "unit_id": village}).id
    store.add("membership", {"person_id": outsider, "organization_id": mediation,
                             "role": "hoa_giai_vien"})

    def names(scope):
        return [r["full_name"] for r in rosters.people_page(conn, scope)]

    in_village = rosters.Scope("unit", village)
    assert set(names(in_village)) == {"Quàng Văn Chủ", "Lò Thị Mai", "Vàng A Dơ"}
    assert set(names(rosters.Scope("unit", village, org_type="to_bao_ve_antt"))) == {
        "Quàng Văn Chủ", "Lò Thị Mai"}
    assert names(rosters.Scope("unit", village, role="to_truong")) == ["Quàng Văn Chủ"]
    assert names(rosters.Scope("organization", org, role="to_vien")) == ["Lò Thị Mai"]
    assert rosters.count_people(conn, rosters.Scope("all", org_type="to_hoa_giai")) == 1


def test_catalogue_items_list_by_catalogue_then_their_own_order(conn):
    kind = KINDS["catalogue"]
    items = records.page(conn, kind, records.Query(), limit=-1)
    keys = [(r["catalogue"], r["sort_order"]) for r in items]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1] if k[1] is not None else -1))
    roles = records.page(conn, kind, records.Query(filters={"catalogue": "role"}), limit=-1)
    assert roles and {r["catalogue"] for r in roles} == {"role"}
    with pytest.raises(ValidationError) as e:
        records.page(conn, kind, records.Query(filters={"catalogue": "no_such_list"}))
    assert e.value.field == "catalogue" and str(e.value).startswith("Danh mục: ")
