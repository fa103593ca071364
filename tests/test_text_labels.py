"""Labels as shown (desktop/domain/text.py): a value on its own capitalised, a long column title
on two lines."""

from __future__ import annotations

import pytest

from desktop.domain.text import in_two_lines, lower_first, upper_first


@pytest.mark.parametrize(("value", "shown"), [
    ("chỉ huy", "Chỉ huy"), ("có", "Có"), ("đã khóa", "Đã khóa"), ("tổng hợp tỉnh",
                                                                 "Tổng hợp tỉnh"),
    ("CCCD", "CCCD"), ("", ""), ("yes", "Yes"),
])
def test_upper_first_capitalises_the_first_letter_only(value, shown):
    assert upper_first(value) == shown
    assert lower_first(upper_first(value)) == lower_first(value)


def test_a_long_title_breaks_after_its_comma_a_short_one_stays():
    assert in_two_lines("Trong đó rất nghiêm trọng, đặc biệt nghiêm trọng") == \
        "Trong đó rất nghiêm trọng,\nđặc biệt nghiêm trọng"
    assert in_two_lines("Người sử dụng trái phép chất ma túy") == \
        "Người sử dụng trái\nphép chất ma túy"
    assert in_two_lines("Tội phạm về TTXH (vụ)") == "Tội phạm về TTXH (vụ)"
    assert in_two_lines("x" * 40) == "x" * 40  # no space: as it is


def test_a_comma_near_the_start_does_not_make_a_lopsided_break():
    title = "Vụ, trong đó số đối tượng bị bắt giữ theo quyết định khởi tố"
    first, second = in_two_lines(title).split("\n")
    assert abs(len(first) - len(second)) < len(title) / 3
