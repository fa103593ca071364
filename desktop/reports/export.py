"""Exporting a list of records or a roster to .xlsx / .csv, with the values as people read
them (dd/mm/yyyy, names of catalogue items and referenced records), in the internal or the
public profile (desktop/reports/profiles.py, the same function the printed roster uses), and
with the «MẬT» line on top when a classified record is in it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from desktop.domain.kinds import KINDS, FieldType, Kind
from desktop.i18n import _
from desktop.reports import profiles
from desktop.reports.profiles import Profile
from desktop.reports.roster import CommuneOrgs, roster_data
from desktop.reports.spreadsheet import write_table
from desktop.storage import accounts, dbapi, records, rosters
from desktop.storage.present import Presenter
from desktop.storage.writer import kind_named


def export_kind(conn: dbapi.Connection, kind_name: str, path: Path,
                filters: Mapping[str, object] | None = None, *,
                profile: Profile = Profile.INTERNAL) -> int:
    """Every (not deleted) record of a kind, optionally filtered on fields; returns rows."""
    accounts.require(conn, "export")
    kind = kind_named(kind_name)
    presenter = Presenter(conn)
    rows = records.page(conn, kind, records.Query(filters=filters or None), limit=-1)
    # A merged person's alias is the program's link, never a column (issue 15).
    names = profiles.columns(profile, [f.name for f in kind.fields if f.name != "merged_into"])
    headings = ["id", *(kind.field(n).label for n in names)]
    classified = _names_classified(conn, kind, rows)
    profiles.check_public(profile, classified)
    shown = ([str(r["id"]), *profiles.redact(profile, presenter.record(kind, r, names)).values()]
             for r in rows)
    return write_table(Path(path), headings, shown, title=kind.label,
                       mark=profiles.mark() if classified else None)


def _names_classified(conn: dbapi.Connection, kind: Kind,
                      rows: list[records.Record]) -> bool:
    """Whether a row is classified Mật, or names (by a reference shown as its title) a
    person, organization or meeting that is: a membership list naming a Mật person is
    marked as the roster is."""
    if any(r.get("classification") == profiles.CLASSIFIED for r in rows):
        return True
    return any(
        f.type is FieldType.REF and f.ref in profiles.CLASSIFIABLE
        and profiles.any_classified(conn, KINDS[f.ref].table,
                                    (str(r[f.name]) for r in rows if r.get(f.name)))
        for f in kind.fields)


def export_roster(conn: dbapi.Connection, scope: rosters.Scope | CommuneOrgs, path: Path, *,
                  profile: Profile = Profile.INTERNAL, search: str | None = None) -> int:
    """The roster with the printout's columns (and an organization column for a commune)."""
    accounts.require(conn, "export")
    data = roster_data(conn, scope, profile=profile, search=search)
    grouped = any(h is not None for h, _rows in data.groups)
    headings = [c.heading for c in data.columns] + ([_("Tổ chức")] if grouped else [])
    out = []
    for heading, rows in data.groups:
        for row in rows:
            out.append([row[c.key] for c in data.columns] + ([heading] if grouped else []))
    return write_table(Path(path), headings, out, title=data.title,
                       mark=profiles.mark() if data.classified else None)


EXPORTABLE = tuple(KINDS)
