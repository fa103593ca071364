"""Tệp → Cài đặt…: the language of the program (saved in the settings file of the data folder,
applied at the next start)."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from desktop import settings
from desktop.i18n import LANGUAGES, _, configured_language, current_language


class SettingsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
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
        form.addRow(buttons)
        self._update_note()

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
        settings.save(language=self.chosen_language())
        super().accept()
