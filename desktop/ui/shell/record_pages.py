"""The pages of the main window and how each is built: one list per record kind, with the
actions that belong to it. Built when first shown (see MainWindow.page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from PySide6.QtWidgets import QPushButton, QWidget

from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import records, rosters
from desktop.ui.common.dialogs import free_on_close
from desktop.ui.records.editors import (
    CatalogueDialog,
    MeetingDialog,
    ModelDialog,
    OrganizationDialog,
)
from desktop.ui.records.pages import AppContext, DeletedPage, RecordPage
from desktop.ui.records.record_dialog import RecordDialog


class OrganizationPage(RecordPage):
    dialog_class = OrganizationDialog


class CataloguePage(RecordPage):
    dialog_class = CatalogueDialog


class MeetingPage(RecordPage):
    dialog_class = MeetingDialog

    def __init__(self, ctx: AppContext, *args, **kw) -> None:
        super().__init__(ctx, *args, **kw)
        self.print_button = QPushButton(_("In biên bản…"))
        self.print_button.clicked.connect(self.print_minutes)
        self.toolbar.addWidget(self.print_button)

    def print_minutes(self) -> None:
        """Mẫu 1.9 of the selected minutes."""
        from desktop.reports.minutes import render_minutes
        from desktop.ui.common.print_preview import print_document

        meeting_id = self.current_id()
        if meeting_id is None:
            self.ctx.notify(_("Chọn một biên bản trước"))
            return
        print_document(self.ctx.tasks, self.ctx.db_path, _("Biên bản"), "bien-ban.pdf",
                       lambda conn, _ctx: render_minutes(conn, meeting_id), self,
                       self.ctx.notify)


class ModelPage(RecordPage):
    dialog_class = ModelDialog

    def __init__(self, ctx: AppContext, *args, **kw) -> None:
        super().__init__(ctx, *args, **kw)
        self.replicate_button = QPushButton(_("Nhân rộng…"))
        self.replicate_button.setToolTip(_("Mô hình đang chọn được nhân rộng tới địa bàn "
                                           "đang chọn bên trái"))
        self.replicate_button.clicked.connect(self.replicate)
        self.toolbar.addWidget(self.replicate_button)

    def query(self) -> records.Query:
        """A village shows its commune's models: those are the ones replicated into it."""
        q = super().query()
        if q.unit_scope:
            q = replace(q, unit_scope=rosters.commune_of(self.ctx.conn, q.unit_scope)
                        or q.unit_scope)
        return q

    def replicate(self) -> RecordDialog | None:
        """Two clicks: select a village in the tree and a model here, then Nhân rộng, Lưu."""
        model_id = self.current_id()
        if model_id is None:
            self.ctx.notify(_("Chọn một mô hình trước"))
            return None
        presets: dict[str, object] = {"model_id": model_id}
        dialog = free_on_close(RecordDialog(self.ctx.undo, KINDS["replication"], None,
                                            presets=presets, unit_scope=self.selection.unit_id,
                                            parent=self))
        if self.selection.unit_id:
            dialog.editors["unit_id"].set_value(self.selection.unit_id, "")
        dialog.editors["replicated_date"].widget.setText(dt.date.today().strftime("%d/%m/%Y"))
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog


def build_page_early(name: str, parent: QWidget) -> QWidget | None:
    """The page called ``name`` without its data (``attach(ctx)`` gives it), if it can be
    built so: the people page, the one a window first shows, while the password is typed
    (issue 12, the start). None for any other."""
    if name == "people":
        from desktop.ui.people.people_page import PeoplePage

        return PeoplePage(None, parent)
    return None


def build_page(name: str, ctx: AppContext) -> QWidget:
    """The page called ``name`` (see MainWindow.PAGES)."""
    if name == "home":
        from desktop.ui.movement.home_page import HomePage  # brings the report code (reportlab)

        return HomePage(ctx)
    if name == "people":
        from desktop.ui.people.people_page import PeoplePage

        return PeoplePage(ctx)
    if name == "organizations":
        return OrganizationPage(ctx, "organization", ("name", "org_type", "unit_id",
                                                      "founded_date", "decision_number", "status"),
                                filters=("org_type", "status"))
    if name == "areas":
        from desktop.ui.places.areas_page import AreasPage

        return AreasPage(ctx)
    if name == "meetings":
        return MeetingPage(ctx, "meeting", ("number", "title", "started_at", "organization_id",
                                            "place"), filters=("kind",), newest_first=True)
    if name == "models":
        return ModelPage(ctx, "model", ("name", "model_type", "unit_id", "started_date",
                                        "status", "is_point"), filters=("model_type", "status"))
    if name == "deeds":
        return RecordPage(ctx, "deed", ("deed_date", "person_id", "organization_id",
                                        "description", "commendation_form",
                                        "commendation_level"),
                          filters=("commendation_form",), newest_first=True)
    if name == "tips":
        from desktop.ui.movement.tips_page import TipPage

        return TipPage(ctx)
    if name == "catalogues":
        # Names, not codes (danh_hieu_tap_the_…): the code is the program's, made from the name.
        return CataloguePage(ctx, "catalogue", ("catalogue", "name", "aliases", "sort_order",
                                                "active"), filters=("catalogue",))
    if name in ("cameras", "establishments", "safety", "crime"):
        from desktop.ui.movement.results_pages import build_results_page

        return build_results_page(name, ctx)
    if name == "duplicates":
        from desktop.ui.people.duplicates_page import DuplicatesPage

        return DuplicatesPage(ctx)
    if name == "communes":
        from desktop.ui.exchange.communes_page import CommunesPage

        return CommunesPage(ctx)
    if name == "deleted":
        return DeletedPage(ctx)
    if name == "audit":
        from desktop.ui.accounts.audit_page import AuditPage

        return AuditPage(ctx)
    raise KeyError(name)
