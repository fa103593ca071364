"""The window (the only package that imports Qt).

PySide6 6.12.0 on Python 3.11 returns ``None`` from every void method (``setText``,
``setHidden``, ``setObjectName`` …) without taking a reference to it, so each such call takes
one reference from ``None``; after a few thousand calls more than ``None`` had, the process
aborts ("Fatal Python error: none_dealloc"). Filtering the first-run wizard's 3,321 communes
did that in nine key presses, and a long working day would do it anyway. Likewise each time
Qt asks a Python ``QWizardPage.isComplete`` that answers True, True loses one reference
("bool_dealloc" when the program exits). Until the bindings are fixed, these three objects
are given references enough for centuries of calls, once, as Python 3.12 does for good
(there they are immortal and this is not needed).
"""

from __future__ import annotations

import sys

NONE_RESERVE = 1 << 48


def _keep_none_alive() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt, the first field of every CPython object
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < NONE_RESERVE:
            refcount.value += NONE_RESERVE


_keep_none_alive()
