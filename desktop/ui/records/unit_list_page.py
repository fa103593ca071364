"""A record page whose list prints for one place: the place chosen in the tree, else the
site's own commune (the camera and tip pages share this; the home page reports on the same
place)."""

from __future__ import annotations

from collections.abc import Callable

from desktop.i18n import _
from desktop.storage import dbapi, rosters
from desktop.ui.records.pages import AppContext, RecordPage, Selection


def unit_in_view(ctx: AppContext, selection: Selection) -> str | None:
    """The place chosen in the tree, else the site's own unit (None before a site is set)."""
    if selection.unit_id:
        return selection.unit_id
    site = ctx.site
    return rosters.unit_of_site(ctx.conn, site.unit_code) if site else None


class UnitListPage(RecordPage):
    def unit_id(self) -> str | None:
        return unit_in_view(self.ctx, self.selection)

    def print_unit_list(self, title: str, suggested_name: str,
                        render: Callable[[dbapi.Connection, str], bytes]) -> None:
        """Preview ``render(conn, unit)`` off the UI thread, or say a place must be chosen."""
        from desktop.ui.common.print_preview import print_document

        unit = self.unit_id()
        if unit is None:
            self.ctx.notify(_("Chọn một địa bàn bên trái"))
            return
        print_document(self.ctx.tasks, self.ctx.db_path, title, suggested_name,
                       lambda conn, _ctx: render(conn, unit), self, self.ctx.notify)
