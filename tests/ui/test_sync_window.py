"""The Sync menu from the window: a commune writes a bundle to a "stick" folder, the
province imports it, and both see the same record (the functions the menu calls, with their
arguments given; test_sync_clicks.py goes through the menus and buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import copy_database
from uikit import close_window, enrol_with_a_person

from desktop.storage import db, site
from desktop.ui.shell.app import build_window, make_application


@pytest.fixture
def two_sites(master_db: Path, tmp_path: Path):
    paths = {}
    for name, kw in (("province", {"province_code": "11"}),
                     ("commune", {"commune_code": "03160"})):
        path = tmp_path / name / "antq.db"
        path.parent.mkdir()
        copy_database(master_db, path)
        conn = db.open_database(path)
        site.init_site(conn, name=f"Công an {name}", **kw)
        conn.close()
        paths[name] = path
    enrol_with_a_person(paths["province"], paths["commune"], tmp_path)
    return paths


def open_window(path: Path):
    make_application()
    w = build_window(path)
    w.show()
    return w


def test_export_to_a_stick_and_import_at_the_province(qtbot, two_sites, tmp_path):
    stick = tmp_path / "usb"
    stick.mkdir()
    commune = open_window(two_sites["commune"])
    commune.sync.export_to_usb(folder=str(stick), for_sites=[])  # asks nothing
    qtbot.waitUntil(lambda: commune.sync.last_dialog is not None, timeout=10000)
    written = commune.sync.last_dialog.listing.item(0).text()
    assert "Công an province" in written
    close_window(commune)
    bundles = list(stick.glob("*.vsb"))
    assert len(bundles) == 1

    province = open_window(two_sites["province"])
    province.sync.import_from_usb(paths=[str(bundles[0])], confirm=False)
    qtbot.waitUntil(lambda: province.sync.last_dialog is not None
                    and province.sync.last_dialog.windowTitle() == "Kết quả nhập",
                    timeout=10000)
    assert "Vàng A Dơ" in [province.people.model.index(r, 0).data()
                           for r in range(province.people.model.rowCount())]
    sites = province.sync.show_sites()
    assert "Công an commune" in sites.sites.item(0).text()
    province.sync.show_conflicts()
    assert province.sync.last_dialog.info.text().startswith("0 ")
    close_window(province)
