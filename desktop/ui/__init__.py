"""The window (the only package that imports Qt).

PySide6 6.12.0 on Python 3.11 returns ``None`` from every void method without taking a
reference to it, so the process aborts ("Fatal Python error: none_dealloc") after a few thousand
calls: filtering the first-run wizard's 3,321 communes did it in nine key presses. pyproject.toml
keeps PySide6 below 6.12; tests/ui/test_none_references.py fails on a version with that bug.
"""

import sys

import PySide6.QtCore  # noqa: F401 - first, so that the import hook below exists to be told


def _no_source_reads(module: object) -> bool:
    return True


def _skip_pyside_source_reads() -> None:
    """PySide6 reads the source of every module imported after it (``inspect.getsource`` in
    ``shibokensupport.feature``, at the module's first import statement) to see whether it
    names PySide6, the default of its ``from __feature__ import`` switches: 0.25 ms a module,
    some 100 of them (ours and the standard library's) before the first page of rows, 20 ms
    of processor time (issue 12, the start budget). This program selects no feature anywhere,
    so every module is answered "uses PySide6" without a read: the default selection, which
    the answer "ignore this module" would give too when nothing is selected (and a module that
    does import ``__feature__`` sets its own). A frozen build ships no sources: there every
    read fails at once already. Nothing changes if PySide6 has no such hook."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _no_source_reads  # type: ignore[attr-defined]


_skip_pyside_source_reads()
