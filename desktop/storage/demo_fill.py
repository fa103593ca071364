"""The start every demo fill shares (demo.py, demo_article.py): a new site marked as the demo's,
its write path, a tally per kind of what was added (what ``antq demo`` prints), and the
province's communes to spread the records over."""

from __future__ import annotations

import datetime as dt

from desktop.storage import dbapi, site
from desktop.storage.writer import Store


class DemoFill:
    def __init__(self, conn: dbapi.Connection, *, site_name: str, province: str, mark: str,
                 today: dt.date) -> None:
        site.init_site(conn, name=site_name, province_code=province)
        site.set_meta(conn, mark, "1")
        self.conn = conn
        self.province = province
        self.store = Store(conn, actor="demo", today=today)
        self.counts: dict[str, int] = {}

    def add_many(self, kind: str, rows: list[dict[str, object]]) -> list[str]:
        ids = self.store.add_many(kind, rows) if rows else []
        self.counts[kind] = self.counts.get(kind, 0) + len(ids)
        return ids

    def communes(self) -> list[dbapi.Row]:
        """The province's communes in force, by code."""
        return self.conn.execute(
            "SELECT u.id, u.code, u.name FROM unit u JOIN unit p ON p.id = u.parent_id "
            "WHERE p.code = ? AND u.level = 'commune' AND u.valid_to IS NULL ORDER BY u.code",
            (self.province,)).fetchall()
