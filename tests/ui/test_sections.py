"""The pages in sections (issue 14, desktop/ui/shell/sections.py): at 1024×768 and at
1280×800 every page's tab — its section's, then its own — is in view without scrolling and a
click on it shows that page; the province sees Các xã, a commune does not (nor in Xem); a
section opens on the page last seen in it; Ctrl+1…9 still reach their pages across sections."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from uikit import SCREENSHOTS, close_window, commune_window, open_window, tab_in_view

LEFT = Qt.MouseButton.LeftButton
SIZES = [(1024, 768), (1280, 800)]


@pytest.fixture
def province(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 10), tmp_path)
    yield w
    close_window(w)


@pytest.fixture
def commune(qapp, master_db, tmp_path):
    w = commune_window(master_db, tmp_path)
    yield w
    close_window(w)


def visible_pages(window) -> list[int]:
    return [i for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)]


def check_every_page_by_clicks(qtbot, window, size, shots: str | None = None) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=3000)
    QApplication.processEvents()
    names = [n for n, _label in window.PAGES]
    for i in visible_pages(window):
        for bar, tab in window.tabs.clicks_to(i):
            assert tab_in_view(bar, tab), (size, names[i], bar.tabText(tab))
            qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(tab).center())
        assert window.tabs.currentIndex() == i, (size, names[i])
        assert window.tabs.currentWidget() is window.slots[i]
        page = window.page(names[i])
        assert page.parent() is window.slots[i]
        qtbot.waitUntil(page.isVisible, timeout=3000)
        clicks = window.tabs.clicks_to(i)
        if shots and (len(clicks) == 1 or clicks[-1][1] == 0):  # a section, on its first page
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(SCREENSHOTS / f"{shots}_{size[0]}_{names[i]}.png"))


@pytest.mark.parametrize("size", SIZES)
def test_every_page_of_the_province_is_in_view_and_a_click_away(qtbot, province, size):
    names = [province.PAGES[i][0] for i in visible_pages(province)]
    assert "communes" in names and len(names) == len(province.PAGES)
    check_every_page_by_clicks(qtbot, province, size, shots="sections_province")


@pytest.mark.parametrize("size", SIZES)
def test_every_page_of_a_commune_is_in_view_and_it_has_no_communes_page(qtbot, commune, size):
    names = [commune.PAGES[i][0] for i in visible_pages(commune)]
    assert "communes" not in names and len(names) == len(commune.PAGES) - 1
    sections = commune.tabs.section_tabs
    shown = [sections.tabText(s) for s in range(sections.count()) if sections.isTabVisible(s)]
    assert shown == ["Trang chủ", "Tổ chức và con người", "Phong trào", "Nguồn tin",
                     "Quản trị"]
    assert not commune.page_actions["communes"].isVisible()  # nor in Xem
    check_every_page_by_clicks(qtbot, commune, size)


def test_a_section_opens_on_the_page_last_seen_in_it(qtbot, province):
    names = [n for n, _label in province.PAGES]
    province.resize(1024, 768)
    (admin_bar, admin), (pages_bar, audit) = province.tabs.clicks_to(names.index("audit"))
    qtbot.mouseClick(admin_bar, LEFT, pos=admin_bar.tabRect(admin).center())
    qtbot.mouseClick(pages_bar, LEFT, pos=pages_bar.tabRect(audit).center())
    [(bar, home)] = province.tabs.clicks_to(names.index("home"))
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(home).center())
    assert province.tabs.currentIndex() == names.index("home")
    qtbot.mouseClick(admin_bar, LEFT, pos=admin_bar.tabRect(admin).center())  # one click
    assert province.tabs.currentIndex() == names.index("audit")
    qtbot.waitUntil(province.audit.isVisible, timeout=3000)


def test_the_view_menu_keys_reach_pages_in_other_sections(qtbot, province):
    names = [n for n, _label in province.PAGES]
    for key, name in ((Qt.Key.Key_5, "meetings"), (Qt.Key.Key_8, "tips"),
                      (Qt.Key.Key_1, "home"), (Qt.Key.Key_9, "cameras")):
        # The shortcuts are the window's: it must be the active one (offscreen, a page's
        # combo box making its popup leaves no window active).
        province.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is province, timeout=3000)
        qtbot.keyClick(province, key, Qt.KeyboardModifier.ControlModifier)
        assert province.tabs.currentIndex() == names.index(name), name
        qtbot.waitUntil(province.page(name).isVisible, timeout=3000)
    view = next(m.menu() for m in province.menuBar().actions() if m.text() == "&Xem")
    labels = [a.text() for a in view.actions() if not a.isSeparator()]
    assert set(province.page_actions) == set(names)  # every page in Xem
    assert labels.index("Biên bản họp") < labels.index("Mô hình") < labels.index("Nguồn tin")


def test_a_commune_opened_on_the_remembered_communes_page_shows_another(qtbot, master_db,
                                                                          tmp_path):
    """The page is remembered per user, not per database: the province's Các xã, last seen,
    cannot be where a commune's window opens."""
    QSettings().setValue("main/page", "communes")
    w = commune_window(master_db, tmp_path)
    try:
        names = [n for n, _label in w.PAGES]
        current = w.tabs.currentIndex()
        assert current >= 0 and names[current] != "communes" and w.tabs.isTabVisible(current)
        sections = w.tabs.section_tabs
        assert sections.isTabVisible(sections.currentIndex())
        qtbot.waitUntil(w.page(names[current]).isVisible, timeout=3000)
    finally:
        close_window(w)


