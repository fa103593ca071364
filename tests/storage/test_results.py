"""The movement's results through the one write path (issue 13): cameras, establishments and
their "An toàn về ANTT" evaluations (TT 124/2021), crime figures per period. Bad input is
refused with the field named and nothing saved; the figures sum as the report prints them."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.domain.errors import ValidationError
from desktop.storage import audit, results, seed

C = "03160"  # the commune of the conftest's commune_site (Mường Nhé)
UID = seed.unit_id(C, seed.CODE_VERSION_2025)


def refused(store, dump, field: str, kind: str, values: dict, record_id: str | None = None):
    """The write fails naming ``field`` (its label) and leaves the database as it was."""
    before = dump(store.conn)
    with pytest.raises(ValidationError) as e:
        if record_id is None:
            store.add(kind, values)
        else:
            store.edit(kind, record_id, values)
    assert e.value.field == field, (e.value.field, str(e.value))
    assert dump(store.conn) == before
    return str(e.value)


def test_a_camera_and_its_rules(store, village, dump):
    cam = store.add("camera", {"owner_name": "Hộ ông Lò Văn Páo", "unit_id": village,
                               "camera_count": "4", "connected": "có", "consent": "có",
                               "retention_days": "30", "installed_date": "03/2025",
                               "coordinates": "22,2236; 102,5123"}).id
    row = store.conn.execute("SELECT camera_count, connected, status, installed_date FROM camera "
                             "WHERE id = ?", (cam,)).fetchone()
    assert tuple(row) == (4, 1, None, "2025-03")
    refused(store, dump, "owner_name", "camera", {"unit_id": village, "camera_count": "2"})
    refused(store, dump, "camera_count", "camera", {"owner_name": "A", "unit_id": village,
                                                    "camera_count": "0"})
    refused(store, dump, "coordinates", "camera", {"coordinates": "200, 5"}, cam)
    refused(store, dump, "helped_cases", "camera", {"helped_cases": "-1"}, cam)
    # Connected without the owner's consent to extract footage: saved, with a warning.
    warned = store.add("camera", {"owner_name": "Hộ bà Giàng Thị Mỷ", "unit_id": village,
                                  "camera_count": "1", "connected": "có"})
    assert any("đồng ý" in w for w in warned.warnings)
    store.add("camera", {"owner_name": "Hỏng", "unit_id": village, "camera_count": "9",
                         "status": "Hỏng, chưa sửa"})
    (per_village,) = results.cameras_by_village(store.conn, UID)
    assert (per_village["systems"], per_village["cameras"], per_village["connected"]) == (2, 5, 2)
    assert results.camera_totals(store.conn, UID, until=dt.date(2025, 2, 28))["systems"] == 1
    # The coordinates are sensitive: the audit log keeps a keyed hash, edit and create alike.
    store.edit("camera", cam, {"coordinates": "21.3856, 103.0169"})
    created = next(e for e in audit.entries(store.conn) if e.pk == cam and e.action == "create")
    assert str(created.detail["coordinates"]).startswith("hmac:")
    logged = " ".join(str(tuple(r)) for r in store.conn.execute("SELECT * FROM audit_log"))
    assert "102,5123" not in logged and "103.0169" not in logged and "hmac:" in logged


def test_establishments_and_the_an_toan_evaluation(store, village, dump):
    school = store.add("establishment", {"name": "Trường THCS Mường Nhé", "unit_id": C,
                                         "establishment_type": "Cơ sở giáo dục"}).id
    msg = refused(store, dump, "exemption", "establishment", {
        "name": "Công ty nhỏ", "unit_id": C, "establishment_type": "Cơ quan",
        "exemption": "Doanh nghiệp nhỏ, siêu nhỏ"})
    assert "cơ quan" in msg.lower()
    small = store.add("establishment", {"name": "Trường mầm non Hoa Ban", "unit_id": C,
                                        "establishment_type": "school",
                                        "exemption": "kindergarten"}).id
    msg = refused(store, dump, "establishment_id", "safety_evaluation",
                  {"establishment_id": small, "year": "2025", "result": "đạt"})
    assert "Thông tư 124/2021" in msg and "mầm non" in msg
    # The kind and the place come from the establishment.
    ev = store.add("safety_evaluation", {
        "establishment_id": school, "year": "2025", "registered_date": "20/01/2025",
        "result": "Đạt", "decision_number": "15/QĐ-UBND", "decision_date": "20/11/2025",
        "movement_rating": "Khá"}).id
    row = store.conn.execute("SELECT subject_kind, unit_id, registered FROM safety_evaluation "
                             "WHERE id = ?", (ev,)).fetchone()
    assert tuple(row) == ("school", UID, 1)
    refused(store, dump, "year", "safety_evaluation", {"establishment_id": school,
                                                       "year": "2025"})
    # The window of a school's year 2025 is 16/11/2024-15/11/2025.
    msg = refused(store, dump, "registered_date", "safety_evaluation", {
        "establishment_id": school, "year": "2026", "registered_date": "10/11/2025"})
    assert "16/11/2025" in msg
    # A khu dân cư: 01/11-31/10, a village, 100 % of households for «Đạt».
    refused(store, dump, "registered_date", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "registered_date": "05/11/2025"})
    refused(store, dump, "households_percent", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "households_percent": "120"})
    refused(store, dump, "result", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "households_percent": "95", "result": "đạt"})
    refused(store, dump, "unit_id", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": C, "year": "2025"})
    refused(store, dump, "decision_number", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "result": "chưa đạt", "decision_number": "3/QĐ"})
    # The criteria: codes of the catalogue that apply; «Đạt» needs them all.
    msg = refused(store, dump, "criteria_met", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "criteria_met": "kdc_dang_ky; xa_mo_hinh; khong_co"})
    xa_mo_hinh = dict(results.criteria(store.conn, "commune"))["xa_mo_hinh"]
    assert f"«{xa_mo_hinh} (xa_mo_hinh)», «khong_co» không phải tiêu chí" in msg
    msg = refused(store, dump, "result", "safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "criteria_met": "kdc_dang_ky; kdc_chap_hanh", "result": "đạt"})
    assert "Không xảy ra hoạt động chống Đảng" in msg
    all_five = "; ".join(code for code, _n in results.criteria(store.conn, "residential"))
    store.add("safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "households_percent": "100", "criteria_met": all_five, "result": "đạt",
        "movement_rating": "xuất sắc"})
    store.add("safety_evaluation", {"subject_kind": "commune", "unit_id": C, "year": "2025",
                                    "result": "chưa đạt", "movement_rating": "trung bình"})
    rows = {r["kind"]: r for r in results.safety_figures(store.conn, UID, 2025)}
    assert (rows["school"]["total"], rows["school"]["passed"],
            rows["school"]["good_or_better"]) == (1, 1, 1)  # the kindergarten is exempt
    assert (rows["residential"]["total"], rows["residential"]["passed"],
            rows["residential"]["excellent"]) == (1, 1, 1)
    assert (rows["commune"]["passed"], rows["commune"]["average"]) == (0, 1)


def test_crime_figures_a_quarter_equals_its_months(store, dump):
    q = store.add("crime_stat", {"unit_id": C, "period": "2025-q1", "social_cases": "12",
                                 "social_serious": "2", "drug_cases": "5"}).id
    row = store.conn.execute("SELECT period, period_start, period_end FROM crime_stat "
                             "WHERE id = ?", (q,)).fetchone()
    assert tuple(row) == ("2025-Q1", "2025-01-01", "2025-03-31")
    store.add("crime_stat", {"unit_id": C, "period": "2025-01", "social_cases": "4",
                             "drug_cases": "2"})
    store.add("crime_stat", {"unit_id": C, "period": "2025-02", "social_cases": "5"})
    msg = refused(store, dump, "social_cases", "crime_stat",
                  {"unit_id": C, "period": "2025-03", "social_cases": "2"})
    assert "12" in msg and "11" in msg
    store.add("crime_stat", {"unit_id": C, "period": "2025-03", "social_cases": "3"})
    refused(store, dump, "period", "crime_stat", {"unit_id": C, "period": "2025-03"})
    refused(store, dump, "period", "crime_stat", {"unit_id": C, "period": "2025-13"})
    refused(store, dump, "social_serious", "crime_stat",
            {"unit_id": C, "period": "2025-Q2", "social_cases": "1", "social_serious": "2"})
    refused(store, dump, "drug_users", "crime_stat",
            {"unit_id": C, "period": "2025-Q2", "drug_users": "-3"})
    refused(store, dump, "social_cases", "crime_stat", {"social_cases": "13"}, q)
    # The quarter typed whole is counted once, not with its months.
    figures = results.crime_figures(store.conn, UID, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert (figures["social_cases"], figures["drug_cases"], figures["days"]) == (12, 5, 90)
    # Dates that disagree with the period (a bundle's values are checked one by one) do not
    # move its figures: the period says where they count.
    store.conn.execute("UPDATE crime_stat SET period_start = '2019-01-01', period_end = "
                       "'2019-12-31' WHERE id = ?", (q,))
    figures = results.crime_figures(store.conn, UID, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert figures["social_cases"] == 12
    assert results.crime_figures(store.conn, UID, dt.date(2019, 1, 1),
                                 dt.date(2019, 12, 31))["social_cases"] == 0
    # 15→14 windows and the movement year.
    k = store.add("crime_stat", {"unit_id": C, "period": "K2025-01", "social_cases": "1"}).id
    pt = store.add("crime_stat", {"unit_id": C, "period": "pt2025"}).id
    spans = dict(store.conn.execute("SELECT period, period_start || '..' || period_end FROM "
                                    "crime_stat WHERE id IN (?, ?)", (k, pt)).fetchall())
    assert spans == {"K2025-01": "2024-12-15..2025-01-14", "PT2025": "2024-11-15..2025-11-14"}
