"""The pages of the main window in a few sections (issue 14): a bar of sections named in the
officer's words, and under a section of several pages a bar of its pages, so that every page is
in view at 1024 px and one or two clicks away — seventeen tabs in one bar hid some behind scroll
arrows. A section of one page (Trang chủ, Các xã) shows the page itself.

To the window it is one tab widget whose tabs are its pages, numbered as MainWindow.PAGES
(currentIndex, setCurrentIndex, currentChanged, setTabVisible …): the window, its menus and
the remembered page do not know about sections. Only QtWidgets: it is built before the first
paint."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabBar, QTabWidget, QVBoxLayout, QWidget


class SectionedPages(QWidget):
    """``pages``: (name, label) in the window's order; ``sections``: (name, label, page names).
    Every page has an empty slot widget (``slots``, in the order of ``pages``) that the window
    fills when the page is first shown."""

    # The page shown changed: its index in ``pages``.
    currentChanged = Signal(int)  # noqa: N815 - QTabWidget's name

    def __init__(self, pages, sections, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = [label for _name, label in pages]
        index_of = {name: i for i, (name, _label) in enumerate(pages)}
        self.slots: list[QWidget] = [QWidget() for _page in pages]
        for slot in self.slots:
            QVBoxLayout(slot).setContentsMargins(0, 0, 0, 0)
        self.section_tabs = QTabWidget()
        self._all_tabs = [self.section_tabs]
        # Where each page is: (its section, the section's own page tabs or None, its tab there)
        self._place: list[tuple[int, QTabWidget | None, int]] = [(-1, None, -1)] * len(pages)
        self._hidden: set[int] = set()
        for s, (_name, label, names) in enumerate(sections):
            indexes = [index_of[n] for n in names]
            if len(indexes) == 1:  # the page itself, no bar of one tab under its section's tab
                self.section_tabs.addTab(self.slots[indexes[0]], label)
                self._place[indexes[0]] = (s, None, 0)
                continue
            inner = QTabWidget()
            inner.setDocumentMode(True)  # a bar over the page, no second frame inside the first
            inner.tabBar().setExpanding(False)
            self._all_tabs.append(inner)
            for j, i in enumerate(indexes):
                inner.addTab(self.slots[i], self._labels[i])
                inner.setTabToolTip(j, self._labels[i])  # whole, should the label be shortened
                self._place[i] = (s, inner, j)
            inner.currentChanged.connect(self._changed)
            inner.tabBar().setAccessibleName(label)
            self.section_tabs.addTab(inner, label)
            # Where a page is, before opening the section: its pages on hover.
            self.section_tabs.setTabToolTip(s, ", ".join(self._labels[i] for i in indexes))
        missing = [pages[i][0] for i, (s, _t, _j) in enumerate(self._place) if s < 0]
        if missing:
            raise ValueError(f"pages in no section: {missing}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.section_tabs)
        for tabs in self._all_tabs:
            # No tab behind an arrow: too narrow a window (or too large a font) shortens the
            # labels instead, the whole of each on hover. Set as a property, by the enum's
            # value (Qt.TextElideMode.ElideRight): naming Qt builds its namespace's enums, 25 ms
            # the frame and the login prompt would wait for (issue 12).
            tabs.setUsesScrollButtons(False)
            tabs.setProperty("elideMode", 1)
        self._current = self.currentIndex()
        self.section_tabs.currentChanged.connect(self._changed)

    # -- the tab widget's words, over pages ----------------------------------------------

    def count(self) -> int:
        return len(self.slots)

    def tabText(self, i: int) -> str:  # noqa: N802 - QTabWidget's name
        return self._labels[i]

    def currentIndex(self) -> int:  # noqa: N802
        shown = self.section_tabs.currentWidget()
        if isinstance(shown, QTabWidget):
            shown = shown.currentWidget()
        return self.slots.index(shown) if shown in self.slots else -1

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        i = self.currentIndex()
        return self.slots[i] if i >= 0 else None

    def setCurrentIndex(self, i: int) -> None:  # noqa: N802
        if not 0 <= i < len(self.slots) or i in self._hidden:
            return
        section, inner, j = self._place[i]
        if inner is not None:
            inner.setCurrentIndex(j)  # first, so the section opens on it
        self.section_tabs.setCurrentIndex(section)

    def isTabVisible(self, i: int) -> bool:  # noqa: N802
        return i not in self._hidden

    def setTabVisible(self, i: int, visible: bool) -> None:  # noqa: N802
        """A page hidden (the province's Các xã at a commune); a section whose pages are all
        hidden is hidden too."""
        (self._hidden.discard if visible else self._hidden.add)(i)
        section, inner, j = self._place[i]
        if inner is not None:
            inner.setTabVisible(j, visible)
        in_section = [k for k, place in enumerate(self._place) if place[0] == section]
        self.section_tabs.setTabVisible(section, any(k not in self._hidden for k in in_section))
        self._changed()

    # -- where a page's tab is, to click it ----------------------------------------------

    def section_of(self, i: int) -> int:
        return self._place[i][0]

    def clicks_to(self, i: int) -> list[tuple[QTabBar, int]]:
        """The tabs an officer clicks to show page ``i``, in order: its section's, then its
        own when the section has several pages."""
        section, inner, j = self._place[i]
        clicks = [(self.section_tabs.tabBar(), section)]
        if inner is not None:
            clicks.append((inner.tabBar(), j))
        return clicks

    def _changed(self, _index: int = -1) -> None:
        i = self.currentIndex()
        if i != self._current:
            self._current = i
            self.currentChanged.emit(i)
