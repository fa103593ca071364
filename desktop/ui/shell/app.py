"""Starting the window: the Qt application, fonts, translations, the database (set up on the
first start, backed up once a day in the background), the main window.

The storage modules are imported where used, not here: a start that logs in imports them
while the password is typed (desktop/ui/shell/preload.py), after the login prompt's paint."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop import APP_NAME, __version__, platform_os
from desktop.domain.errors import UserError
from desktop.i18n import _, current_language
from desktop.resources import resource_path
from desktop.ui.common import file_dialogs
from desktop.ui.common.after_paint import AfterPaint

UI_FONT_SIZE = 10


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    if not app.organizationName():  # tests set their own, to keep QSettings apart
        app.setApplicationName("antq-desk")
        app.setOrganizationName("antq-desk")
    # No application display name: Qt on Linux appends it to every window title, and the
    # main window's «ANTQ Desk — <site>» read «ANTQ Desk — <site> — ANTQ Desk».
    app.setApplicationVersion(__version__)
    _install_qt_translation(app)  # type: ignore[arg-type]
    file_dialogs.install()  # Qt's own file dialog in our words and dates, never the platform's
    _register_fonts(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def _install_qt_translation(app: QApplication) -> None:
    """Qt's own buttons and dialogs (OK, Cancel, file and print dialogs) in Vietnamese: Qt
    ships no Vietnamese catalog, so ``resources/translations/qtbase_vi.qm`` is our own."""
    if app.property("antq_translator_installed"):
        return
    lang = current_language()
    if lang == "vi":
        QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
        translator = QTranslator(app)
        if translator.load(str(resource_path("translations", "qtbase_vi.qm"))):
            app.installTranslator(translator)
            app.setProperty("antq_translator_installed", True)


def _register_fonts(app: QApplication) -> None:
    """The window's font: the system's own when it has every Vietnamese letter (Segoe UI on
    Windows), else the shipped DejaVu Sans (``resources/fonts/ui``; a bare machine has no font
    with Vietnamese: boxes instead of text), registered only then.

    The Liberation Serif files of ``resources/fonts`` are the PDFs' (desktop/reports/fonts.py):
    a preview shows the document's pages as pdfium draws them, with the fonts the PDF embeds,
    so Qt never needs them and they are not read at every start (issue 12).
    """
    system_font = platform_os.system_ui_font()  # Segoe UI on Windows: the native look
    if system_font and system_font in QFontDatabase.families():
        app.setFont(QFont(system_font, UI_FONT_SIZE))
        return
    folder = resource_path("fonts", "ui")
    families: list[str] = []
    if folder.is_dir():
        for f in sorted(folder.glob("*.ttf")):
            font_id = QFontDatabase.addApplicationFont(str(f))
            if font_id >= 0:
                families += QFontDatabase.applicationFontFamilies(font_id)
    if families:
        app.setFont(QFont(families[0], UI_FONT_SIZE))


def build_window(db_path: Path, *, fill_now: bool = True, conn=None):  # -> MainWindow
    """Without ``conn``, a window filled at once opens a database this process has already
    unlocked (tests); a window filled after its first paint asks for the account then."""
    from desktop.ui.shell.main_window import MainWindow  # imported late: start-up time

    if conn is None and fill_now:
        from desktop.storage.db import open_database

        conn = open_database(db_path)
    return MainWindow(conn, db_path, fill_now=fill_now)


def start_window(db_path: Path, *, backup: bool = True, conn=None):  # -> MainWindow
    """The window as a start shows it (desktop/ui/shell/main_window.py, where a window opens its
    successor too)."""
    from desktop.ui.shell import main_window

    return main_window.start_window(db_path, backup=backup, conn=conn)


def reopen(old_window, db_path: Path, *, backup: bool = True):  # -> MainWindow | None
    from desktop.ui.shell import main_window

    return main_window.reopen(old_window, db_path, backup=backup)


def open_if_set_up(db_path: Path):  # -> dbapi.Connection | None
    """The database open, if it has a site; None (and closed) if the first-run wizard must
    set it up first."""
    from desktop.storage import site
    from desktop.storage.db import open_database

    conn = open_database(db_path)
    if site.load_site(conn) is None:
        conn.close()
        return None
    return conn


def run_app(db_path: Path | None, *, self_test: bool = False) -> int:
    """The first-run wizard on a new database; else the window, whose frame paints before
    the officer logs in."""

    from desktop.storage.paths import default_database_path

    app = make_application()
    path = db_path or default_database_path()
    from desktop.ui.shell import crash, single_instance  # the self-test too: QtNetwork is shipped

    if single_instance.guard(path) is None:  # that window was told to come forward
        print(_("Cơ sở dữ liệu {p} đã mở trong một cửa sổ khác: đưa cửa sổ đó lên "
                "trước.").format(p=path))
        return 0
    if not self_test:  # (no one would answer the dialog of a build check)
        crash.install(app)  # a bug: a dialog and the log, not a silent window
    if self_test:  # never hang a build check: give up after 60 s
        QTimer.singleShot(60_000, lambda: (print("self-test: timed out"), app.exit(3)))
    try:
        hook = None
        if self_test:
            def hook(wizard):
                AfterPaint(wizard, lambda: (print("self-test: first-run wizard painted"),
                                            wizard.reject()))
        chosen: Path | None = path
        conn = None
        if not path.exists() or path.stat().st_size == 0:  # a first start: the wizard
            from desktop.ui.shell.first_run import ensure_site

            chosen = ensure_site(path, wizard_hook=hook)
        if chosen is None:  # the first-run wizard was cancelled: nothing was set up
            return 0
        if self_test:  # no one to type a password: the account from the environment
            from desktop.storage import accounts

            conn, _account, _notes = accounts.login(chosen, *accounts.credentials())
        # Otherwise the officer logs in over the painted frame (MainWindow._log_in).
        window = start_window(chosen, backup=not self_test, conn=conn)
    except UserError as e:
        if self_test:
            print(f"self-test: {e}")
            return 2
        from PySide6.QtWidgets import QMessageBox  # only then: start-up time

        QMessageBox.critical(None, APP_NAME, str(e))
        return 2
    if self_test:  # the day's backup made in line, so that quitting never cuts it short
        from desktop.resources import resources_root
        from desktop.storage import backup

        print(f"self-test: backup {backup.backup_now(window.conn, chosen, 'daily').name}")
        print(f"self-test: resources {resources_root()}; font {app.font().family()}; "
              f"language {current_language()}")
        window.filled.connect(lambda: AfterPaint(
            window, lambda: (print("self-test: window painted"), app.quit())))
    return app.exec()
