"""Python's cycle collector kept out of the officer's typing, and out of the start.

A collection of the oldest generation walks every object the program holds: the modules,
Qt's wrappers, the pages and their models, about 20-30 ms at a 100,000-person commune,
and it comes when enough new objects have piled up, which is as often as not in the middle
of a search typed (bench_window caught one in each run of 29 keys). What the start built
lives as long as the window: frozen (``gc.freeze``) a moment after the window is filled,
the later collections walk only what came after. Thawed when the window closes or lets go
of its data, so that what it held is collected again.

While the window starts, the young collections are held off too (desktop/gc_hold.py): they
walked the modules, classes and wrappers the start makes, all of which live as long as the
window: 78 collections, 13 ms of processor time from the first import to the first rows at
the province (28 in PySide's own import, 5 ms, held from before it by ``antq``; 6 of the
program's before the login prompt, 1.6 ms; 39 while the password is typed and its modules
are imported, 6.4 ms; 2 after «Đăng nhập»). Released, what was made frozen, once the first
rows are painted (main_window.after_first_rows), or when the window closes before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from desktop import gc_hold

# After the window's first rows and the sync folder's modules (2 s after the fill), while
# the officer reads the screen.
FREEZE_AFTER_MS = 3000

hold_during_start = gc_hold.hold


def after_start() -> None:
    """(The window's first rows painted.) The youngest generation collected again as
    usual; what the start made until now frozen, not walked by its first collection."""
    gc_hold.release(freeze=True)


def freeze_after_start(window: QObject) -> None:
    """Freeze what the start made, FREEZE_AFTER_MS from now (not if the window
    is gone by then)."""
    QTimer.singleShot(FREEZE_AFTER_MS, window, _freeze)


def _freeze() -> None:
    # No collection first: it would be the very pause this avoids, and it finds next to
    # nothing then (8 objects of 60,000 at 100,000 people). Objects frozen are still freed
    # when nothing refers to them; only a cycle among them waits for the thaw.
    gc.freeze()


def thaw() -> None:
    """What was frozen goes back to the oldest generation, collected with it again (and a
    start's hold on the collector ends, should the window close before its first rows)."""
    gc_hold.release(freeze=False)
    gc.unfreeze()
