"""Work that waits for a widget's first paint: the frame reaches the screen first, then the
work runs from the event loop (the window's data, the one-window listener, the self-test's
quit). Loaded before the first frame, so it touches nothing of Qt's namespace."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class AfterPaint(QObject):
    """Calls ``then`` once, from the event loop, after ``widget`` has painted; owned by the
    widget, so nothing runs after the widget is gone."""

    def __init__(self, widget: QWidget, then: Callable[[], object]) -> None:
        super().__init__(widget)
        self.then: Callable[[], object] | None = then
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self.then is not None:
            then, self.then = self.then, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, then)
        return False
