"""First start (the wizard clicked through: tests/ui/test_first_run_wizard.py), Qt's own
strings in Vietnamese, Settings, backups and restore from the window, the Help menu."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox

from desktop import __version__, settings
from desktop.storage import backup, db, site
from desktop.ui.accounts import backup_dialog
from desktop.ui.shell import about, first_run
from desktop.ui.shell.app import build_window, make_application
from desktop.ui.shell.settings_dialog import SettingsDialog


@pytest.fixture
def wizard(qapp, fresh_db):
    make_application()
    conn = db.open_database(fresh_db)
    w = first_run.FirstRunWizard(conn, fresh_db)
    w.show()
    yield w
    w.close()
    conn.close()


def test_qt_buttons_and_context_menus_are_vietnamese(qapp):
    make_application()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Yes
                           | QDialogButtonBox.StandardButton.No)
    texts = [box.button(b).text() for b in (QDialogButtonBox.StandardButton.Ok,
                                            QDialogButtonBox.StandardButton.Cancel,
                                            QDialogButtonBox.StandardButton.Yes,
                                            QDialogButtonBox.StandardButton.No)]
    assert texts == ["Đồng ý", "Hủy", "&Có", "&Không"]
    edit = QLineEdit()
    menu = edit.createStandardContextMenu()
    labels = [a.text().split("\t")[0] for a in menu.actions() if a.text()]
    assert {"&Hoàn tác", "&Làm lại", "Cắ&t", "&Sao chép", "&Dán", "Xóa",
            "Chọn tất cả"} <= set(labels)
    assert QApplication.font().family() == "DejaVu Sans"


def test_cancelling_the_wizard_leaves_the_database_as_it_was(wizard, dump):
    before = dump(wizard.conn)
    wizard.next()
    wizard.unit_page.list.setCurrentRow(3)
    wizard.reject()
    assert site.load_site(wizard.conn) is None
    assert dump(wizard.conn) == before


def test_ensure_site_skips_the_wizard_when_there_is_a_site(fresh_db, qapp):
    conn = db.open_database(fresh_db)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    conn.close()
    shown = []
    assert first_run.ensure_site(fresh_db, wizard_hook=shown.append) == fresh_db
    assert shown == []


def test_settings_saves_the_language_for_the_next_start(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path))
    dialog = SettingsDialog()
    assert dialog.chosen_language() == "vi"
    assert "khởi động lại" in dialog.note.text()
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert "restarted" in dialog.note.text()
    dialog.accept()
    assert settings.load()["language"] == "en"


@pytest.fixture
def window(qapp, fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    conn = db.open_database(fresh_db)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160",
                   admin_password="mat-khau-xa")
    conn.close()
    make_application()
    w = build_window(fresh_db)
    w.show()
    holder = {"w": w}
    yield holder
    for win in {holder["w"], w}:
        win.close()
        win.deleteLater()
    QApplication.processEvents()
    holder["w"].conn.close()


def _actions(window) -> dict[str, object]:
    return {a.text(): a for menu in window.menuBar().actions() if menu.menu()
            for a in menu.menu().actions() if a.text()}


def test_the_menus_offer_restore_settings_data_folder_and_about(window, monkeypatch):
    w = window["w"]
    actions = _actions(w)
    for text in ("&Khôi phục từ bản sao lưu…", "&Cài đặt…", "&Dữ liệu của tôi ở đâu",
                 "&Giới thiệu"):
        assert text in actions
    box = about.show_about(w, w.db_path)
    assert __version__ in box.text() and "SIL Open Font License" in box.text()
    assert "DejaVu Sans" in box.text() and "reportlab" in box.text().lower()
    box.close()
    opened = []
    monkeypatch.setattr(about, "open_folder", opened.append)
    box = about.show_data_folder(w, w.db_path)
    assert str(w.db_path) in box.text() and "antq-backups" in box.text()
    open_button = next(b for b in box.buttons()
                       if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole)
    open_button.click()
    assert opened == [w.db_path.parent]


def test_restore_from_the_window_reopens_on_the_backup(window, monkeypatch):
    w = window["w"]
    saved = backup.backup_now(w.conn, w.db_path, "manual")
    old_site = site.load_site(w.conn).site_id
    w.store.add("unit", {"name": "Bản thêm sau khi sao lưu", "level": "village",
                         "parent_id": "03160"})
    dialog = backup_dialog.RestoreDialog(w.db_path, w)
    assert dialog.list.count() == 1 and "sao lưu thủ công" in dialog.list.item(0).text()
    assert backup_dialog.restore_into(w, saved)
    new = QApplication.instance().property("main_window")
    window["w"] = new
    assert new is not w and new.db_path == w.db_path
    assert site.load_site(new.conn).site_id != old_site
    assert new.conn.execute("SELECT count(*) FROM unit WHERE name = ?",
                            ("Bản thêm sau khi sao lưu",)).fetchone()[0] == 0
    assert "đăng ký lại" in new.statusBar().currentMessage()
    reasons = [b.reason for b in backup.list_backups(w.db_path)]
    assert reasons[0] == "before-restore"


def test_restoring_asks_for_the_admin_password(window, monkeypatch):
    w = window["w"]
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("sai-mat-khau", True))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    assert not backup_dialog.admin_password_ok(w)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("mat-khau-xa", True))
    assert backup_dialog.admin_password_ok(w)
