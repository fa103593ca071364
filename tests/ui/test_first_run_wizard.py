"""Finding 2 of issue 14: the first-run wizard by clicks and key events only — the commune
found by typing "muong cha" without accents, nothing chosen for the officer, *Tiếp* only once
a unit is chosen, the choice repeated on the last page, and every way through finishable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWizard
from uikit import SCREENSHOTS, type_text

from desktop.storage import accounts, db, demo, keyfile, site
from desktop.ui.shell import first_run
from desktop.ui.shell.app import make_application

NEXT, FINISH = QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton


@pytest.fixture
def wizard(qapp, fresh_db, qtbot):
    make_application()
    conn = db.open_database(fresh_db)
    w = first_run.FirstRunWizard(conn, fresh_db)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    conn.close()


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_radio(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    assert button.isChecked()


def shown(unit_page) -> list[str]:
    lst = unit_page.list
    return [lst.item(r).text() for r in range(lst.count()) if not lst.item(r).isHidden()]


def click_row(qtbot, unit_page, label: str) -> None:
    lst = unit_page.list
    item = next(lst.item(r) for r in range(lst.count()) if lst.item(r).text() == label)
    lst.scrollToItem(item)
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton,
                     pos=lst.visualItemRect(item).center())


def test_a_commune_found_by_typing_without_accents(wizard, qtbot, fresh_db):
    next_button, finish = wizard.button(NEXT), wizard.button(FINISH)
    assert next_button.text() == "&Tiếp >"
    click_radio(qtbot, wizard.kind_page.buttons[first_run.COMMUNE])
    click(qtbot, next_button)
    unit = wizard.unit_page
    assert wizard.currentPage() is unit
    # Nothing is chosen for the officer: Tiếp waits.
    assert unit.selected_item() is None and not next_button.isEnabled()
    assert len(shown(unit)) > 3000
    unit.search.setFocus()
    type_text(unit.search, "muong cha")
    found = shown(unit)
    assert "Xã Mường Chà — Tỉnh Điện Biên" in found
    assert all("Mường Ch" in f for f in found), found
    assert not next_button.isEnabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wizard.grab().save(str(SCREENSHOTS / "wizard_unit_typed.png"))
    click_row(qtbot, unit, "Xã Mường Chà — Tỉnh Điện Biên")
    assert next_button.isEnabled()
    assert unit.chosen.text() == "Đã chọn: Xã Mường Chà — Tỉnh Điện Biên"
    assert unit.name.text() == "Công an xã Mường Chà"
    wizard.grab().save(str(SCREENSHOTS / "wizard_unit_chosen.png"))
    click(qtbot, next_button)
    pw = wizard.password_page
    assert not next_button.isVisible()  # the last page: Hoàn tất, no Tiếp
    # The last page says what was chosen.
    assert "Đơn vị: Xã Mường Chà — Tỉnh Điện Biên" in pw.summary.text()
    assert "Công an xã Mường Chà" in pw.summary.text()
    assert not finish.isEnabled()
    pw.password.setFocus()
    type_text(pw.password, "mật khẩu xã")
    type_text(pw.repeat, "mật khẩu xa")
    assert "không khớp" in pw.message.text() and not finish.isEnabled()
    qtbot.keyClick(pw.repeat, Qt.Key.Key_Backspace)
    type_text(pw.repeat, "ã")
    assert finish.isEnabled()
    wizard.grab().save(str(SCREENSHOTS / "wizard_last_page.png"))
    click(qtbot, finish)
    assert wizard.result() == QWizard.DialogCode.Accepted
    s = site.load_site(wizard.conn)
    code = wizard.conn.execute("SELECT code FROM unit WHERE name = 'Xã Mường Chà' AND "
                               "level = 'commune' AND valid_to IS NULL").fetchone()[0]
    assert (s.site_kind, s.unit_code, s.name) == ("commune", code, "Công an xã Mường Chà")
    assert [(a.name, a.role) for a in accounts.list_accounts(wizard.conn)] == [("admin", "chief")]
    assert keyfile.unlock(fresh_db, "admin", "mật khẩu xã") == db.known_key(fresh_db)


def test_the_choice_goes_when_the_search_no_longer_shows_it(wizard, qtbot):
    click(qtbot, wizard.button(NEXT))
    unit = wizard.unit_page
    type_text(unit.search, "muong cha")
    click_row(qtbot, unit, "Xã Mường Chà — Tỉnh Điện Biên")
    assert wizard.button(NEXT).isEnabled()
    type_text(unit.search, "zz")
    assert shown(unit) == [] and unit.empty.isVisible()
    assert "Không có đơn vị nào khớp «muong chazz»" in unit.empty.text()
    assert unit.selected_item() is None and not wizard.button(NEXT).isEnabled()
    assert unit.name.text() == ""


def test_the_province_found_by_typing(wizard, qtbot):
    click_radio(qtbot, wizard.kind_page.buttons[first_run.PROVINCE])
    click(qtbot, wizard.button(NEXT))
    unit = wizard.unit_page
    assert not wizard.button(NEXT).isEnabled()
    type_text(unit.search, "dien bien")
    assert shown(unit) == ["Tỉnh Điện Biên"]
    click_row(qtbot, unit, "Tỉnh Điện Biên")
    assert unit.name.text() == "Công an tỉnh Điện Biên"
    click(qtbot, wizard.button(NEXT))
    assert "Đơn vị: Tỉnh Điện Biên" in wizard.password_page.summary.text()
    type_text(wizard.password_page.password, "12345678")
    type_text(wizard.password_page.repeat, "12345678")
    click(qtbot, wizard.button(FINISH))
    s = site.load_site(wizard.conn)
    assert (s.site_kind, s.unit_code, s.name) == ("province", "11", "Công an tỉnh Điện Biên")


def test_try_with_demo_data_is_finished_by_clicking(wizard, qtbot, tmp_path, monkeypatch,
                                                    dump):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    real = demo.create_demo_database
    monkeypatch.setattr(demo, "create_demo_database",
                        lambda path: real(path, communes=1, people_per_village=3))
    before = dump(wizard.conn)
    click_radio(qtbot, wizard.kind_page.buttons[first_run.DEMO])
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is wizard.demo_page
    assert "«admin», mật khẩu «dulieumau»" in wizard.demo_page.text.text()
    finish = wizard.button(FINISH)
    assert finish.text() == "&Hoàn tất"
    wizard.grab().save(str(SCREENSHOTS / "wizard_demo.png"))
    click(qtbot, finish)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.result_path == tmp_path / "data" / "demo.db"
    assert wizard.result_path.exists()
    assert dump(wizard.conn) == before  # the real database stays unconfigured


def test_going_back_to_another_kind_reloads_the_list(wizard, qtbot):
    click(qtbot, wizard.button(NEXT))
    type_text(wizard.unit_page.search, "muong cha")
    click_row(qtbot, wizard.unit_page, "Xã Mường Chà — Tỉnh Điện Biên")
    click(qtbot, wizard.button(QWizard.WizardButton.BackButton))
    click_radio(qtbot, wizard.kind_page.buttons[first_run.PROVINCE])
    click(qtbot, wizard.button(NEXT))
    unit = wizard.unit_page
    assert unit.search.text() == "" and len(shown(unit)) == 34
    assert unit.selected_item() is None and not wizard.button(NEXT).isEnabled()


def test_enter_in_the_search_goes_to_the_list_and_chooses_nothing(wizard, qtbot):
    click(qtbot, wizard.button(NEXT))
    unit = wizard.unit_page
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=2000)
    unit.search.setFocus()
    type_text(unit.search, "muong cha")
    qtbot.keyClick(unit.search, Qt.Key.Key_Return)
    assert wizard.currentPage() is unit  # not carried on with the first match
    assert unit.list.hasFocus()
    assert unit.list.currentItem().text() == "Xã Mường Chà — Tỉnh Điện Biên"
    assert unit.selected_item() is None and not wizard.button(NEXT).isEnabled()
    qtbot.keyClick(unit.list, Qt.Key.Key_Space)  # the officer picks the highlighted one
    assert unit.chosen.text() == "Đã chọn: Xã Mường Chà — Tỉnh Điện Biên"
    assert wizard.button(NEXT).isEnabled()
