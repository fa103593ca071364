"""Hybrid logical clock (Kulkarni et al. 2014): stamps that respect causality whatever the
wall clocks say, packed into one sortable integer ``(wall_ms << 16) | counter``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1


def pack(wall_ms: int, counter: int) -> int:
    return (wall_ms << COUNTER_BITS) | counter


def unpack(stamp: int) -> tuple[int, int]:
    return stamp >> COUNTER_BITS, stamp & COUNTER_MASK


def wall_ms_now() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class HybridClock:
    """The clock of one site. ``last`` is the greatest stamp issued or observed."""

    last: int = 0
    wall: Callable[[], int] = wall_ms_now

    def now(self) -> int:
        """A stamp greater than every stamp issued or observed so far."""
        wall = self.wall()
        last_ms, counter = unpack(self.last)
        if wall > last_ms:
            self.last = pack(wall, 0)
        elif counter < COUNTER_MASK:
            self.last = pack(last_ms, counter + 1)
        else:  # counter overflow within one millisecond: borrow the next millisecond
            self.last = pack(last_ms + 1, 0)
        return self.last

    def observe(self, remote: int) -> None:
        """Advance past a stamp seen in data, so later local edits beat it."""
        if remote > self.last:
            self.last = remote
