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


def test_record_ids_are_compact_unique_ordered_and_carry_the_time():
    from desktop.domain import validation
    from desktop.domain.ids import ALPHABET, RECORD_ID_LENGTH, new_record_id

    ids = [new_record_id() for _ in range(20000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(i) == RECORD_ID_LENGTH and validation.RECORD_ID.fullmatch(i) for i in ids)
    n = 0
    for ch in ids[0]:
        n = n * 32 + ALPHABET.index(ch)
    assert abs((n >> 51) - time.time_ns() // 1_000_000) < 5000


def test_both_record_id_forms_are_valid():
    from desktop.domain import validation

    assert validation.RECORD_ID.fullmatch(new_id())  # made before issue 12: valid forever
    assert validation.RECORD_ID.fullmatch("f3d5accc-137a-5d73-b2d0-8c7b10796edb")  # uuid5
    for bad in ("", "06h4t3vcag04ms4snh", "06h4t3vcag04ms4snh2g", "06H4T3VCAG04MS4SNH2",
                "06h4t3vcag04ms4snhi",
                "f3d5accc137a5d73b2d08c7b10796edb", "F3D5ACCC-137A-5D73-B2D0-8C7B10796EDB"):
        assert not validation.RECORD_ID.fullmatch(bad), bad
