"""UUIDv7 record keys (RFC 9562): time-ordered, made offline without coordination.

Written here rather than taken from the ``uuid6`` package: that package costs 40 ms of import
time (it loads importlib.metadata) on a start-up budget of a few hundred, and the format is a
dozen lines. The stdlib gains ``uuid.uuid7`` in Python 3.14.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """48 bits of Unix milliseconds, then a 12-bit counter (monotonic within one
    millisecond, RFC 9562 §6.2 method 1), then 62 random bits."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms, _counter = ms, int.from_bytes(os.urandom(2), "big") & 0x3FF
        counter = _counter
    import uuid  # loads platform and more (3 ms): paid at the first new id, not at start-up

    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def new_id() -> str:
    return str(uuid7())
