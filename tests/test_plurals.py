"""Issue 14, finding 7: counts in English are singular or plural as the number wants
(gettext's ngettext); Vietnamese has one form."""

from __future__ import annotations

import pytest

from desktop.i18n import activate, ngettext


@pytest.fixture
def english():
    activate("en")
    yield
    activate("vi")


@pytest.mark.parametrize(("message", "one", "many"), [
    ("{n} thôn, bản", "1 village", "3 villages"),
    ("{n} thành viên", "1 member", "3 members"),
    ("{n} trang", "1 page", "3 pages"),
    ("{n} xung đột chưa xử lý", "1 unresolved conflict", "3 unresolved conflicts"),
    ("Đã xuất {n} dòng ra {p}", "Exported 1 row to ds.xlsx", "Exported 3 rows to ds.xlsx"),
])
def test_english_counts(english, message, one, many):
    assert ngettext(message, message, 1).format(n=1, p="ds.xlsx") == one
    assert ngettext(message, message, 3).format(n=3, p="ds.xlsx") == many


def test_the_areas_page_counts_villages(english):
    from desktop.ui.places.areas_page import _n_villages

    assert (_n_villages(1), _n_villages(2)) == ("1 village", "2 villages")


def test_vietnamese_has_one_form():
    assert ngettext("{n} trang", "{n} trang", 1).format(n=1) == "1 trang"
    assert ngettext("{n} trang", "{n} trang", 5).format(n=5) == "5 trang"


def test_the_conflicts_dialog_writes_times_as_the_window_does():
    from desktop.ui.exchange.sync_dialogs import _moment

    assert _moment("2026-12-06T16:18:34") == "16:18 06/12/2026"
    assert _moment("không rõ") == "không rõ"
