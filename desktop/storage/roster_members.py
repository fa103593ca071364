"""Who now belongs to an organization, by rowids: what a roster under an organization-type or
role filter tests its people against (storage/rosters.py), kept by triggers (migration 32).

A membership names its person and organization by their ids (the keys that travel in
bundles); a roster walks the person's indexes, whose entries end with the person's integer
rowid. Finding the members' rowids from their ids read each membership row and then the id
index once a member: about 1,600 encrypted pages for the 3,229 members of an organization
type at 300,000 people, 30-50 ms before a first page (issue 12). ``roster_member`` holds, for
each current membership (not deleted, not ended, of an organization there and not deleted),
its organization's type, its role and its person's rowid, in that order: a type's members
are a few pages read in one range (3 ms read afresh at 300,000 people).

It is derived data, local to this file: never synced, never in a bundle; the triggers below
keep it whatever writes the tables (a local write, an import, an undo) and a restore brings
its own file's. A person written after its membership (an import writes its tables in the
order of their names) leaves 0 until :func:`resolve` at the end of the import (a trigger on
every person an import inserts cost 5 µs each); :func:`person_rowids` finds such a member by
its ids, as before. A person removed (by undoing the
import that made it) sets its memberships' rows to 0, so that a later person taking its
rowid again is never counted a member.
"""

from __future__ import annotations

import json

from desktop.storage import dbapi

SCHEMA = (
    # One b-tree, ordered as it is read (a type's members, by role): 40 bytes a membership.
    "CREATE TABLE roster_member (org_type TEXT NOT NULL, role TEXT NOT NULL, "
    "membership INTEGER NOT NULL, person INTEGER NOT NULL, "
    "PRIMARY KEY (org_type, role, membership)) WITHOUT ROWID",
)

# The rows of memberships as the triggers and the migration write them: current memberships
# of an organization that is there and not deleted. No type or no role is '' (NULL is no key),
# a person not there is 0.
_DERIVED = ("INSERT INTO roster_member (org_type, role, membership, person) "
            "SELECT coalesce(o.org_type, ''), coalesce(m.role, ''), m._rowid, "
            "coalesce(p._rowid, 0) FROM membership m "
            "JOIN organization o ON o.id = m.organization_id "
            "LEFT JOIN person p ON p.id = m.person_id "
            "WHERE m._deleted = 0 AND m.left_date IS NULL AND o._deleted = 0")
# A membership's row, found by its key: the organization's type now is the one in the row
# (the organization's triggers write its memberships' rows anew when it changes).
_MEMBERSHIP_ROW = ("DELETE FROM roster_member WHERE org_type = (SELECT coalesce(org_type, '') "
                   "FROM organization WHERE id = old.organization_id) AND "
                   "role = coalesce(old.role, '') AND membership = old._rowid")
# An organization's rows: its type's range, its memberships in it.
_ORG_ROWS = ("DELETE FROM roster_member WHERE org_type = coalesce(old.org_type, '') AND "
             "membership IN (SELECT _rowid FROM membership WHERE organization_id = old.id)")

TRIGGERS = (
    "CREATE TRIGGER roster_member_ai AFTER INSERT ON membership BEGIN "
    f"{_DERIVED} AND m._rowid = new._rowid; END",
    "CREATE TRIGGER roster_member_au AFTER UPDATE OF person_id, organization_id, role, "
    f"left_date, _deleted ON membership BEGIN {_MEMBERSHIP_ROW}; "
    f"{_DERIVED} AND m._rowid = new._rowid; END",
    f"CREATE TRIGGER roster_member_ad AFTER DELETE ON membership BEGIN {_MEMBERSHIP_ROW}; END",
    # An organization made after its memberships (no rows yet), of another type, deleted or
    # put back (a tombstone is a field like any other), or removed by an undo.
    "CREATE TRIGGER roster_member_org_ai AFTER INSERT ON organization BEGIN "
    f"{_DERIVED} AND m.organization_id = new.id; END",
    "CREATE TRIGGER roster_member_org_au AFTER UPDATE OF org_type, _deleted ON organization "
    "WHEN old.org_type IS NOT new.org_type OR old._deleted IS NOT new._deleted BEGIN "
    f"{_ORG_ROWS}; {_DERIVED} AND m.organization_id = new.id; END",
    f"CREATE TRIGGER roster_member_org_ad AFTER DELETE ON organization BEGIN {_ORG_ROWS}; END",
    # A person removed (an undo of the import that made it): its rowid may be taken again.
    "CREATE TRIGGER roster_member_person_ad AFTER DELETE ON person BEGIN "
    "UPDATE roster_member SET person = 0 WHERE org_type IN (SELECT coalesce(o.org_type, '') "
    "FROM membership m JOIN organization o ON o.id = m.organization_id WHERE m.person_id = "
    "old.id) AND role IN (SELECT coalesce(role, '') FROM membership WHERE person_id = old.id) "
    "AND membership IN (SELECT _rowid FROM membership WHERE person_id = old.id); END",
)
TRIGGER_NAMES = ("roster_member_ai", "roster_member_au", "roster_member_ad",
                 "roster_member_org_ai", "roster_member_org_au", "roster_member_org_ad",
                 "roster_member_person_ad")


