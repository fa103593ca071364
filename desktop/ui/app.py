"""Starting the window: the Qt application, fonts, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import APP_NAME, __version__
from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.resources import resource_path
from desktop.storage.db import open_database
from desktop.storage.paths import default_database_path


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    if not app.organizationName():  # tests set their own, to keep QSettings apart
        app.setApplicationName("antq-desk")
        app.setOrganizationName("antq-desk")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    _register_fonts(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def _register_fonts(app: QApplication) -> None:
    """Use shipped fonts when there are any: a bare machine has none with Vietnamese."""
    fonts_dir = resource_path("fonts", "ui")  # fonts/ itself holds the PDF fonts (serif)
    families: list[str] = []
    if fonts_dir.is_dir():
        for f in sorted(fonts_dir.glob("*.ttf")):
            font_id = QFontDatabase.addApplicationFont(str(f))
            families += QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0], 10))


def build_window(db_path: Path):  # -> MainWindow (imported late: start-up time)
    from desktop.ui.main_window import MainWindow

    conn = open_database(db_path)
    return MainWindow(conn, db_path)


def reopen(old_window, db_path: Path) -> None:
    try:
        window = build_window(db_path)
    except UserError as e:
        QMessageBox.warning(old_window, _("Không mở được"), str(e))
        return
    window.show()
    old_window.close()
    QApplication.instance().setProperty("main_window", window)


def run_app(db_path: Path | None) -> int:
    app = make_application()
    path = db_path or default_database_path()
    try:
        window = build_window(path)
    except UserError as e:
        QMessageBox.critical(None, APP_NAME, str(e))
        return 2
    window.show()
    return app.exec()
