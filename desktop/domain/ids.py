"""Keys made offline without coordination, time-ordered: UUIDv7 (RFC 9562) for sites, bundles
and databases, and its compact 19-character form for records (:func:`new_record_id`).

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
    import uuid  # loads platform and more (3 ms): paid at the first new id, not at start-up

    return uuid.UUID(int=_uuid7_int())


def _uuid7_int() -> int:
    """:func:`uuid7` as its 128-bit number (a record id needs no UUID object: issue 12)."""
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
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    return (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b


def new_id() -> str:
    """A UUIDv7 as text (36 characters): site, database and bundle ids."""
    return str(uuid7())


# Crockford's base32 in lower case: digits sort before letters, so the text sorts as the
# number does (time order); no i, l, o or u to misread when an id is read out or copied.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECORD_ID_LENGTH = 19  # 95 bits
_PAIRS = [a + b for a in ALPHABET for b in ALPHABET]  # 10 bits at a time: two characters


def new_record_id() -> str:
    """A record's key, in 19 characters instead of a UUID's 36 (issue 12: the id is written in
    its row, its unique index and at every reference to it and their indexes, 17 bytes saved
    at each). The same UUIDv7 made the same way, kept to 95 bits: its milliseconds in 44 bits
    (until the year 2527), its 12-bit counter (unique and ordered within this process) and the
    first 39 of its 62 random bits: two sites meet only in the same millisecond with the same
    counter, and then one chance in 2**39 to draw the same bits. Ids made before stay UUIDs
    forever: they are the records' identities at every site (validation.RECORD_ID takes
    both)."""
    value = _uuid7_int()
    ms, counter = (value >> 80) & ((1 << 44) - 1), (value >> 64) & 0xFFF
    rand = (value & ((1 << 62) - 1)) >> 23
    n = (ms << 51) | (counter << 39) | rand
    return ALPHABET[n >> 90] + "".join([_PAIRS[(n >> s) & 1023] for s in range(80, -1, -10)])
