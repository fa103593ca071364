"""Biểu 3-5 of the movement report (issue 13): tips, crime against "cùng kỳ" ("giảm 22,5%",
"tăng 3 vụ", "—" where the earlier figure is 0) and the An toàn results by kind, as data
(``antq report --json``) and printed after Biểu 2 with every font embedded."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from conftest import pdf_text

from desktop.cli import main
from desktop.reports import periods
from desktop.reports.movement import render_report, report_data
from desktop.storage.printouts import find_unit

C = "03160"
INFORMANT_WORD = "Pachenxai"


@pytest.fixture
def results(commune):
    store = commune.store
    # Social-order crime: 40 vụ in 2025, 31 in 2026 (giảm 22,5%); drug users 0 → 3.
    store.add("crime_stat", {"unit_id": C, "period": "2025", "social_cases": "40",
                             "social_serious": "4", "drug_cases": "10", "drug_offenders": "12"})
    store.add("crime_stat", {"unit_id": C, "period": "2026-Q1", "social_cases": "10",
                             "drug_cases": "3", "drug_users": "3"})
    store.add("crime_stat", {"unit_id": C, "period": "2026-Q2", "social_cases": "21",
                             "social_serious": "4", "drug_cases": "7", "drug_offenders": "12"})
    for i in range(3):
        store.add("tip", {"received_at": f"08:00 0{i + 1}/03/2026", "channel": "dien_thoai",
                          "unit_id": commune.village, "summary": f"Tin ở bản {INFORMANT_WORD}",
                          "valuable": "có", "case_solved": "có" if i else "không",
                          "case_serious": "có" if i == 2 else "không",
                          "arrested": str(i) if i else None,
                          "transferred_at": f"09:00 0{i + 1}/03/2026",
                          "transferred_to": "Cơ quan CSĐT"})
    schools = [store.add("establishment", {"name": f"Trường THCS số {i}", "unit_id": C,
                                           "establishment_type": "school"}).id
               for i in range(1, 6)]
    store.add("establishment", {"name": "Trường mầm non", "unit_id": C,
                                "establishment_type": "school", "exemption": "kindergarten"})
    for i, sid in enumerate(schools):
        values = {"establishment_id": sid, "year": "2026", "registered": "có"}
        if i < 4:
            values.update(result="đạt", movement_rating="khá" if i else "xuất sắc")
        else:
            values.update(result="chưa đạt", movement_rating="trung bình")
        store.add("safety_evaluation", values)
    store.add("safety_evaluation", {"subject_kind": "residential", "unit_id": commune.village,
                                    "year": "2026", "households_percent": "100",
                                    "result": "đạt", "movement_rating": "khá"})
    store.add("camera", {"owner_name": "Hộ ông Páo", "unit_id": commune.village,
                         "camera_count": "3", "connected": "có", "consent": "có"})
    return str(find_unit(store.conn, C)["id"])


def test_figures_of_biểu_3_to_5(commune, results):
    data = report_data(commune.store.conn, results, periods.parse("2026"))
    json.dumps(data, ensure_ascii=False)  # `antq report --json` prints it whole
    b3 = data["bieu3"]["current"]
    assert (b3["received"], b3["valuable"], b3["transferred"], b3["in_time"], b3["solved"],
            b3["serious"], b3["arrested"]) == (3, 3, 3, 3, 2, 1, 3)
    rows = {r["key"]: r for r in data["bieu4"]["rows"]}
    assert (rows["social_cases"]["current"], rows["social_cases"]["previous"]) == (31, 40)
    assert rows["social_cases"]["change_text"] == "giảm 22,5%"
    assert rows["drug_users"]["change_text"] == "tăng 3 người"
    assert rows["drug_users"]["percent_text"] == "—"
    assert rows["social_serious"]["change_text"] == "không đổi"
    b5 = {r["kind"]: r for r in data["bieu5"]["rows"]}
    assert data["bieu5"]["year"] == 2026
    assert (b5["school"]["total"], b5["school"]["passed"], b5["school"]["percent_text"]) == \
        (5, 4, "80%")  # the kindergarten is exempt (TT 124 Điều 2)
    assert (b5["school"]["excellent"], b5["school"]["good"], b5["school"]["average"]) == (1, 3, 1)
    assert (b5["residential"]["total"], b5["residential"]["passed"]) == (2, 1)
    assert data["bieu5"]["establishments"]["good_or_better_text"] == "80%"
    assert (data["cameras"]["systems"], data["cameras"]["cameras"]) == (1, 3)
    # Counts only: nothing of a tip's text or source code.
    text = json.dumps(data, ensure_ascii=False)
    assert INFORMANT_WORD not in text and "NT-2026" not in text


def test_biểu_3_to_5_printed_in_order_with_fonts_embedded(commune, results, tmp_path):
    pdf = render_report(commune.store.conn, results, periods.parse("2026"),
                        today=dt.date(2026, 12, 1))
    flat = " ".join(" ".join(pdf_text(pdf)).split())
    at = [flat.index(f"Biểu {n} {title}") for n, title in (
        (2, "Mô hình"), (3, "Nguồn tin, tố giác tội phạm từ quần chúng"),
        (4, "Tình hình tội phạm, vi phạm"),
        (5, "Kết quả xây dựng «An toàn về an ninh, trật tự»"), (6, "Người tốt, việc tốt"))]
    assert at == sorted(at)
    for words in ("giảm 22,5%", "tăng 3 người", "Tội phạm về trật tự xã hội",
                  "Cơ sở giáo dục", "80%", "Cộng cơ quan, doanh nghiệp, cơ sở giáo dục",
                  "Năm đánh giá 2026"):
        assert words in flat, words
    assert INFORMANT_WORD not in flat and "NT-2026" not in flat
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-4] == "yes" for line in fonts), fonts


def test_report_json_from_the_command_line(commune, results, db_path, capsys):
    capsys.readouterr()
    assert main(["report", "--unit", C, "--period", "2026", "--json", "--db",
                 str(db_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bieu4"]["rows"][0]["change_text"] == "giảm 22,5%"
    assert data["bieu5"]["rows"][4]["percent_text"] == "80%"