def test_a_sections_tab_says_which_pages_it_holds(province):
    sections = province.tabs.section_tabs
    tips = {sections.tabText(s): sections.tabToolTip(s) for s in range(sections.count())}
    assert tips["Tổ chức và con người"] == "Người, Tổ chức, Địa bàn, Biên bản họp"
    assert tips["Quản trị"] == "Danh mục, Trùng lặp, Đã xóa gần đây, Nhật ký"


def test_a_large_font_shortens_the_labels_but_hides_no_tab(qtbot, qapp, demo_factory, tmp_path,
                                                          monkeypatch):
    """An officer with a large font (or a narrower window): every tab still in view and a click
    away, each shortened label whole on hover."""
    from desktop.ui.shell import app

    font = qapp.font()
    monkeypatch.setattr(app, "UI_FONT_SIZE", 14)  # the program's own 10 points, larger
    w = open_window(demo_factory(1, 10), tmp_path)
    assert w.font().pointSize() == 14
    try:
        check_every_page_by_clicks(qtbot, w, (1024, 768))
        names = [n for n, _label in w.PAGES]
        bar, tab = w.tabs.clicks_to(names.index("deeds"))[-1]
        assert bar.tabToolTip(tab) == "Người tốt, việc tốt"
        w.grab().save(str(SCREENSHOTS / "sections_large_font_1024.png"))
    finally:
        close_window(w)
        qapp.setFont(font)


def test_the_people_tab_reads_people_in_english_not_the_record_kind(tmp_path):
    """QA (issue 14): in English the Người tab read "Person", the record kind's word; the tab
    has its own ("People"), the kind keeps "Person". In a process of its own: the labels are
    translated when the window's module is imported."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desktop.domain.kinds import KINDS\n"
        "from desktop.ui.shell.main_window import MainWindow\n"
        "from desktop.ui.shell.sections import SectionedPages\n"
        "tabs = SectionedPages(MainWindow.PAGES, MainWindow.SECTIONS)\n"
        "i = [n for n, _l in MainWindow.PAGES].index('people')\n"
        "_s, inner, j = tabs._place[i]\n"
        "print(json.dumps([inner.tabText(j), tabs.section_tabs.tabToolTip(_s),"
        " KINDS['person'].label]))\n")
    env = {**os.environ, "ANTQ_LANG": "en", "QT_QPA_PLATFORM": "offscreen",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip().splitlines()[-1]
    tab, section_tip, kind = json.loads(out)
    assert tab == "People" and kind == "Person"
    assert section_tip.startswith("People, ")
