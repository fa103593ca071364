"""Trợ giúp → Giới thiệu and "Dữ liệu của tôi ở đâu": the version, the licences of what is
shipped, and where this computer keeps the data."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop import APP_NAME, __version__, errorlog, settings
from desktop.i18n import _
from desktop.storage.paths import backups_dir

# (distribution, shown name, licence) of the main libraries inside the program.
LIBRARIES = (
    ("PySide6-Essentials", "Qt for Python (PySide6) / Qt", "LGPL-3.0"),
    ("reportlab", "ReportLab", "BSD-3-Clause"),
    ("babel", "Babel (CLDR data)", "BSD-3-Clause; Unicode licence"),
    ("sqlite-utils", "sqlite-utils", "Apache-2.0"),
    ("openpyxl", "openpyxl", "MIT"),
    ("cryptography", "cryptography", "Apache-2.0 / BSD-3-Clause"),
    ("pyrage", "pyrage (age)", "MIT"),
    ("argon2-cffi", "argon2-cffi", "MIT"),
    ("platformdirs", "platformdirs", "MIT"),
    ("vietnam-provinces", "vietnam-provinces", "GPL-3.0-or-later (upstream)"),
)
FONTS = (
    ("Liberation Serif 2.1.5", "SIL Open Font License 1.1", "PDF"),
    ("DejaVu Sans 2.37", "Bitstream Vera licence, DejaVu changes public domain", "UI"),
)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def about_html(db_path: Path) -> str:
    libs = "".join(f"<li>{name} {_version(dist)} — {licence}</li>"
                   for dist, name, licence in LIBRARIES)
    fonts = "".join(f"<li>{name} ({use}) — {licence}</li>" for name, licence, use in FONTS)
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        + _("<p>Hồ sơ phong trào Toàn dân bảo vệ an ninh Tổ quốc: ghi chép, in ấn và đồng bộ "
            "bằng USB, không cần mạng.</p>")
        + "<p>" + _("Cơ sở dữ liệu: {db}").format(db=db_path) + "</p>"
        + "<p><b>" + _("Phông chữ kèm theo") + "</b></p><ul>" + fonts + "</ul>"
        + "<p><b>" + _("Thư viện chính") + "</b></p><ul>" + libs
        + f"<li>Python {sys.version.split()[0]} — PSF</li><li>Qt {qVersion()} "
          f"(PySide6 {pyside_version})</li></ul>"
        + "<p>" + _("Toàn văn giấy phép của phông chữ nằm trong thư mục resources/fonts của "
                    "chương trình.") + "</p>")


def show_about(parent: QWidget, db_path: Path) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, _("Giới thiệu"), about_html(db_path),
                      parent=parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.open()
    return box


def data_locations(db_path: Path) -> list[tuple[str, Path]]:
    return [(_("Cơ sở dữ liệu đang mở"), db_path),
            (_("Bản sao lưu"), backups_dir(db_path)),
            (_("Thư mục dữ liệu"), settings.data_dir()),
            (_("Tệp cài đặt"), settings.settings_path()),
            (_("Nhật ký lỗi"), errorlog.log_path())]


def show_data_folder(parent: QWidget, db_path: Path) -> QMessageBox:
    """Says where everything is and offers to open the folder of the open database."""
    rows = "".join(f"<tr><td>{label}:&nbsp;</td><td><code>{path}</code></td></tr>"
                   for label, path in data_locations(db_path))
    box = QMessageBox(QMessageBox.Icon.Information, _("Dữ liệu của tôi ở đâu"),
                      _("<p>Mọi dữ liệu nằm trên máy này, không gửi đi đâu trừ khi anh/chị "
                        "ghi gói đồng bộ ra USB.</p>") + f"<table>{rows}</table>",
                      parent=parent)
    open_button = box.addButton(_("Mở thư mục"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    folder = db_path.parent

    def clicked(button) -> None:
        if button is open_button:
            open_folder(folder)

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def open_folder(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
