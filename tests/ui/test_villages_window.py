"""Finding 1 of issue 14: a new commune makes its villages in the window — right-click in
the tree, the Địa bàn page — adds, renames (the old name kept), merges (residents and
organizations follow), and the tree, the pickers and the prints show it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from uikit import SCREENSHOTS, click_page, close_window, open_window, type_text

from desktop.domain.kinds import KINDS
from desktop.reports.roster import roster_data
from desktop.storage import db, records, rosters, site, villages
from desktop.ui.places import areas_page
from desktop.ui.shell.navigation import ID_ROLE, KIND_ROLE

MUONG_NHE = "03160"


@pytest.fixture
def new_commune(master_db: Path, tmp_path: Path) -> Path:
    """A commune just set up by the first-run wizard: no village yet."""
    path = tmp_path / "commune.db"
    from dbkit import copy_database

    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=MUONG_NHE)
    conn.close()
    return path


@pytest.fixture
def window(qapp, new_commune, tmp_path):
    w = open_window(new_commune, tmp_path)
    yield w
    close_window(w)


def when_popup(then) -> None:
    """Call ``then(menu)`` once a popup menu is up (QMenu.exec does not return before)."""

    def look() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu) and menu.isVisible():
            then(menu)
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)


def click_item(qtbot, menu: QMenu, starts: str) -> None:
    action = next(a for a in menu.actions() if a.text().startswith(starts))
    assert action.isEnabled()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def tree_children(window, parent) -> list[str]:
    model = window.nav_model
    window.tree.expand(parent)
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def tree_item(window, text: str):
    """The tree item showing ``text`` under the commune."""
    commune = commune_index(window)
    window.tree.expand(commune)
    model = window.nav_model
    for r in range(model.rowCount(commune)):
        index = model.index(r, 0, commune)
        if index.data() == text:
            return index
    raise AssertionError(f"{text} not in {tree_children(window, commune)}")


def commune_index(window):
    model = window.nav_model
    root = model.index(0, 0)
    window.tree.expand(root)
    for r in range(model.rowCount(root)):
        index = model.index(r, 0, root)
        if index.data() == "Xã Mường Nhé":
            return index
    raise AssertionError("no commune in the tree")


def right_click(widget, pos) -> None:
    """A right-click as the widget receives it: the context-menu event Qt makes from the
    mouse (QTest's clicks go to the widget itself, from which Qt makes none)."""
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, event)


def right_click_tree(qtbot, window, index, item: str) -> None:
    window.tree.scrollTo(index)
    when_popup(lambda menu: click_item(qtbot, menu, item))
    right_click(window.tree.viewport(), window.tree.visualRect(index).center())


def dialog_up(qtbot, window, kind):
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind), timeout=3000)
    return QApplication.activeModalWidget()


