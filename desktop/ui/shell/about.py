"""Trợ giúp → Giới thiệu and "Dữ liệu của tôi ở đâu": the version, the licences of what is
shipped, and where this computer keeps the data."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__, errorlog, settings, third_party
from desktop.i18n import _
from desktop.storage.paths import backups_dir


def about_html(db_path: Path) -> str:
    """The version, the project's licence and every shipped component with its licence
    (desktop/third_party.py: the bundled distributions, Python, the bootloader, the fonts)."""
    rows = "".join(
        f"<tr><td>{escape(c.name)}</td><td>{escape(c.version)}</td>"
        f"<td>{escape(c.licence)}</td></tr>" for c in third_party.shipped())
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        + _("<p>Hồ sơ phong trào Toàn dân bảo vệ an ninh Tổ quốc: ghi chép, in ấn và đồng bộ "
            "bằng USB, không cần mạng.</p>")
        + "<p>" + _("Phần mềm tự do theo giấy phép {licence} (tệp LICENSE): được dùng, sao "
                    "chép, sửa đổi và phân phát lại theo các điều khoản của giấy phép đó, "
                    "không kèm bảo hành.").format(licence=third_party.PROJECT_LICENCE) + "</p>"
        + "<p>" + _("Cơ sở dữ liệu: {db}").format(db=escape(str(db_path))) + "</p>"
        + "<p><b>" + _("Thành phần kèm theo và giấy phép") + "</b></p>"
        + "<table cellspacing='4' cellpadding='1'><tr><th align='left'>" + _("Thành phần")
        + "</th><th align='left'>" + _("Phiên bản") + "</th><th align='left'>" + _("Giấy phép")
        + f"</th></tr>{rows}<tr><td>Qt</td><td>{qVersion()}</td><td>LGPL-3.0-only</td></tr>"
        + "</table>"
        + "<p>" + _("Toàn văn các giấy phép nằm trong tệp THIRD_PARTY_LICENSES kèm chương "
                    "trình; giấy phép của phông chữ trong thư mục resources/fonts.") + "</p>")


class AboutDialog(QDialog):
    """Trợ giúp → Giới thiệu: a scrolling page (the component list is longer than a screen
    would take in a message box) and a Close button."""

    def __init__(self, parent: QWidget | None, db_path: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Giới thiệu"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(about_html(db_path))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def text(self) -> str:
        return self.browser.toPlainText()


def show_about(parent: QWidget, db_path: Path) -> AboutDialog:
    box = AboutDialog(parent, db_path)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
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
    # Unbroken: a path cut at its slashes over two lines reads as two paths.
    rows = "".join(f"<tr><td style='white-space:pre'>{label}:&nbsp;</td>"
                   f"<td style='white-space:pre'><code>{path}</code></td></tr>"
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
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed once closed
    box.open()
    return box


def open_folder(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
