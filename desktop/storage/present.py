"""Stored values shown to people: dd/mm/yyyy dates, choice labels, catalogue names and the
titles of referenced records. Used by the CLI's tables and the window alike."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from desktop.domain import dates
from desktop.domain.kinds import KINDS, Field, FieldType, Kind
from desktop.domain.results import stat_period_label
from desktop.i18n import _
from desktop.storage import dbapi
from desktop.storage.derived import format_meeting_number


@lru_cache(maxsize=65536)
def _date_text(iso: str) -> str:
    return dates.PartialDate.from_iso(iso).display()


@lru_cache(maxsize=65536)
def _datetime_text(iso: str) -> str:
    return dates.format_datetime(dates.parse_datetime(iso))


class Presenter:
    """Formats values of one database, caching the lookups it makes."""

    def __init__(self, conn: dbapi.Connection) -> None:
        self.conn = conn
        self.catalogue_name = lru_cache(maxsize=4096)(self._catalogue_name)
        self.ref_title = lru_cache(maxsize=20000)(self._ref_title)

    def _catalogue_name(self, catalogue: str, code: str) -> str:
        row = self.conn.execute("SELECT name FROM catalogue_item WHERE catalogue = ? AND code = ?",
                                (catalogue, code)).fetchone()
        return str(row[0]) if row else code

    def _ref_title(self, kind_name: str, record_id: str) -> str:
        kind = KINDS[kind_name]
        row = self.conn.execute(f"SELECT {kind.title_field} FROM {kind.table} WHERE id = ?",
                                (record_id,)).fetchone()
        return str(row[0]) if row and row[0] is not None else record_id

    def value(self, f: Field, value: object) -> str:
        if value is None or value == "":
            # An empty choice with a default means the default (an old record's độ mật).
            return dict(f.choices).get(f.default, "") if f.default else ""
        if f.type is FieldType.DATE:
            return _date_text(str(value))
        if f.type is FieldType.DATETIME:
            return _datetime_text(str(value))
        if f.type is FieldType.CHOICE:
            return dict(f.choices).get(str(value), str(value))
        if f.type is FieldType.BOOL:
            return _("Có") if value else _("Không")
        if f.type is FieldType.CODE and f.catalogue:
            return self.catalogue_name(f.catalogue, str(value))
        if f.type is FieldType.REF and f.ref:
            return self.ref_title(f.ref, str(value))
        return str(value)

    def record(self, kind: Kind, rec: dict[str, object],
               only: Collection[str] | None = None) -> dict[str, str]:
        """The record's fields as shown (``only``: just these, e.g. a table's columns)."""
        shown = {f.name: self.value(f, rec.get(f.name)) for f in kind.fields
                 if only is None or f.name in only}
        if kind.name == "crime_stat" and rec.get("period") and "period" in shown:
            # «tháng 10/2026», «quý IV/2026», not the stored 2026-10, 2026-Q4
            shown["period"] = stat_period_label(str(rec["period"]))
        if kind.name == "meeting" and rec.get("number") is not None:
            number = rec["number"]
            shown["number"] = format_meeting_number(
                number if isinstance(number, int) else None, str(rec.get("issuer") or ""))
        return shown
