"""Tệp → Cài đặt…: the language of the program (saved in the settings file of the data folder,
applied at the next start) and, for the chief, the idle time before the window locks (a rule
of the site, kept in the database: desktop/storage/accounts.py)."""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
)

from desktop import settings
from desktop.domain.errors import UserError
from desktop.i18n import LANGUAGES, _, configured_language, current_language


class SettingsDialog(QDialog):
    def __init__(self, parent=None, *, conn=None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.setWindowTitle(_("Cài đặt"))
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        saved = str(settings.get("language") or configured_language())
        self.language.setCurrentIndex(max(0, self.language.findData(saved)))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.language.currentIndexChanged.connect(self._update_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Ngôn ngữ:"), self.language)
        form.addRow(self.note)
        self.idle: QSpinBox | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        if conn is not None:
            self._add_idle_lock(form)
        form.addRow(self.message)
        form.addRow(buttons)
        self.setMinimumWidth(480)
        self._update_note()

    def _add_idle_lock(self, form: QFormLayout) -> None:
        from desktop.storage import accounts

        self.idle = QSpinBox()
        self.idle.setRange(0, accounts.MAX_IDLE_MINUTES)
        self.idle.setSuffix(_(" phút"))
        self.idle.setSpecialValueText(_("không bao giờ"))  # shown for 0
        self.idle.setValue(accounts.idle_minutes(self.conn))
        self._idle_saved = self.idle.value()
        form.addRow(_("Khóa màn hình sau khi không dùng:"), self.idle)
        try:
            accounts.require(self.conn, "accounts")
            why = _("Áp dụng cho mọi tài khoản của cơ sở dữ liệu này; 0 là không bao giờ khóa.")
        except accounts.PermissionDenied as e:
            self.idle.setEnabled(False)
            why = _("Chỉ tài khoản chỉ huy đặt được thời gian này ({e}).").format(e=e)
        note = QLabel(why)
        note.setWordWrap(True)
        form.addRow(note)

    def idle_minutes(self) -> int | None:
        """The idle time chosen, None without a database."""
        return None if self.idle is None else self.idle.value()

    def chosen_language(self) -> str:
        return str(self.language.currentData())

    def _update_note(self, _index: int = 0) -> None:
        lines = [_("Ngôn ngữ mới được áp dụng khi khởi động lại chương trình.")]
        if self.chosen_language() != current_language():
            # Shown in the chosen language too, since that is the one the officer reads.
            lines.append({"vi": "Ngôn ngữ mới được áp dụng khi khởi động lại chương trình.",
                          "en": "The new language applies when the program is restarted."}
                         [self.chosen_language()])
        if os.environ.get("ANTQ_LANG"):
            lines.append(_("Lưu ý: biến môi trường ANTQ_LANG={v} đang đặt ngôn ngữ và được ưu "
                           "tiên hơn cài đặt này.").format(v=os.environ["ANTQ_LANG"]))
        self.note.setText("\n".join(dict.fromkeys(lines)))

    def accept(self) -> None:
        if self.idle is not None and self.idle.value() != self._idle_saved:
            from desktop.storage import accounts

            try:
                accounts.set_idle_minutes(self.conn, self.idle.value())
            except UserError as e:  # the storage layer's rule, in its own words
                self.message.setText(str(e))
                return
        settings.save(language=self.chosen_language())
        super().accept()
