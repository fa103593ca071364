"""The window's first page built while the password is typed (issue 12, the start budget):
its widgets and model wait, empty, in their tab behind the prompt; the login gives them the
data, and the page then works as one built after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import Qt
from uikit import when_modal

from desktop.domain.text import fold
from desktop.storage import catalogues, db
from desktop.ui.accounts.login import LoginDialog
from desktop.ui.people.people_page import PeoplePage
from desktop.ui.shell.app import make_application, start_window


@pytest.fixture
def xa(qapp, demo_factory, tmp_path) -> Path:
    path = tmp_path / "xa.db"
    copy_database(demo_factory(1, 10), path)
    return path


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_the_people_page_built_behind_the_prompt_is_the_one_shown_and_searched(
        xa, qtbot, monkeypatch, windows):
    monkeypatch.setattr(db, "_KEYS", {})  # nothing unlocked in this process yet: a real login
    make_application()
    typing: dict[str, object] = {}

    def type_then_log_in(dialog: LoginDialog) -> None:
        # The officer types for a while: the preloader's turns run meanwhile, the last of
        # them builds the page and shows it (on the event loop's next turn).
        qtbot.waitUntil(lambda: w.preloader.done, timeout=20000)

        def shown() -> bool:
            early = w.tabs.currentWidget().findChild(PeoplePage)
            return early is not None and early.isVisible()

        for _turn in range(250):  # up to 5 s (never raised from here: the dialog would wait)
            if shown():
                break
            qtbot.wait(20)
        typing["visible"] = shown()
        early = w.tabs.currentWidget().findChild(PeoplePage)
        typing["page"] = early
        typing["rows"] = early and early.model.rowCount()
        typing["filters"] = early and (early.org_type_filter.count(), early.role_filter.count())
        typing["logged_in"] = w.conn is not None
        dialog.user.setText(TEST_USER)
        dialog.password.setText(TEST_PASSWORD)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    when_modal(LoginDialog, type_then_log_in)
    w = start_window(xa, backup=False)
    windows.append(w)
    with qtbot.waitSignal(w.filled, timeout=20000):
        pass
    # Built while the password was typed and shown empty behind the prompt: no data before
    # the login.
    assert isinstance(typing["page"], PeoplePage)
    assert typing["visible"] is True and typing["logged_in"] is False
    assert typing["rows"] == 0 and typing["filters"] == (1, 1)
    page = w.people
    assert page is typing["page"]
    qtbot.waitUntil(page.table.isVisible, timeout=5000)
    assert page.model.rowCount() > 0
    # The data the login gave it: the filters hold the catalogue's types and roles.
    assert combo_texts(page.org_type_filter) == ["Loại tổ chức: tất cả"] + [
        i.name for i in catalogues.items(w.conn, "org_type")]
    assert combo_texts(page.role_filter) == ["Chức danh: tất cả"] + [
        i.name for i in catalogues.items(w.conn, "role")]
    assert page.org_type_filter.count() > 1 and page.role_filter.count() > 1
    # A search typed in it (real key events, no diacritics) narrows the roster and counts it.
    word = fold(page.model.cell_text(0, 0).split()[-1]).lower()
    assert word.isascii()
    page.search.setFocus()
    qtbot.keyClicks(page.search, word)

    def names() -> list[str]:
        return [page.model.cell_text(r, 0) for r in range(page.model.rowCount())]

    # (its first letters searched at once, the whole word once typing pauses)
    qtbot.waitUntil(lambda: names() and all(word in fold(n).lower() for n in names()),
                    timeout=5000)
    shown = names()
    qtbot.waitUntil(lambda: page.model.counted_total is not None, timeout=10000)
    assert page.model.counted_total >= len(shown)
