"""The Danh mục editor shows a catalogue item's attributes as labelled widgets of their type
(an age as a number, a rule as a box to tick, the roles as names to tick), not a JSON text;
a bad value is refused under its own label, by the same rule as ``antq edit catalogue``;
attributes the program does not know are kept. Through clicks and keys on the real widgets."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QStyleOptionButton,
)
from uikit import (
    SCREENSHOTS,
    choose_by_keys,
    click_page,
    close_window,
    open_window,
    type_text,
)

from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS
from desktop.storage import records
from desktop.storage.writer import Store
from desktop.ui.common.fields import ChecklistEditor
from desktop.ui.records.editors import CatalogueDialog

TO_BAO_VE = "Tổ bảo vệ an ninh, trật tự"


@pytest.fixture
def province(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 10), tmp_path)
    yield w
    close_window(w)


def attrs_of(conn, catalogue: str, code: str) -> dict:
    row = conn.execute("SELECT attrs FROM catalogue_item WHERE catalogue = ? AND code = ?",
                       (catalogue, code)).fetchone()
    return json.loads(row[0]) if row[0] else {}


def open_item(qtbot, window, catalogue: str, name: str) -> CatalogueDialog:
    """The Danh mục page, its catalogue chosen in the filter with the arrow keys, the item's
    row clicked, then Sửa."""
    page = click_page(qtbot, window, "catalogues")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=3000)
    combo = page.filters["catalogue"]
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    QApplication.activePopupWidget() and qtbot.keyClick(QApplication.activePopupWidget(),
                                                        Qt.Key.Key_Escape)
    choose_by_keys(qtbot, combo, catalogue)

    def row_of() -> int | None:
        for r in range(page.model.rowCount()):
            for c in range(page.model.columnCount()):
                if page.model.index(r, c).data() == name:
                    return r
        return None

    qtbot.waitUntil(lambda: row_of() is not None, timeout=5000)
    index = page.model.index(row_of(), 1)
    page.table.scrollTo(index)  # as the officer scrolls down to it
    rect = page.table.visualRect(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CatalogueDialog),
                    timeout=3000)
    dialog = QApplication.activeModalWidget()
    qtbot.wait(50)  # laid out
    return dialog


def labelled(dialog, label: str):
    """The widget the visible label ``label`` stands for."""
    found = [lb for lb in dialog.findChildren(QLabel) if lb.text() == label and lb.isVisible()]
    assert found, (label, sorted(lb.text() for lb in dialog.findChildren(QLabel)
                                 if lb.isVisible()))
    return found[0].buddy()


def retype(qtbot, edit: QLineEdit, text: str) -> None:
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    type_text(edit, text)


def tick(qtbot, box: QCheckBox) -> None:
    """A click on the box's square (a box without text is only its square wide)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    square = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=square.center())


