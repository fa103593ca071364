"""Pages of a long list read a part at a time as End is held (issue 12): the record lists
(desktop/ui/records/record_model.py) and a place's roster (desktop/ui/people/roster_model.py)
read a page asked for within READ_BUDGET_S at a time, the rest in the next turns of the
event loop, with the cycle collector held off during each read."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# A page asked for is read this much at a time, at most, by the rate the list's last read
# had (a row of minutes tested and read ~5 µs warm; a good deed at the tree's root, its
# person's row read afresh for its place, 20-50 µs; a rowid of a commune's roster walked
# down the name index ~0.9 µs, 25,600 of them a page): the rest comes in the next turns of
# the event loop, painted between them, so that a fetch with its rows' insertion and the
# paint after it fits a frame (16 ms).
READ_BUDGET_S = 0.008


@contextlib.contextmanager
def collections_held() -> Iterator[None]:
    """The cycle collector held off while a page is read. The rows SQLite gives back (and
    their values' tuples) live until the read ends, and die then: a young collection
    meanwhile (one each 700 of them) found them alive, walked them and passed them on to
    the older generations, each such passing bringing the next full collection nearer; one
    came inside a read of 1,600 rows at 300,000 people every few lists (11-14 ms of processor
    with bench_lists' 100k database read before it, 5-6 in a new process). Held, none comes
    during the read, and after it the young generation holds little the read made (its rows
    are not tracked: records.page's ``every_key``). Not held if it is held already (an
    import holds it whole)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def read_size(wanted: int, per_row: float, least: int) -> int:
    """How many of ``wanted`` rows to read at once, at ``per_row`` seconds a row (the list's
    last read; 0: not known): what READ_BUDGET_S allows, and never less than ``least`` (a
    page of the list)."""
    return wanted if per_row <= 0 else min(wanted, max(least, int(READ_BUDGET_S / per_row)))
