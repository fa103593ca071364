"""A record page whose list prints for one place: the place chosen in the tree, else the
site's own commune (the camera and tip pages share this)."""

from __future__ import annotations

from collections.abc import Callable

from desktop.i18n import _
from desktop.storage import dbapi, rosters
from desktop.ui.pages import RecordPage


class UnitListPage(RecordPage):
    def unit_id(self) -> str | None:
        if self.selection.unit_id:
            return self.selection.unit_id
        site = self.ctx.site
        return rosters.unit_of_site(self.ctx.conn, site.unit_code) if site else None

    def print_unit_list(self, title: str, suggested_name: str,
                        render: Callable[[dbapi.Connection, str], bytes]) -> None:
        """Preview ``render(conn, unit)`` off the UI thread, or say a place must be chosen."""
        from desktop.ui.print_preview import print_document

        unit = self.unit_id()
        if unit is None:
            self.ctx.notify(_("Chọn một địa bàn bên trái"))
            return
        print_document(self.ctx.tasks, self.ctx.db_path, title, suggested_name,
                       lambda conn, _ctx: render(conn, unit), self, self.ctx.notify)
