"""The movement report's figures on a small hand-made commune, as data and as printed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import pdf_text

from desktop.reports import periods
from desktop.reports.movement import render_report, report_data
from desktop.storage.printouts import find_unit


@pytest.fixture
def figures(commune):
    store = commune.store
    ẩn = commune.people["Đặng Ngọc Ẩn"]
    [mid] = [r[0] for r in store.conn.execute(
        "SELECT id FROM membership WHERE person_id = ?", (ẩn,))]
    store.edit("membership", mid, {"left_date": "15/06/2026", "exit_reason": "tu_nguyen"})
    đức = commune.people["Nguyễn Văn Đức"]
    deeds = [{"person_id": đức, "description": f"Giúp bắt đối tượng trộm cắp lần {i}",
              "deed_date": dt.date(2025, 1 + i % 12, 1 + i % 28)} for i in range(40)]
    deeds += [{"person_id": đức, "description": f"Tuần tra đêm {i}",
               "deed_date": dt.date(2026, 1 + i % 11, 1 + i % 28)} for i in range(31)]
    for d in deeds[40:45]:
        d.update(commendation_form="giay_khen", commendation_level="chu_tich_ubnd_xa",
                 decision_number="12/QĐ-UBND", decision_date=d["deed_date"])
    store.add_many("deed", deeds)
    old = store.add("model", {"name": "Dòng họ bình yên — bản Huổi Lếch",
                              "model_type": "dong_ho_binh_yen", "unit_id": commune.village,
                              "started_date": "10/05/2025", "is_point": True,
                              "status": "active"}).id
    store.add("model", {"name": "Camera giám sát bản Nậm Pố",
                        "model_type": "he_thong_camera_giam_sat", "unit_id": commune.village2,
                        "started_date": "02/2026", "status": "active"})
    store.add("replication", {"model_id": old, "unit_id": commune.village2,
                              "replicated_date": "04/2026"})
    store.add("evaluation", {"model_id": old, "evaluated_date": "20/11/2026",
                             "rating": "hieu_qua"})
    return str(find_unit(store.conn, "03160")["id"])


def _summary(data):
    return {s["key"]: s for s in data["summary"]}


def test_figures_of_the_year_against_the_same_period(commune, figures):
    data = report_data(commune.store.conn, figures, periods.parse("2026"))
    assert data["period"] == {"label": "năm 2026", "start": "2026-01-01", "end": "2026-12-31"}
    assert data["previous"]["label"] == "năm 2025"
    [tbv] = data["bieu1"]["rows"]
    assert tbv["org_type"] == "to_bao_ve_antt"
    assert {k: tbv[k] for k in ("organizations", "members", "women", "minority", "founded",
                                "joined", "left")} == {
        "organizations": 1, "members": 4, "women": 2, "minority": 3, "founded": 1,
        "joined": 5, "left": 1}
    assert tbv["previous"]["organizations"] == 0 and tbv["previous"]["members"] == 0
    b2 = {r["model_type"]: r for r in data["bieu2"]["rows"]}
    assert b2["dong_ho_binh_yen"]["models"] == 1 and b2["dong_ho_binh_yen"]["points"] == 1
    assert b2["dong_ho_binh_yen"]["replicated"] == 1 and b2["dong_ho_binh_yen"]["effective"] == 1
    assert b2["he_thong_camera_giam_sat"]["built"] == 1
    assert data["bieu2"]["total"]["models"] == 2 and data["bieu2"]["previous"]["models"] == 1
    s = _summary(data)
    assert (s["deeds"]["current"], s["deeds"]["previous"]) == (31, 40)
    assert s["deeds"]["diff_text"] == "giảm 9" and s["deeds"]["percent_text"] == "giảm 22,5%"
    assert s["deeds"]["percent"] == -22.5
    assert s["organizations"]["percent_text"] == "—" and s["organizations"]["percent"] is None
    assert s["members"]["diff_text"] == "tăng 4"
    assert s["built"]["percent_text"] == "không đổi"
    assert (s["commended"]["current"], s["commended"]["previous"]) == (5, 0)
    assert data["bieu6"]["count"] == 31 and data["bieu6"]["commended"] == 5
    assert data["bieu6"]["rows"][0]["name"] == "Nguyễn Văn Đức"
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain data


def test_a_quarter_and_a_province(commune, figures):
    q = report_data(commune.store.conn, figures, periods.parse("2026-Q2"))
    s = _summary(q)
    assert s["left"]["current"] == 1 and s["joined"]["current"] == 0
    province = str(find_unit(commune.store.conn, "11")["id"])
    p = report_data(commune.store.conn, province, periods.parse("2026"))
    assert _summary(p)["members"]["current"] == 4


def test_printed_report(commune, figures):
    pdf = render_report(commune.store.conn, figures, periods.parse("2026"),
                        today=dt.date(2026, 12, 1))
    pages = pdf_text(pdf)
    flat = " ".join(" ".join(pages).split())
    for expected in ("BÁO CÁO", "CÔNG AN XÃ MƯỜNG NHÉ", "Mường Nhé, ngày 01 tháng 12 năm 2026",
                     "năm 2026", "giảm 22,5%", "—", "Biểu 1", "Biểu 2", "Biểu 3",
                     "Tổ bảo vệ an ninh, trật tự", "Dòng họ bình yên", "Nguyễn Văn Đức",
                     "Giấy khen", "Kỳ này (năm 2026)", "Cùng kỳ (năm 2025)",
                     "TRƯỞNG CÔNG AN XÃ", "/BC-CAX"):
        assert expected in flat, expected
    assert len(pages) >= 2
