"""PySide6 6.12.0 took a reference from None on every void call, and from True each time Qt
asked a Python isComplete (desktop/ui/__init__.py): the process aborted after a few thousand
calls. The versions pyproject.toml allows must not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import desktop.ui
from PySide6.QtWidgets import QApplication, QLabel, QWizard, QWizardPage
app = QApplication([])
label = QLabel()
for _ in range(sys.getrefcount(None) % (1 << 40) + 20000):
    label.setText("Xã Mường Chà")
class Page(QWizardPage):
    def isComplete(self):
        return True
wizard = QWizard()
page = Page()
wizard.addPage(page)
wizard.show()
for _ in range(sys.getrefcount(True) % (1 << 40) + 20000):
    page.completeChanged.emit()
print("ok")
"""


def test_many_void_calls_do_not_free_none():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-500:]
