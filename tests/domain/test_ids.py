import time
import uuid

from desktop.domain.ids import new_id, uuid7


def test_uuid7_has_version_variant_and_time():
    u = uuid7()
    assert u.version == 7 and u.variant == uuid.RFC_4122
    ms = u.int >> 80
    assert abs(ms - time.time_ns() // 1_000_000) < 5000


def test_ids_made_in_a_burst_are_unique_and_ordered():
    ids = [new_id() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
