"""The duplicates scan's keys spelled out (issue 12: duplicates._hashes, the scan's per-person
work) are what _hashed_keys gives the rest of the module, and since migration 30 one key a
person with the ranges it looks up (tests/storage/test_one_match_key.py holds them to the
pairs match_keys meets)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.storage import duplicates as d

NAMES = st.one_of(st.none(), st.just(""), st.just("   "), st.sampled_from(
    ["Lò Văn Sáng", "lo van sang", "Đặng  Thị   Hà", "Nguyễn Văn Người 7", "Giàng A Páo",
     "A", "Ñoño ĐĐ"]), st.text(max_size=30))
BIRTHS = st.one_of(st.none(), st.just(""), st.sampled_from(
    ["1985", "1985-03", "1985-03-05", "2001-12-31", "19"]), st.text(max_size=12))


@settings(max_examples=400, deadline=None)
@given(NAMES, BIRTHS, st.one_of(st.none(), st.just("011085001234")))
def test_hashes_are_those_of_the_match_keys(name, born, cccd) -> None:
    row = {"full_name": name, "birth_date": born, "citizen_id": cccd}
    filed, looked = d._hashes(name, born)
    assert d._hashed_keys(row) == (list(filed), list(looked))
    text_filed, text_looked = d.match_keys(row)
    names_keys = [k for k in text_filed if not k.startswith(d._CCCD)]
    assert len(filed) == (1 if names_keys else 0)  # two text keys, one integer
    assert bool(looked) == bool(names_keys)
    # A person meets itself exactly when its text keys do (a partial date: its year).
    assert any(lo <= k <= hi for k in filed for lo, hi in looked) == \
        bool(set(names_keys) & set(text_looked))


def test_a_full_date_and_a_year_file_and_look_up_as_documented() -> None:
    (full,), ((lo, hi), (year, year_)) = d._hashes("Lò Văn Sáng", "1985-03-05")
    assert lo == hi == full and year == year_ == full & ~511 and full & 511 == 3 * 32 + 5
    assert d._hashes("Lò  văn SÁNG", "1985") == ((year,), ((year, year | 511),))
    assert d._hashes("Lò Văn Sáng", "1985-03") == d._hashes("lo van sang", "1985")
    assert d._hashes("Lò Văn Sáng", None) == ((), ())
    assert d._hashes(None, "1985") == ((), ())
