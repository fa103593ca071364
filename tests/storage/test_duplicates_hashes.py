"""The duplicates scan's key hashes spelled out (issue 12: duplicates._hashes, the scan's
per-person work) are the hashes of the keys match_keys makes, without the CCCD's: the keys a
person is filed under and looks up are the same as before, so a database scanned by the
program before finds the same twins after."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.storage import duplicates as d

NAMES = st.one_of(st.none(), st.just(""), st.just("   "), st.sampled_from(
    ["Lò Văn Sáng", "lo van sang", "Đặng  Thị   Hà", "Nguyễn Văn Người 7", "Giàng A Páo",
     "A", "Ñoño ĐĐ"]), st.text(max_size=30))
BIRTHS = st.one_of(st.none(), st.just(""), st.sampled_from(
    ["1985", "1985-03", "1985-03-05", "2001-12-31", "19"]), st.text(max_size=12))


def _from_match_keys(row: dict) -> tuple[list[int], list[int]]:
    """The hashes as the scan made them before: every key of match_keys but the CCCD's,
    each hashed by key_hash."""
    filed, looked = d.match_keys(row)
    return ([d.key_hash(k) for k in filed if not k.startswith(d._CCCD)],
            [d.key_hash(k) for k in looked if not k.startswith(d._CCCD)])


@settings(max_examples=400, deadline=None)
@given(NAMES, BIRTHS, st.one_of(st.none(), st.just("011085001234")))
def test_hashes_are_those_of_the_match_keys(name, born, cccd) -> None:
    row = {"full_name": name, "birth_date": born, "citizen_id": cccd}
    expected = _from_match_keys(row)
    assert d._hashed_keys(row) == expected
    filed, looked = d._hashes(name, born)
    assert (list(filed), list(looked)) == expected


def test_a_full_date_and_a_year_file_and_look_up_as_documented() -> None:
    y = d.key_hash("y:lo van sang|1985")
    p = d.key_hash("p:lo van sang|1985")
    full = d.key_hash("d:lo van sang|1985-03-05")
    assert d._hashes("Lò Văn Sáng", "1985-03-05") == ((y, full), (full, p))
    assert d._hashes("Lò  văn SÁNG", "1985") == ((y, p), (y,))
    assert d._hashes("Lò Văn Sáng", None) == ((), ())
    assert d._hashes(None, "1985") == ((), ())
