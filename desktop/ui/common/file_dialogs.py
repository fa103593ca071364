"""Every file dialog of the program is Qt's own, in the program's language: "Tìm trong:",
"Kiểu tệp:", "Thư mục", and dates as HH:MM dd/mm/yyyy.

A native dialog speaks the language of the operating system (an English Windows says "Look
in:"), and Qt's own dialog, left alone, writes dates in the system locale's short form ("6 12
2026" on a machine set to C). So :func:`install` puts functions of the same signatures in
place of ``QFileDialog.getOpenFileName``, ``getOpenFileNames``, ``getSaveFileName`` and
``getExistingDirectory``: every call site, present and future, gets Qt's dialog with our
translations (resources/translations/qtbase_vi.ts) and our dates, and a test may still
replace any of them with a stub as before.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

# Only QFileDialog before the first paint (install() replaces its functions): PySide builds a
# Qt class when the program first names it (its enums with it), 0.3-1 ms each, so the proxy
# model and the dialog's parts are named when a dialog first opens (issue 12, the start).
from PySide6.QtWidgets import QFileDialog

from desktop import platform_os

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

DATE_FORMAT = "HH:mm dd/MM/yyyy"  # as everywhere in the program (domain/dates.py)
DIALOG_SIZE = (900, 560)
SIDE_PANEL = 180
_DATE_COLUMN = 3  # QFileSystemModel: name, size, type, date modified
# No Qt namespace nor QFileDialog enum at import time: install() runs before the window's first
# paint, and building those enums costs 25 ms (issue 12).


@cache
def shown_dates() -> type:
    """The class of the proxy model that lists the dialog's files as Qt does, the
    modification time written our way (made once, when a dialog first opens)."""
    from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt
    from PySide6.QtWidgets import QFileSystemModel

    class ShownDates(QIdentityProxyModel):
        def data(self, index: QModelIndex | QPersistentModelIndex,
                 role: int = 0) -> object:  # Qt.ItemDataRole.DisplayRole
            if index.column() == _DATE_COLUMN and role == Qt.ItemDataRole.DisplayRole:
                source = self.sourceModel()
                if isinstance(source, QFileSystemModel):
                    when = source.lastModified(self.mapToSource(index))
                    return when.toString(DATE_FORMAT) if when.isValid() else ""
            return super().data(index, role)

    return ShownDates


def file_dialog(parent: QWidget | None, caption: str = "", directory: str = "",
                filter: str = "", *, accept: QFileDialog.AcceptMode,  # noqa: A002 - Qt's name
                mode: QFileDialog.FileMode, selected_filter: str = "",
                options: QFileDialog.Option | None = None) -> QFileDialog:
    """Qt's own file dialog, never the platform's, with our dates."""
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QSplitter, QTreeView

    dialog = QFileDialog(parent, caption, directory, filter)
    if options is not None:
        dialog.setOptions(options)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setProxyModel(shown_dates()(dialog))
    # Qt's own size (630×410) cuts the side panel's names and the dates' column ("21:31
    # …2/2026"): room for both.
    dialog.resize(DIALOG_SIZE[0], DIALOG_SIZE[1])
    # the sticks plugged in now, one click away in the side panel (E:\ on Windows,
    # /media/USER/LABEL on Linux): where bundles come from and go to
    sticks = [QUrl.fromLocalFile(str(p)) for p in platform_os.removable_drives()]
    # Qt keeps the side panel between runs: a stick added once stayed forever, greyed out,
    # one more line for each stick ever plugged in. Only folders that are there now.
    here = [u for u in dialog.sidebarUrls()
            if not u.isLocalFile() or not u.toLocalFile() or os.path.isdir(u.toLocalFile())]
    dialog.setSidebarUrls([*here, *(s for s in sticks if s not in here)])
    # The side panel as wide as its names ("Máy tính", a stick's label), not Qt's last width.
    splitter = dialog.findChild(QSplitter)
    if splitter is not None and splitter.count() == 2 and splitter.sizes()[0] < SIDE_PANEL:
        splitter.setSizes([SIDE_PANEL, DIALOG_SIZE[0] - SIDE_PANEL])
    # The dates' column as wide as a whole date: Qt sized it for its own short form.
    view = dialog.findChild(QTreeView)
    if view is not None:
        wide = view.fontMetrics().horizontalAdvance("00:00 00/00/0000") + 24
        if view.header().sectionSize(_DATE_COLUMN) < wide:
            view.header().resizeSection(_DATE_COLUMN, wide)
    dialog.setAcceptMode(accept)
    dialog.setFileMode(mode)
    if selected_filter:
        dialog.selectNameFilter(selected_filter)
    return dialog


def _run(dialog: QFileDialog) -> tuple[list[str], str]:
    """The files chosen and the filter they were chosen under; nothing when cancelled."""
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return [], ""
        return dialog.selectedFiles(), dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


def get_open_file_name(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
                       filter: str = "", selectedFilter: str = "",  # noqa: A002, N803
                       options: QFileDialog.Option | None = None) -> tuple[str, str]:
    dialog = file_dialog(parent, caption, dir, filter, selected_filter=selectedFilter,
                         options=options, accept=QFileDialog.AcceptMode.AcceptOpen,
                         mode=QFileDialog.FileMode.ExistingFile)
    files, chosen_filter = _run(dialog)
    return (files[0], chosen_filter) if files else ("", "")


def get_open_file_names(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
                        filter: str = "", selectedFilter: str = "",  # noqa: A002, N803
                        options: QFileDialog.Option | None = None) -> tuple[list[str], str]:
    dialog = file_dialog(parent, caption, dir, filter, selected_filter=selectedFilter,
                         options=options, accept=QFileDialog.AcceptMode.AcceptOpen,
                         mode=QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def get_save_file_name(parent: QWidget | None = None, caption: str = "", dir: str = "",  # noqa: A002
                       filter: str = "", selectedFilter: str = "",  # noqa: A002, N803
                       options: QFileDialog.Option | None = None) -> tuple[str, str]:
    dialog = file_dialog(parent, caption, dir, filter, selected_filter=selectedFilter,
                         options=options, accept=QFileDialog.AcceptMode.AcceptSave,
                         mode=QFileDialog.FileMode.AnyFile)
    files, chosen_filter = _run(dialog)
    return (files[0], chosen_filter) if files else ("", "")


def get_existing_directory(parent: QWidget | None = None, caption: str = "",
                           dir: str = "",  # noqa: A002
                           options: QFileDialog.Option | None = None  # ShowDirsOnly
                           ) -> str:
    if options is None:
        options = QFileDialog.Option.ShowDirsOnly
    dialog = file_dialog(parent, caption, dir, options=options,
                         accept=QFileDialog.AcceptMode.AcceptOpen,
                         mode=QFileDialog.FileMode.Directory)
    folders, _filter = _run(dialog)
    return folders[0] if folders else ""


def install() -> None:
    """Our file dialogs in place of the static functions of ``QFileDialog`` (once)."""
    if getattr(QFileDialog, "_antq_installed", False):
        return
    QFileDialog.getOpenFileName = staticmethod(get_open_file_name)  # type: ignore[method-assign]
    QFileDialog.getOpenFileNames = staticmethod(get_open_file_names)  # type: ignore[method-assign]
    QFileDialog.getSaveFileName = staticmethod(get_save_file_name)  # type: ignore[method-assign]
    QFileDialog.getExistingDirectory = staticmethod(  # type: ignore[method-assign]
        get_existing_directory)
    QFileDialog._antq_installed = True  # type: ignore[attr-defined]
