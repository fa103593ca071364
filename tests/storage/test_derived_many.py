"""An import computes the sort keys and search text of its new records together
(``derived.columns_many``, issue 12): the same values, record by record, as ``columns``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.kinds import KINDS
from desktop.storage import derived

# Vietnamese letters, tones, đ, spaces and punctuation, digits, the separator the batch uses,
# newlines and other control characters, combining marks, a zero-width space.
ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĐƠÝ àáảãạ ́̉\u200b_-.,/09\x00\n\t"
VALUES = st.none() | st.text(ALPHABET, max_size=12) | st.integers(0, 10**12)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from([k for k in KINDS.values() if derived.column_names(k)]),
       data=st.data())
def test_columns_many_is_columns_of_each(kind, data):
    fields = [f.name for f in kind.fields]
    records = data.draw(st.lists(st.fixed_dictionaries({}, optional={
        f: VALUES for f in fields}), max_size=8))
    assert derived.columns_many(kind, records) == [derived.columns(kind, r) for r in records]


def test_repeated_names_share_their_keys():
    person = KINDS["person"]
    records = [{"full_name": "Giàng A Dính"}, {"full_name": "Giàng A Dính"},
               {"full_name": "Lò Thị Mai", "phone": "0912.345.678"}]
    keys = derived.columns_many(person, records)
    # The phone is not in a person's search text (migration 27: read through its index).
    assert keys[0] == keys[1] and keys[2][1] == "lo thi mai"