def clear_and_type(qtbot, edit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


def test_a_new_commune_makes_renames_and_merges_its_villages(window, qtbot):
    conn = window.conn
    commune = commune_index(window)
    assert tree_children(window, commune) == []

    # Right-click the commune: add three villages, one a line.
    right_click_tree(qtbot, window, commune, "Thêm thôn, bản")
    add = dialog_up(qtbot, window, areas_page.AddVillagesDialog)
    add.names.setFocus()
    for i, name in enumerate(("Bản Huổi Lếch", "Bản Na Pheo", "Bản Nà Sự")):
        if i:
            qtbot.keyClick(add.names, Qt.Key.Key_Return)
        type_text(add.names, name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    add.grab().save(str(SCREENSHOTS / "village_add.png"))
    qtbot.mouseClick(add.save_button, Qt.MouseButton.LeftButton)
    assert not add.isVisible(), add.message.text()
    assert tree_children(window, commune_index(window)) == [
        "Bản Huổi Lếch", "Bản Na Pheo", "Bản Nà Sự"]
    assert window.statusBar().currentMessage().startswith("Đã thêm 3 thôn, bản")

    # The person editor's Nơi cư trú now offers them.
    window.tree.setCurrentIndex(tree_item(window, "Bản Huổi Lếch"))
    click_page(qtbot, window, "people")
    person_dialog = window.people.add()
    residence = person_dialog.editors["residence_unit_id"].widget
    offered = [residence.itemText(i) for i in range(residence.count())]
    assert "Bản Na Pheo (Xã Mường Nhé)" in offered
    person_dialog.reject()

    huoi, pheo, su = (villages.find(conn, None, v.id).id
                      for v in villages.villages(conn, villages.find_commune(conn, MUONG_NHE)))
    store = window.store
    dơ = store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": huoi}).id
    mai = store.add("person", {"full_name": "Lò Thị Mai", "residence_unit_id": pheo}).id
    org = store.add("organization", {"name": "Tổ bảo vệ ANTT bản Na Pheo",
                                     "org_type": "to_bao_ve_antt", "unit_id": pheo}).id
    for pid in (dơ, mai):
        store.add("membership", {"person_id": pid, "organization_id": org, "role": "to_vien"})
    window.reload_tree()

    # Right-click a village: rename it from today; the old name is kept.
    right_click_tree(qtbot, window, tree_item(window, "Bản Huổi Lếch"), "Đổi tên")
    rename = dialog_up(qtbot, window, areas_page.RenameVillageDialog)
    clear_and_type(qtbot, rename.name, "Bản Huổi Lếch 1")
    rename.grab().save(str(SCREENSHOTS / "village_rename.png"))
    qtbot.mouseClick(rename.save_button, Qt.MouseButton.LeftButton)
    assert not rename.isVisible(), rename.message.text()
    assert tree_children(window, commune_index(window)) == [
        "Bản Huổi Lếch 1", "Bản Na Pheo", "Bản Nà Sự"]
    new_huoi = records.get(conn, KINDS["person"], dơ)["residence_unit_id"]
    assert new_huoi != huoi
    assert records.get(conn, KINDS["unit"], huoi)["successor_id"] == new_huoi
    assert window.tree.currentIndex().data(ID_ROLE) == new_huoi  # the renamed one selected

    # On the Địa bàn page: merge Bản Na Pheo into Bản Huổi Lếch 1.
    page = click_page(qtbot, window, "areas")
    window.tree.setCurrentIndex(tree_item(window, "Bản Na Pheo"))
    assert page.heading.text() == "Thôn, bản, tổ dân phố của Xã Mường Nhé"
    assert page.current_village().name == "Bản Na Pheo"
    qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
    merge = dialog_up(qtbot, window, areas_page.MergeVillageDialog)
    assert not merge.save_button.isEnabled()  # nothing chosen for the officer
    merge.target.setFocus()
    qtbot.keyClick(merge.target, Qt.Key.Key_Down)
    assert merge.target.currentText() == "Bản Huổi Lếch 1"
    assert "1 người cư trú và 1 tổ chức" in merge.note.text()
    merge.grab().save(str(SCREENSHOTS / "village_merge.png"))
    qtbot.mouseClick(merge.save_button, Qt.MouseButton.LeftButton)
    assert not merge.isVisible(), merge.message.text()

    # Residents and the organization moved; the tree, the page and the roster say so.
    assert records.get(conn, KINDS["person"], mai)["residence_unit_id"] == new_huoi
    assert records.get(conn, KINDS["organization"], org)["unit_id"] == new_huoi
    assert tree_children(window, commune_index(window)) == ["Bản Huổi Lếch 1", "Bản Nà Sự"]
    under = tree_item(window, "Bản Huổi Lếch 1")
    assert tree_children(window, under) == ["Tổ bảo vệ ANTT bản Na Pheo (2)"]
    roster = roster_data(conn, rosters.Scope("organization", org))
    assert {row["residence"] for row in roster.groups[0][1]} == {"Bản Huổi Lếch 1"}
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(page.isVisible, timeout=2000)  # a page added to its tab shows queued
    assert [page.model.index(r, 0).data() for r in range(page.model.rowCount())] == [
        "Bản Huổi Lếch 1", "Bản Nà Sự"]
    qtbot.waitUntil(lambda: page.model.index(0, 3).data() == "2")  # two residents now
    qtbot.mouseClick(page.show_old, Qt.MouseButton.LeftButton,
                     pos=QPoint(10, page.show_old.height() // 2))
    assert page.show_old.isChecked()
    shown = {page.model.index(r, 0).data(): page.model.index(r, 7).data()
             for r in range(page.model.rowCount())}
    assert shown["Bản Huổi Lếch"] == "Bản Huổi Lếch 1"
    assert shown["Bản Na Pheo"] == "Bản Huổi Lếch 1"
    window.grab().save(str(SCREENSHOTS / "areas_page.png"))

    # One Ctrl+Z takes the whole merge back, tree included.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert records.get(conn, KINDS["person"], mai)["residence_unit_id"] == pheo
    assert tree_children(window, commune_index(window)) == [
        "Bản Huổi Lếch 1", "Bản Na Pheo", "Bản Nà Sự"]


def test_retiring_a_village_with_people_says_to_merge(window, qtbot):
    commune = villages.find_commune(window.conn, MUONG_NHE)
    villages.add(window.store, commune, ["Bản Huổi Lếch", "Bản Cũ"])
    old = villages.find(window.conn, commune, "ban cu").id
    window.store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": old})
    window.reload_tree()
    right_click_tree(qtbot, window, tree_item(window, "Bản Cũ"), "Thôi sử dụng")
    retire = dialog_up(qtbot, window, areas_page.RetireVillageDialog)
    assert "hãy sáp nhập" in retire.message.text()
    qtbot.mouseClick(retire.save_button, Qt.MouseButton.LeftButton)
    assert retire.isVisible() and "còn 1 người cư trú" in retire.message.text()
    qtbot.mouseClick(retire.buttons.button(retire.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert tree_children(window, commune_index(window)) == ["Bản Cũ", "Bản Huổi Lếch"]


def test_a_province_right_click_offers_nothing_for_the_province(window, qtbot):
    root = window.nav_model.index(0, 0)
    assert root.data(KIND_ROLE) == "unit"
    assert areas_page.tree_menu(window, window.tree.visualRect(root).center()) is None


def test_an_account_that_may_not_write_is_told_before_any_form(window, qtbot):
    from desktop.storage import accounts

    accounts.bind(window.conn, accounts.Account("xem", "viewer", None, False))
    page = click_page(qtbot, window, "areas")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert QApplication.activeModalWidget() is None
    assert "không được sửa dữ liệu" in window.statusBar().currentMessage()


def test_the_areas_page_has_its_key_and_no_page_a_broken_one(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Xem")
    view = {a.text(): a for a in menu.actions()}
    assert view["Địa bàn"].shortcut().toString() == "Ctrl+4"
    for text, action in view.items():
        for key in action.shortcuts():
            assert key.toString(), text  # "Ctrl+10" would be a key no one can press


def test_areas_page_shows_its_villages_at_once_and_counts_residents_off_the_ui_thread(
        window, qtbot, monkeypatch):
    """The residents' counts read every resident's index entry (130-180 ms of the window's
    thread at 300,000 people): the villages are shown at once with "…", the counts come from
    a worker; a dialog opened before they come says the village's own count."""
    conn, store = window.conn, window.store
    commune = villages.find_commune(conn, MUONG_NHE)
    huoi, pheo = villages.add(store, commune, ["Bản Huổi Lếch", "Bản Na Pheo"])
    for name in ("Vàng A Dơ", "Lò Thị Mai", "Giàng A Páo"):
        store.add("person", {"full_name": name, "residence_unit_id": huoi})
    window.reload_tree()
    counted_on: list[int] = []
    let_go = threading.Event()
    real = villages.residents

    def held(reader, ids):
        counted_on.append(threading.get_ident())
        if threading.get_ident() != threading.main_thread().ident:
            let_go.wait(10)  # the worker held: the page as it is before the counts come
        return real(reader, ids)

    monkeypatch.setattr(villages, "residents", held)
    window.tree.setCurrentIndex(commune_index(window))
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(page.isVisible, timeout=2000)
    shown = [[page.model.index(r, c).data() for c in (0, 3)]
             for r in range(page.model.rowCount())]
    assert shown == [["Bản Huổi Lếch", "…"], ["Bản Na Pheo", "…"]]
    page.table.setFocus()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.table.visualRect(page.model.index(0, 0)).center())
    qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
    merge = dialog_up(qtbot, window, areas_page.MergeVillageDialog)
    assert merge.note.text().startswith("3 người cư trú và 0 tổ chức của «Bản Huổi Lếch»")
    merge.reject()
    let_go.set()
    qtbot.waitUntil(lambda: [page.model.index(r, 3).data() for r in range(2)] == ["3", "0"])
    assert any(t != threading.main_thread().ident for t in counted_on)
    assert page.current_village().residents == 3


def test_the_villages_columns_fit_the_rows_on_screen_not_a_name_far_below(window, qtbot):
    """As the record lists': 630 villages at the province, and Qt measured each (up to
    1,000) at every opening and every place chosen."""
    commune = villages.find_commune(window.conn, MUONG_NHE)
    far = "Xóm Ý Tý ở cuối danh sách, tên rất dài của một tổ dân phố"
    villages.add(window.store, commune, [f"Bản Nậm {i:02d}" for i in range(60)] + [far])
    window.reload_tree()
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(lambda: page.table.isVisible() and page.model.rowCount() > 60,
                    timeout=3000)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == far)
    assert row > page.table.rowAt(page.table.viewport().height() - 1) >= 0  # below the screen
    assert page.table.columnWidth(0) < page.table.fontMetrics().horizontalAdvance(far)


def test_the_villages_texts_are_made_for_the_rows_painted_not_every_village(
        window, qtbot, monkeypatch):
    """630 villages at the province were 5,040 cells made on the UI thread at every opening
    of «Địa bàn» and every place chosen: a village's texts are now made when its row is
    painted, the rows below the screen not at all, and they read as before; old names,
    shown on request, in grey with their tip."""
    commune = villages.find_commune(window.conn, MUONG_NHE)
    villages.add(window.store, commune, [f"Bản Nậm {i:02d}" for i in range(80)])
    window.reload_tree()
    counted: list[int] = []
    real = areas_page.format_count
    monkeypatch.setattr(areas_page, "format_count", lambda n: counted.append(n) or real(n))
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(lambda: page.table.isVisible() and page.model.rowCount() >= 80,
                    timeout=3000)
    qtbot.waitUntil(lambda: page.model.index(0, 3).data() != "…", timeout=3000)  # counted
    QApplication.processEvents()
    on_screen = page.table.rowAt(page.table.viewport().height() - 1) + 1
    assert 0 < on_screen < 60
    assert len(counted) <= 4 * on_screen  # organizations, residents (twice: "…", counted)
    names = [page.model.index(r, 0).data() for r in range(page.model.rowCount())]
    assert [n for n in names if n.startswith("Bản Nậm ")] == [f"Bản Nậm {i:02d}"
                                                               for i in range(80)]
    assert page.model.index(0, 4).data() == "0"
    assert page.model.index(0, 3).data(Qt.ItemDataRole.TextAlignmentRole) == \
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    # An old name: grey, with its tip, once old names are shown by a click.
    gone = next(v for v in page.rows if v.name == "Bản Nậm 00")
    villages.retire(window.store, gone.id)
    qtbot.mouseClick(page.show_old, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, page.show_old.height() // 2))
    assert page.show_old.isChecked()
    row = next(r for r, v in enumerate(page.rows) if v.id == gone.id)
    assert not page.rows[row].current
    cell = page.model.index(row, 0)
    assert cell.data() == "Bản Nậm 00"
    assert cell.data(Qt.ItemDataRole.ForegroundRole).color() == areas_page.RETIRED_COLOUR
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "Tên cũ, không còn dùng"
    current = next(r for r, v in enumerate(page.rows) if v.current)
    assert page.model.index(current, 0).data(Qt.ItemDataRole.ForegroundRole) is None


def test_residents_counted_while_the_page_is_hidden_fit_the_rows_on_screen(window, qtbot,
                                                                          monkeypatch):
    """The residents' column is sized to the counts on screen, as the other columns are,
    also when they come while the page is not shown (the officer went on to another tab, or
    the page's first opening, not laid out yet): Qt measured every village then (630 at
    the province: 19-23 ms of the UI thread when the counts came)."""
    commune = villages.find_commune(window.conn, MUONG_NHE)
    ids = villages.add(window.store, commune, [f"Bản Nậm {i:02d}" for i in range(80)])
    window.reload_tree()
    far, many = ids[-1], 10 ** 15  # «Bản Nậm 79», last: far below the screen
    let_go = threading.Event()
    real = villages.residents

    def held(reader, asked):
        if threading.get_ident() != threading.main_thread().ident:
            let_go.wait(10)  # the counts come once the officer has gone on
        counts = real(reader, asked)
        if far in counts:
            counts[far] = many
        return counts

    monkeypatch.setattr(villages, "residents", held)
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(lambda: page.table.isVisible() and page.model.rowCount() >= 80,
                    timeout=3000)
    click_page(qtbot, window, "people")
    qtbot.waitUntil(lambda: not page.table.isVisible(), timeout=3000)
    let_go.set()
    qtbot.waitUntil(lambda: page.model.index(0, 3).data() == "0", timeout=5000)
    click_page(qtbot, window, "areas")
    qtbot.waitUntil(page.table.isVisible, timeout=3000)
    row = next(r for r, v in enumerate(page.rows) if v.id == far)
    assert page.model.index(row, 3).data() == areas_page.format_count(many)
    assert row > page.table.rowAt(page.table.viewport().height() - 1) >= 0  # below the screen
    wide = page.table.fontMetrics().horizontalAdvance(areas_page.format_count(many))
    assert wide > page.table.horizontalHeader().sectionSizeHint(3)  # (not the header's width)
    assert page.table.columnWidth(3) < wide
