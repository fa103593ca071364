"""Issue 14: a roster sheet made before a village was renamed or merged writes its old name;
the import places the person in the village that took over and says so in the preview."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import pdf_text  # noqa: F401 - the reports conftest (commune fixture)

from desktop.reports.roster_import import preview_roster
from desktop.storage import villages
from desktop.storage.writer import Store

TODAY = dt.date(2026, 12, 1)


def _sheet(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Năm sinh", "Thôn/Bản"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_an_old_village_name_means_its_successor(commune, tmp_path):
    conn = commune.store.conn
    store = Store(conn, today=TODAY)
    # Bản Nậm Pố is renamed Bản Nậm Pố Mới, which is then merged into Bản Huổi Lếch.
    moved = villages.rename(store, commune.village2, "Bản Nậm Pố Mới",
                            on=dt.date(2026, 7, 1))
    villages.merge(store, [moved.successor_id], commune.village, on=dt.date(2026, 10, 1))
    org = store.add("organization", {"name": "Tổ tự quản bản Huổi Lếch",
                                     "org_type": "to_tu_quan", "unit_id": commune.village}).id
    path = _sheet(tmp_path / "cu.xlsx", [
        [1, "Lò Văn Thắng", 1985, "Bản Nậm Pố"],  # the name before both changes
        [2, "Giàng Thị Mỷ", 1990, "nam po moi"],  # the name between them, typed bare
        [3, "Vàng A Sùng", 1979, "Huổi Lếch"],  # the current name: no note
        [4, "Lò Văn Sai", 1979, "Bản Không Có"],
    ])
    preview = preview_roster(conn, path, org, today=TODAY)
    rows = {r.name: r for r in preview.rows}
    for name in ("Lò Văn Thắng", "Giàng Thị Mỷ", "Vàng A Sùng"):
        assert rows[name].ok, rows[name].problems
        assert rows[name].person["residence_unit_id"] == commune.village
    assert rows["Lò Văn Thắng"].notes == ["Thôn/Bản: «Bản Nậm Pố» nay là Bản Huổi Lếch"]
    assert rows["Giàng Thị Mỷ"].notes == ["Thôn/Bản: «nam po moi» nay là Bản Huổi Lếch"]
    assert rows["Vàng A Sùng"].notes == []
    assert rows["Lò Văn Sai"].problems == ["Thôn/Bản: «Bản Không Có» không có trong xã Mường Nhé"]
