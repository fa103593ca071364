"""How the window's dialogs end: freed once closed.

A dialog made with the window (or a page) as its parent belongs to that parent in Qt, and a
Python reference kept to it keeps it too: closed, it used to stay alive with everything it
held (a preview's rendered pages, a print dialog's printer, an editor's fields) until the
window itself went. The monkey test (tests/ui/test_monkey.py) counted 60–70 of them after a
run. Every dialog the window opens goes through one of these:

- :func:`free_on_close` for a dialog shown with ``open()``/``show()``: Qt deletes it once
  it is accepted, rejected or closed, after its ``accepted``/``rejected``/``finished``
  handlers have run;
- :func:`run_modal` for one shown with ``exec()``: what the caller reads back after it
  (``clickedButton()``, a field) is still there, and it is deleted when control returns to
  the event loop;
- :class:`LastShown` where a test needs to reach the dialog an action opened: a weak
  reference, so the officer's window does not keep it for the test's sake.
"""

from __future__ import annotations

import weakref
from typing import Generic, TypeVar, overload

import shiboken6
from PySide6.QtWidgets import QDialog, QWidget

D = TypeVar("D", bound=QWidget)


def free_on_close(dialog: D) -> D:
    """``dialog`` deleted by Qt once closed (accepted, rejected, Esc, the title bar)."""
    from PySide6.QtCore import Qt  # not at import: the window's frame imports this module,
    # and naming Qt builds its namespace's enums (25 ms, issue 12)

    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def run_modal(dialog: QDialog) -> int:
    """``dialog.exec()``, then the dialog deleted at the next turn of the event loop: the
    caller may still read what was chosen in it (Qt does not run a deferred delete in a loop
    entered after it was asked for)."""
    try:
        return dialog.exec()
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()


def alive(widget: QWidget | None) -> bool:
    """Whether ``widget`` still exists on the Qt side (a deleted dialog's Python wrapper
    outlives it)."""
    return widget is not None and shiboken6.isValid(widget)


T = TypeVar("T", bound=QWidget)


class LastShown(Generic[T]):
    """An attribute holding the dialog an object opened last, weakly: it reads as None once
    the dialog is closed and freed. Declared on the class (``last_dialog = LastShown()``),
    set and read as a plain attribute; tests reach the dialog through it."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_last_shown_{name}"

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> LastShown[T]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T | None: ...

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        ref = obj.__dict__.get(self.slot)
        dialog = ref() if ref is not None else None
        return dialog if alive(dialog) else None

    def __set__(self, obj: object, dialog: T | None) -> None:
        obj.__dict__[self.slot] = weakref.ref(dialog) if dialog is not None else None


def remember(owner: QWidget, name: str, dialog: QWidget) -> None:
    """For an owner whose class declares no :class:`LastShown` (any page may ask for a
    print preview): ``shown(owner, name)`` finds the dialog while it lives."""
    owner.__dict__[f"_last_shown_{name}"] = weakref.ref(dialog)


def shown(owner: QWidget, name: str) -> QWidget | None:
    """The dialog :func:`remember` noted for ``owner`` under ``name`` while it is open (a
    closed one is on its way to being freed)."""
    ref = owner.__dict__.get(f"_last_shown_{name}")
    dialog = ref() if ref is not None else None
    return dialog if alive(dialog) and dialog.isVisible() else None
