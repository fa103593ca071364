"""The pages of the movement's results (issue 13): citizen cameras with their counts per
village, agencies/enterprises/schools, the yearly "An toàn về ANTT" evaluations, crime figures.
Each a list of its kind over the same write path as ``antq add camera`` …"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from desktop.domain import formatting
from desktop.i18n import _
from desktop.storage import paging, results
from desktop.ui.records.pages import AppContext, RecordPage
from desktop.ui.records.unit_list_page import UnitListPage

PAGE_NAMES = ("cameras", "establishments", "safety", "crime")


class CameraPage(UnitListPage):
    """Cameras of the selected place, with what they add up to per village above the list."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "camera", ("owner_name", "unit_id", "address", "camera_count",
                                         "connected", "consent", "notice_sign", "status",
                                         "installed_date"),
                         filters=("status",), newest_first=True, parent=parent)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.layout().insertWidget(1, self.totals)
        self.print_button = QPushButton(_("In danh sách…"))
        self.print_button.setToolTip(_("Danh sách camera của địa bàn đang chọn (bản nội bộ, có "
                                       "tọa độ)"))
        self.print_button.clicked.connect(lambda: self.print_list())
        self.toolbar.addWidget(self.print_button)

    def print_list(self) -> None:
        from desktop.reports.cameras import render_camera_list

        self.print_unit_list(_("Danh sách camera"), "camera.pdf", render_camera_list)

    def reload(self) -> None:
        super().reload()
        # The totals are the place's, whatever is typed: counted again when the place or the
        # database changes, not at every key typed in the search (1,000-3,000 cameras at
        # 100,000-300,000 people: 5-7 ms a key)
        shown_for = (self.selection.unit_id, paging.stamp(self.ctx.conn))
        if shown_for != getattr(self, "_totals_for", None):
            self._totals_for = shown_for
            self.show_totals()

    def show_totals(self) -> None:
        """"12 hệ thống, 38 mắt camera đang hoạt động; 9 hệ thống kết nối với Công an xã", and
        per village on hover."""
        unit = self.selection.unit_id
        if unit is None:
            totals = results.site_camera_totals(self.ctx.conn)
            systems, cameras, connected = (totals[k] for k in ("systems", "cameras", "connected"))
            self.totals.setToolTip("")
        else:
            per = results.cameras_by_village(self.ctx.conn, unit)
            systems = sum(int(r["systems"]) for r in per)
            cameras = sum(int(r["cameras"]) for r in per)
            connected = sum(int(r["connected"]) for r in per)
            self.totals.setToolTip("\n".join(
                _("{u}: {s} hệ thống, {c} mắt camera, {k} kết nối").format(
                    u=r["name"], s=formatting.number(r["systems"]),
                    c=formatting.number(r["cameras"]), k=formatting.number(r["connected"]))
                for r in per))
        self.totals.setText(_("Đang hoạt động: {s} hệ thống, {c} mắt camera; {k} hệ thống kết "
                              "nối, chia sẻ với Công an xã").format(
            s=formatting.number(systems), c=formatting.number(cameras),
            k=formatting.number(connected)))


def build_results_page(name: str, ctx: AppContext) -> QWidget:
    if name == "cameras":
        return CameraPage(ctx)
    if name == "establishments":
        return RecordPage(ctx, "establishment", ("name", "establishment_type", "unit_id",
                                                 "address", "head", "exemption"),
                          filters=("establishment_type",))
    if name == "safety":
        return RecordPage(ctx, "safety_evaluation", ("year", "subject_kind", "unit_id",
                                                     "establishment_id", "result",
                                                     "decision_number", "movement_rating"),
                          filters=("subject_kind", "result"), newest_first=True)
    if name == "crime":
        return RecordPage(ctx, "crime_stat", ("period", "unit_id", "social_cases",
                                              "social_serious", "social_solved", "drug_cases",
                                              "drug_offenders", "drug_users"),
                          newest_first=True)
    raise KeyError(name)