def click_save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_the_rules_of_an_organization_type_are_fields_not_json(province, qtbot):
    conn = province.conn
    # A rule of a newer version (or of the province) the window knows nothing of.
    item_id = conn.execute("SELECT id FROM catalogue_item WHERE catalogue = 'org_type' AND "
                           "code = 'to_bao_ve_antt'").fetchone()[0]
    before = attrs_of(conn, "org_type", "to_bao_ve_antt")
    Store(conn).edit("catalogue", item_id, {"attrs": json.dumps(
        {**before, "quy_dinh_rieng": "Quyết định 12/QĐ-UBND"}, ensure_ascii=False)})
    dialog = open_item(qtbot, province, "org_type", TO_BAO_VE)
    texts = [lb.text() for lb in dialog.findChildren(QLabel) if lb.isVisible()]
    assert not any("JSON" in t for t in texts), texts
    assert not [w for w in dialog.findChildren(QPlainTextEdit) if w.isVisible()]

    minimum = labelled(dialog, "Tuổi tối thiểu của thành viên")
    maximum = labelled(dialog, "Tuổi tối đa của thành viên")
    residents = labelled(dialog, "Thành viên phải cư trú tại thôn/bản của tổ")
    assert isinstance(minimum, QLineEdit) and minimum.text() == "18"
    assert maximum.text() == "70"
    assert isinstance(residents, QCheckBox) and residents.isChecked()
    roles = dialog.attr_editors["single_roles"]
    assert isinstance(roles, ChecklistEditor)
    ticked = [roles.widget.item(i).text() for i in range(roles.widget.count())
              if roles.widget.item(i).checkState() is Qt.CheckState.Checked]
    assert ticked == ["Tổ trưởng"]  # the role by its name, not "to_truong"
    assert any("quy_dinh_rieng" in t for t in texts)  # said to be kept
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "catalogue_attrs_org_type.png"))

    # A word where a number goes: refused under the field, nothing written.
    retype(qtbot, maximum, "bảy mươi")
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    message = dialog.attr_editors["max_age"].message
    assert message.isVisible() and "không phải số nguyên" in message.text()
    assert attrs_of(conn, "org_type", "to_bao_ve_antt")["max_age"] == 70

    retype(qtbot, maximum, "65")
    retype(qtbot, minimum, "16")
    tick(qtbot, residents)
    assert not residents.isChecked()
    click_save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.banner.text()
    after = attrs_of(conn, "org_type", "to_bao_ve_antt")
    assert after == {**before, "min_age": 16, "max_age": 65, "residents_only": False,
                     "quy_dinh_rieng": "Quyết định 12/QĐ-UBND"}


def test_an_age_range_upside_down_is_refused_naming_its_field(province, qtbot):
    dialog = open_item(qtbot, province, "org_type", TO_BAO_VE)
    maximum = labelled(dialog, "Tuổi tối đa của thành viên")
    retype(qtbot, maximum, "15")
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    assert "Tuổi tối đa của thành viên" in dialog.banner.text()
    assert attrs_of(province.conn, "org_type", "to_bao_ve_antt")["max_age"] == 70
    retype(qtbot, maximum, "70")  # as it was: Hủy closes without asking
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)


def test_a_criterion_says_whom_it_applies_to_by_ticking(province, qtbot):
    conn = province.conn
    name = conn.execute("SELECT name FROM catalogue_item WHERE catalogue = 'safety_criterion' "
                        "AND code = 'kdc_dang_ky'").fetchone()[0]
    dialog = open_item(qtbot, province, "safety_criterion", name)
    applies = dialog.attr_editors["applies"]
    listing = applies.widget
    shown = {listing.item(i).text(): listing.item(i).checkState() is Qt.CheckState.Checked
             for i in range(listing.count())}
    assert shown["Khu dân cư"] and not shown["Xã, phường, đặc khu"]
    dialog.grab().save(str(SCREENSHOTS / "catalogue_attrs_criterion.png"))
    row = next(i for i in range(listing.count()) if listing.item(i).text() == "Cơ sở giáo dục")
    rect = listing.visualItemRect(listing.item(row))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click_save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.banner.text()
    assert attrs_of(conn, "safety_criterion", "kdc_dang_ky")["applies"] == [
        "residential", "school"]
    assert attrs_of(conn, "safety_criterion", "kdc_dang_ky")["version"] == "TT124/2021"


def test_the_cli_refuses_the_same_values_naming_the_attribute(province):
    """`antq edit catalogue` writes through the same Store: the same rule, the same label."""
    conn = province.conn
    item_id = conn.execute("SELECT id FROM catalogue_item WHERE catalogue = 'role' AND "
                           "code = 'to_truong'").fetchone()[0]
    with pytest.raises(ValidationError) as e:
        Store(conn).edit("catalogue", item_id, {"attrs": '{"rank": "một", "leader": true}'})
    assert str(e.value).startswith("Thứ bậc (1 là cao nhất):")
    with pytest.raises(ValidationError) as e:
        Store(conn).edit("catalogue", item_id, {"attrs": "rank=1"})
    assert "JSON" in str(e.value)
    rec = records.get(conn, KINDS["catalogue"], item_id)
    assert json.loads(str(rec["attrs"])) == {"rank": 1, "leader": True}
