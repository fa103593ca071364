"""The cycle collector's youngest generation held off while the window starts (issue 12,
the start budget): only the standard library, so that ``antq`` holds it before PySide's
import (desktop/cli.py) — the window's own modules hold it through
desktop/ui/shell/collector.py, which releases it once the first rows are painted.

Its collections walked, 700 new objects at a time, what the start makes: modules, classes,
functions, Qt's wrappers, nearly all of which live as long as the window (the window
freezes them, collector.py). Held, a collection comes only after START_THRESHOLD new
objects (a start holds 50,000-60,000 at its first rows), so nothing piles up unbounded
should no window come (the first-run wizard, a demo database being written)."""

from __future__ import annotations

import gc

START_THRESHOLD = 200_000

_usual: tuple[int, int, int] | None = None  # the thresholds while held, to put back


def hold() -> None:
    """Collect the youngest generation only after START_THRESHOLD new objects (again: no
    effect while held)."""
    global _usual
    if _usual is None:
        _usual = gc.get_threshold()
        gc.set_threshold(START_THRESHOLD, *_usual[1:])


def held() -> bool:
    return _usual is not None


def release(*, freeze: bool) -> None:
    """The usual thresholds back, if held; ``freeze``: what was made so far frozen first,
    so that the next collection does not walk all of it at once."""
    global _usual
    if _usual is None:
        return
    if freeze:
        gc.freeze()
    gc.set_threshold(*_usual)
    _usual = None