def create(conn: dbapi.Connection) -> None:
    """Migration 32: the table, its triggers, and every current membership's row."""
    for stmt in (*SCHEMA, *TRIGGERS):
        conn.execute(stmt)
    fill(conn)


def fill(conn: dbapi.Connection) -> None:
    """Every row anew from the memberships (the migration; a test's check of the triggers)."""
    conn.execute("DELETE FROM roster_member")
    conn.execute(f"{_DERIVED} ORDER BY 1, 2, 3")


def ensure(conn: dbapi.Connection) -> None:
    """After every migration (as the search index's triggers are): a table rebuilt by a later
    migration (sqlite-utils' ``transform`` drops triggers) gets its triggers back and the rows
    anew, which its writes meanwhile may have left behind."""
    names = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    if "roster_member" not in names or names.issuperset(TRIGGER_NAMES):
        return
    for name, stmt in zip(TRIGGER_NAMES, TRIGGERS, strict=True):
        if name not in names:
            conn.execute(stmt)
    fill(conn)


def resolve(conn: dbapi.Connection) -> None:
    """The people of rows left 0 that are there now: after an import, which writes its tables
    in the order of their names (memberships before people). A scan of the table: 2 ms at
    300,000 people."""
    conn.execute("UPDATE roster_member SET person = coalesce((SELECT p._rowid FROM membership m "
                 "JOIN person p ON p.id = m.person_id WHERE m._rowid = roster_member.membership), "
                 "0) WHERE person = 0")


def person_rowids(conn: dbapi.Connection, org_type: str | None, role: str | None
                  ) -> list[int]:
    """The rowids of the people who now belong to an organization of ``org_type`` / hold
    ``role`` (either may be None: any), ascending, each once."""
    return [int(x) for x in json.loads(person_rowids_json(conn, org_type, role))]


def person_rowids_json(conn: dbapi.Connection, org_type: str | None, role: str | None
                       ) -> str:
    """:func:`person_rowids` as a JSON list, made by SQLite in one row: a row each (20,820
    «Tổ viên» at the province) was 14 ms warm, each row taking the interpreter's lock again
    (waiting up to 5 ms while a worker's Python held it); this is 6 ms. Members whose person
    was not there when their row was written (0) are found by their ids in the same read."""
    if org_type:
        where, args = ["r.org_type = ?"], [org_type]
    else:  # each type's range, the role's part of it (the table has no order by role alone)
        where, args = ["r.org_type IN (SELECT DISTINCT coalesce(org_type, '') "
                       "FROM organization)"], []
    if role:
        where.append("r.role = ?")
        args.append(role)
    # One read of the range: a row's own person, else (0) its person found by ids (coalesce
    # looks there only then); none found (a person not there at all) is left out.
    return str(conn.execute(
        "SELECT json_group_array(DISTINCT person) FROM (SELECT coalesce(nullif(r.person, 0), "
        "(SELECT p._rowid FROM membership m JOIN person p ON p.id = m.person_id "
        "WHERE m._rowid = r.membership)) AS person FROM roster_member r "
        f"WHERE {' AND '.join(where)} ORDER BY 1) WHERE person IS NOT NULL",
        args).fetchone()[0])
