"""Print and Save as PDF: documents are made in the background, previewed page by page in the
program, then saved or sent to a printer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.reports.profiles import Profile
from desktop.storage import dbapi
from desktop.storage.db import connect
from desktop.ui.common.dialogs import free_on_close, remember, run_modal, shown
from desktop.ui.common.tasks import TaskContext, TaskRunner

PREVIEW_SCALE = 1.3  # 94 dpi: a page is readable on a laptop screen
PRINT_DPI = 200


def _to_qimage(page: pdfium.PdfPage, scale: float) -> QImage:
    pil = page.render(scale=scale).to_pil().convert("RGB")
    data = pil.tobytes("raw", "RGB")
    image = QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: `data` goes away


class PreviewDialog(QDialog):
    def __init__(self, pdf: bytes, title: str, suggested_name: str,
                 parent: QWidget | None = None, *,
                 record_event: Callable[[str, dict[str, object]], None] | None = None) -> None:
        super().__init__(parent)
        self.pdf, self.suggested_name, self.title = pdf, suggested_name, title
        # A saved or printed document leaves the program: the audit log says so (issue 11).
        self.record_event = record_event
        self.setWindowTitle(_("Xem trước: {t}").format(t=title))
        self.resize(900, 900)
        self.document = pdfium.PdfDocument(pdf)
        pages = QWidget()
        column = QVBoxLayout(pages)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels: list[QLabel] = []
        for index in range(len(self.document)):
            label = QLabel()
            page = self.document[index]
            scale = min(PREVIEW_SCALE, 840 / page.get_width())  # a landscape page fits too
            label.setPixmap(QPixmap.fromImage(_to_qimage(page, scale)))
            label.setStyleSheet("background: white; border: 1px solid #999;")
            column.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        scroll.setStyleSheet("QScrollArea { background: #777; }")
        buttons = QDialogButtonBox()
        save = buttons.addButton(_("Lưu PDF…"), QDialogButtonBox.ButtonRole.ActionRole)
        printer = buttons.addButton(_("In…"), QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        save.clicked.connect(lambda: self.save_as())  # not clicked(bool) as the path
        printer.clicked.connect(self.print_pages)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        pages = len(self.document)
        layout.addWidget(QLabel(ngettext("{n} trang", "{n} trang", pages).format(n=pages)))
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    def save_as(self, path: str | None = None) -> Path | None:
        if not path:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Lưu PDF"), str(Path.home() / self.suggested_name),
                _("Tệp PDF (*.pdf)"))
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        target.write_bytes(self.pdf)
        if self.record_event is not None:
            self.record_event("export", {"format": "pdf", "file": str(target),
                                         "what": self.title})
        return target

    def print_pages(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if run_modal(dialog) != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Each page as an image at 200 dpi, fitted to the printer's page."""
        painter = QPainter(printer)
        try:
            for index in range(len(self.document)):
                if index:
                    printer.newPage()
                image = _to_qimage(self.document[index], PRINT_DPI / 72)
                target = QRectF(painter.viewport())
                size = image.size().scaled(target.size().toSize(),
                                           Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRectF(0, 0, size.width(), size.height()), image)
        finally:
            painter.end()
        if self.record_event is not None:
            self.record_event("print", {"what": self.title, "pages": len(self.document)})


def print_document(tasks: TaskRunner, db_path: Path, title: str, suggested_name: str,
                   render: Callable[[dbapi.Connection, TaskContext], bytes],
                   parent: QWidget, notify: Callable[[str], None]) -> None:
    """Make the document off the UI thread (own connection, progress, Cancel), then preview."""

    def work(ctx: TaskContext) -> bytes:
        conn = connect(db_path)
        try:
            return render(conn, ctx)
        finally:
            conn.close()

    def done(pdf: bytes) -> None:
        # The page asking (its AppContext) records what is saved or printed.
        record = getattr(getattr(parent, "ctx", None), "record_event", None)
        dialog = free_on_close(PreviewDialog(pdf, title, suggested_name, parent,
                                             record_event=record))
        dialog.open()
        remember(parent, "preview", dialog)

    tasks.run(_("Đang tạo {t}…").format(t=title), work, on_done=done, on_error=notify,
              parent=parent)


class ProfileDialog(QDialog):
    """Which copy to make, by the profiles' Vietnamese names: *Nội bộ* (everything) or *Niêm yết
    công khai* (desktop/reports/profiles.py says what it leaves out). The same choice for the
    PDF and for Excel/CSV, so the copies agree."""

    def __init__(self, title: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Làm bản nào?")))
        self.group = QButtonGroup(self)
        self.buttons: dict[Profile, QRadioButton] = {}
        for profile in Profile:
            button = QRadioButton(profile.label)
            button.setObjectName(f"profile_{profile.value}")
            note = QLabel(profile.description)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; margin-left: 22px;")
            self.group.addButton(button)
            self.buttons[profile] = button
            layout.addWidget(button)
            layout.addWidget(note)
        self.buttons[Profile.INTERNAL].setChecked(True)
        box = QDialogButtonBox()
        self.ok = box.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def profile(self) -> Profile:
        return next(p for p, b in self.buttons.items() if b.isChecked())


def ask_profile(parent: QWidget, title: str, action: str,
                then: Callable[[Profile], object]) -> ProfileDialog:
    """Offer the two profiles; ``then(profile)`` runs when the officer goes on."""
    dialog = free_on_close(ProfileDialog(title, action, parent))
    dialog.accepted.connect(lambda: then(dialog.profile()))
    dialog.open()
    remember(parent, "profile", dialog)
    return dialog


def last_preview(parent: QWidget) -> PreviewDialog | None:
    """The preview ``parent`` opened last, while it is open (tests look; held weakly)."""
    dialog = shown(parent, "preview")
    return dialog if isinstance(dialog, PreviewDialog) else None


def last_profile_dialog(parent: QWidget) -> ProfileDialog | None:
    """The profile question ``parent`` asked last, while it is open (tests look)."""
    dialog = shown(parent, "profile")
    return dialog if isinstance(dialog, ProfileDialog) else None
