"""validation.stored_all (an import's distinct values checked at once, issue 12) refuses text
a local write would have cleaned exactly when the check of one value (check_stored, which
names what is wrong) refuses it: spaces at either end, two spaces running, odd spaces and line
breaks, the Eth «Ð», empty text — the ends found by str.strip, the rest by patterns that re
can search fast."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop.domain import validation
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS

PERSON = KINDS["person"]
# Every kind of space and line break Python's \s knows, the Eth and its small letter, text.
ALPHABET = st.sampled_from([" ", " ", " ", "a", "a", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c",
                            "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u202f", "\u3000",
                            "\u00d0", "\u00f0", "\u200b", "\ufeff", "\u00ad", "a", "Đ",
                            "ư", "1"])


def one_by_one(field: str, value: str) -> bool:
    try:
        validation.stored_checker(PERSON, field)(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["full_name", "address", "notes"]), st.text(ALPHABET, max_size=6))
@example("full_name", "a  a")
@example("notes", "a  a")
@example("notes", "a \nb")
@example("notes", "a\n\nb")
@example("notes", "a\rb")
@example("full_name", "a\u00a0a")
@example("full_name", "\u00d0a")
@example("full_name", "")
@example("notes", "a\u200bb")
@example("notes", "a\n")
def test_the_many_values_check_refuses_what_the_one_value_check_refuses(field, value):
    assert validation.stored_all(PERSON, field, [value]) == one_by_one(field, value)
    assert validation.stored_all(PERSON, field, ["Lò Văn Sáng", value, "Bản Mé"]) == \
        one_by_one(field, value)
