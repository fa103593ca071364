"""The home page: the movement's figures for the selected unit and period, against the same
period a year earlier, with a small chart — the figures the article reports."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.reports import periods
from desktop.storage import dbapi
from desktop.ui.common.counting import Failure, Reader
from desktop.ui.common.widgets import read_only_table
from desktop.ui.records.pages import AppContext, Selection, format_count
from desktop.ui.records.unit_list_page import unit_in_view

_CURRENT, _PREVIOUS = QColor("#1f5fa8"), QColor("#9bb7d8")
_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def number_cell(value: int) -> QTableWidgetItem:
    """A figure, right-aligned as in every table of figures."""
    cell = QTableWidgetItem(format_count(value))
    cell.setTextAlignment(_NUMBER)
    return cell


def period_choices(today: dt.date) -> list[tuple[str, periods.Period]]:
    q = (today.month - 1) // 3 + 1
    h = 1 if today.month <= 6 else 2
    return [
        (_("Năm {y}").format(y=today.year), periods.year(today.year)),
        (_("6 tháng {h} năm {y}").format(h=_("đầu") if h == 1 else _("cuối"), y=today.year),
         periods.half(today.year, h)),
        (_("Quý {q} năm {y}").format(q=q, y=today.year), periods.quarter(today.year, q)),
        (_("Tháng {m}/{y}").format(m=today.month, y=today.year),
         periods.month(today.year, today.month)),
        (_("Năm {y}").format(y=today.year - 1), periods.year(today.year - 1)),
    ]


NOT_SENT_NAMED = 6  # communes named on the home page; the rest counted


def read_figures(conn: dbapi.Connection, unit: str, period: periods.Period) -> dict:
    """What the home page shows for ``unit`` in ``period``: read on the Reader's worker
    thread, with its own connection."""
    from desktop.reports.movement import report_data  # reportlab: not at start-up
    from desktop.storage import tips

    return {"data": report_data(conn, unit, period),
            "late": tips.overdue(conn, unit_scope=unit)}


class BarChart(QWidget):
    """Pairs of bars: this period and the same period a year earlier."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, int, int]] = []
        self.label_rects: list[tuple[str, QRectF]] = []  # where the last paint wrote them
        self.figure_rects: list[QRectF] = []  # and the figures above the bars
        self.setMinimumHeight(220)

    def set_rows(self, rows: list[tuple[str, int, int]]) -> None:
        self.rows = rows
        self.update()

    def label_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.8))
        return small

    def slot_width(self) -> float:
        return (self.width() - 2 * 10) / max(1, len(self.rows))

    def labels_height(self, slot: float) -> int:
        """Room under the bars for the tallest label wrapped to its slot: the labels are
        written in words («Thành viên thôi tham gia»), never cut."""
        metrics = QFontMetrics(self.label_font())
        flags = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.TextFlag.TextWordWrap)
        return max((metrics.boundingRect(QRect(0, 0, int(slot), 1000), flags, label).height()
                    for label, _c, _b in self.rows), default=0)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        if not self.rows:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        # Above the tallest pair: the legend's line, then its two staggered figures.
        top, left = 50, 10
        slot = self.slot_width()
        small = self.label_font()
        bottom = self.labels_height(slot) + 6
        peak = max(max(c, b) for _l, c, b in self.rows) or 1
        bar = min(28.0, slot / 3)
        p.setFont(small)
        self.label_rects, self.figure_rects = [], []
        for i, (label, current, before) in enumerate(self.rows):
            x = left + i * slot + slot / 2
            # The figures stand on two lines above the taller bar of the pair: over each
            # bar's own top, two near-equal bars («1.478», «1.578») wrote one over the other.
            pair_top = h - bottom - (h - top - bottom) * max(current, before) / peak
            for j, (value, colour) in enumerate(((before, _PREVIOUS), (current, _CURRENT))):
                height = (h - top - bottom) * value / peak
                rect = QRectF(x - bar + j * bar, h - bottom - height, bar - 2, height)
                p.fillRect(rect, colour)
                # This period's figure just above the pair, last year's on the line above.
                figure = QRectF(rect.x() - bar / 2, pair_top - 16 - 14 * (1 - j), bar * 2, 14)
                p.drawText(figure, Qt.AlignmentFlag.AlignCenter, format_count(value))
                self.figure_rects.append(figure)
            where = QRectF(x - slot / 2, h - bottom + 4, slot, bottom - 4)
            p.drawText(where, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, label)
            self.label_rects.append((label, where))
        p.fillRect(QRectF(w - 200, 4, 12, 12), _CURRENT)
        p.drawText(QRectF(w - 184, 2, 80, 16), Qt.AlignmentFlag.AlignLeft, _("Kỳ này"))
        p.fillRect(QRectF(w - 110, 4, 12, 12), _PREVIOUS)
        p.drawText(QRectF(w - 94, 2, 90, 16), Qt.AlignmentFlag.AlignLeft, _("Cùng kỳ"))
        p.end()


class HomePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selection = Selection()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.period = QComboBox()
        for label, period in period_choices(dt.date.today()):
            self.period.addItem(label, period)
        self.period.currentIndexChanged.connect(self.reload)
        self.print_button = QPushButton(_("In báo cáo…"))
        self.print_button.clicked.connect(self.print_report)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(QLabel(_("Kỳ báo cáo:")))
        head.addWidget(self.period)
        head.addWidget(self.print_button)

        self.summary = read_only_table(
            [_("Chỉ tiêu"), _("Kỳ này"), _("Cùng kỳ"), _("Tăng/giảm")], (250, 70, 70))
        # The figures' columns as wide as their headings ("Same period last year" was cut to
        # "period las"); the indicator's name takes the rest.
        header = self.summary.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.chart = BarChart()
        self.by_type = read_only_table([_("Loại tổ chức"), _("Số tổ/đội"), _("Số thành viên")])
        # The type's name takes the room left by the figures, so the longest is not cut.
        header = self.by_type.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.by_type.setWordWrap(True)  # in a narrow window it wraps onto a taller row
        rows = self.by_type.verticalHeader()
        rows.setMinimumSectionSize(rows.defaultSectionSize())
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        # Tips not transferred to the investigating agency in time (desktop/storage/tips.py).
        self.overdue = QLabel()
        self.overdue.setWordWrap(True)
        self.overdue.setStyleSheet("color: #9b1c1c; font-weight: bold;")
        self.overdue.setVisible(False)
        layout.addWidget(self.overdue)
        # The figures could not be read (a locked or damaged file, a bug): said, with a retry.
        self.problem = QWidget()
        self.problem_text = QLabel()
        self.problem_text.setWordWrap(True)
        self.problem_text.setStyleSheet("color: #9b1c1c;")
        self.retry_button = QPushButton(_("Thử lại"))
        self.retry_button.clicked.connect(lambda: self.reload())
        problem = QHBoxLayout(self.problem)
        problem.setContentsMargins(0, 0, 0, 0)
        problem.addWidget(self.problem_text, 1)
        problem.addWidget(self.retry_button)
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        # Tips, crime, An toàn and cameras (Biểu 3-5; per village on hover).
        self.results = QLabel()
        self.results.setWordWrap(True)
        layout.addWidget(self.results)
        # At the province: the communes that sent no data for the period (overview.not_sent).
        self.not_sent = QLabel()
        self.not_sent.setWordWrap(True)
        self.not_sent.setVisible(False)
        layout.addWidget(self.not_sent)
        row = QHBoxLayout()
        row.addWidget(self.summary, 3)
        row.addWidget(self.chart, 2)
        layout.addLayout(row, 3)
        layout.addWidget(QLabel(_("Tổ chức quần chúng theo loại:")))
        layout.addWidget(self.by_type, 2)
        self.data: dict | None = None
        # The figures are read off the UI thread: a commune of 300,000 people held the window
        # 0.9 s at each showing of this page, each unit clicked in the tree and each period
        # chosen (the members' people read for Biểu 1, twice: this period and cùng kỳ). The
        # figures shown stay, greyed, until the new ones come; an older answer is dropped.
        self.reader = Reader(ctx.conn, self, delay=0.0)
        self.reader.read.connect(self._show)
        self.reader.failed.connect(self._failed)

    def unit_id(self) -> str | None:
        return unit_in_view(self.ctx, self.selection)

    def set_selection(self, selection: Selection) -> None:
        self.selection = selection
        self.reload()

    def reload(self) -> None:
        unit = self.unit_id()
        if unit is None:
            self.title.setText(_("Chọn một địa bàn bên trái"))
            return
        period = self.period.currentData()
        for widget in (self.summary, self.chart, self.by_type):
            widget.setEnabled(False)
        self.retry_button.setEnabled(False)  # (asked: the failure said stays till it comes)
        self.reader.ask(lambda conn: read_figures(conn, unit, period))

    def _failed(self, failure: Failure) -> None:
        """The figures could not be read: the ones shown stay greyed, and why is said."""
        self.problem_text.setText(_("Không đọc được số liệu: {why}").format(why=failure.text))
        self.problem.setVisible(True)
        self.retry_button.setEnabled(True)

    def _show(self, figures: dict) -> None:
        self.problem.setVisible(False)
        for widget in (self.summary, self.chart, self.by_type):
            widget.setEnabled(True)
        self.data, late = figures["data"], figures["late"]
        self.title.setText(f"{self.data['unit']['name']} — {self.data['period']['label']}")
        from desktop.storage import tips

        self.overdue.setText(tips.overdue_message(late))
        self.overdue.setVisible(bool(late))
        from desktop.reports.results_annexes import home_lines

        text, per_village = home_lines(self.data)
        self.results.setText(text)
        self.results.setToolTip(per_village)
        if "not_sent" in self.data:
            from desktop.sync.overview import not_sent_text

            rows, whole = self.data["not_sent"], not_sent_text(self.data["not_sent"])
            # A province whose 45 communes have not sent wrote 45 names over half the page:
            # how many, the first few, the whole list on hover and on the Các xã page.
            if len(rows) > NOT_SENT_NAMED:
                self.not_sent.setText(ngettext(
                    "{n} xã/phường chưa gửi số liệu kỳ này: {x}… (cả danh sách ở trang Các xã)",
                    "{n} xã/phường chưa gửi số liệu kỳ này: {x}… (cả danh sách ở trang Các xã)",
                    len(rows)).format(n=len(rows), x=", ".join(
                        str(r["name"]) for r in rows[:NOT_SENT_NAMED])))
                self.not_sent.setToolTip(whole)
            else:
                self.not_sent.setText(whole)
                self.not_sent.setToolTip("")
        self.not_sent.setVisible("not_sent" in self.data)
        summary = self.data["summary"]
        self.summary.setRowCount(len(summary))
        for r, item in enumerate(summary):
            change = item["diff_text"]
            if item["percent_text"] not in ("—", item["diff_text"]):
                change = f"{change} ({item['percent_text']})"
            self.summary.setItem(r, 0, QTableWidgetItem(item["label"]))
            self.summary.setItem(r, 1, number_cell(item["current"]))
            self.summary.setItem(r, 2, number_cell(item["previous"]))
            self.summary.setItem(r, 3, QTableWidgetItem(change))
        self.chart.set_rows([(i["short"], int(i["current"]), int(i["previous"]))
                             for i in summary[:6]])
        types = [t for t in self.data["bieu1"]["rows"] if t.get("organizations")]
        self.by_type.setRowCount(len(types))
        for r, t in enumerate(types):
            name = QTableWidgetItem(t["name"])
            name.setToolTip(t["name"])
            self.by_type.setItem(r, 0, name)
            self.by_type.setItem(r, 1, number_cell(t["organizations"]))
            self.by_type.setItem(r, 2, number_cell(t["members"]))

    def print_report(self) -> None:
        from desktop.reports.movement import render_report
        from desktop.ui.common.print_preview import print_document

        unit, period = self.unit_id(), self.period.currentData()
        if unit is None:
            return
        print_document(self.ctx.tasks, self.ctx.db_path, _("Báo cáo phong trào"),
                       "bao-cao.pdf", lambda conn, _ctx: render_report(conn, unit, period),
                       self, self.ctx.notify)
