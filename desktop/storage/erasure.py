"""*Xóa vĩnh viễn*: erasing a deleted person's personal data (issue 11, DOMAIN.md §4.6.9).

A person must first be in *Đã xóa gần đây* (deleted, a tombstone). Erasing then, in one
transaction:

* blanks the personal fields (:data:`ERASED_FIELDS`: name, birth date, sex, ethnicity, CCCD,
  old CMND number, phone, address, education, notes) through the one write path
  (``Store.blank_fields``), so it is an ordinary versioned change that syncs to every replica
  and beats the old values there. Kept: the id, ``residence_unit_id`` (the village: it decides
  the record's partition, i.e. which commune and province hold it and may write it — blanking
  it would strand the change) and the tombstone. Records that refer to the person (a
  membership, attendance at a meeting, a good deed, a meeting's chair) keep pointing at the id,
  which now names no one; their own fields are not the person's data and stay;
* records an ``erase`` entry in the audit log, naming the record and the backups that may
  still hold the old values, and drops the readable values (``old``/``new``) of every earlier
  entry about the person, keeping their keyed digest — the chain still verifies
  (desktop/storage/audit.py explains how). A create keeps no values since schema 13 (they are
  the record, now blank); one converted from before keeps its JSON until redacted here;
* drops the person's values from this site's conflict queue (``sync_conflict``) and every
  import's undo journal (desktop/storage/undo.py; after a local write none could apply);
* with ``secure_delete`` on, merging the full-text index (``optimize``: its older segments
  keep deleted words), so the old text is overwritten in the file rather than left in free
  pages, and truncates the WAL after. The merge rewrites the people's index: well under a
  second for a commune, a few seconds for a province.

Backups made before the erasure still hold the old values until they are pruned (by age,
``backup.plan``): :func:`erase_person` lists them so the officer is told.

Not reached here: the audit entries another replica wrote about this person itself (edits made
at the province); erasing there too redacts them (erasing an already blank record is allowed).
Attachments of the person (photos, scans) are not yet removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.kinds import PERSON
from desktop.i18n import _
from desktop.storage import audit, backup, dbapi, undo
from desktop.storage.writer import Store

# Also kept: ``merged_into``, the survivor a merged record's id names (no personal data; the
# references that arrive later naming the old id still find the survivor).
ERASED_FIELDS: tuple[str, ...] = tuple(
    f.name for f in PERSON.fields if f.name not in ("residence_unit_id", "merged_into"))


@dataclass
class Erased:
    person_id: str
    fields: list[str]  # the fields that held a value
    redacted: int  # audit entries whose values were dropped
    erase_seq: int  # the audit entry of the erasure
    backups: list[backup.Backup] = field(default_factory=list)  # may still hold the values

    def as_dict(self) -> dict[str, object]:
        return {"id": self.person_id, "fields": self.fields, "redacted": self.redacted,
                "audit_seq": self.erase_seq,
                "backups": [{"file": str(b.path),
                             "created": b.created.isoformat(timespec="seconds")}
                            for b in self.backups]}


def db_file(conn: dbapi.Connection) -> Path | None:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2])
    return None


def backups_holding(conn: dbapi.Connection) -> list[backup.Backup]:
    """The backups of this database made so far: each may hold a person erased now."""
    path = db_file(conn)
    return backup.list_backups(path) if path is not None else []


def erase_person(store: Store, person_id: str) -> Erased:
    """Erase a deleted person's personal data everywhere it syncs (see the module's text).

    The one door of *Xóa vĩnh viễn*: its transaction checks the role (``erase``: the chief).
    """
    conn = store.conn
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with store.transaction("erase"):
            row = store.get_row(PERSON, person_id)
            if not row["_deleted"]:
                raise UserError(_("«{n}» chưa bị xóa: chỉ xóa vĩnh viễn được người đã ở trang "
                                  "«Đã xóa gần đây» (xóa trước, rồi xóa vĩnh viễn)").format(
                    n=row["full_name"] or person_id))
            held = backups_holding(conn)
            blanked = store.blank_fields(PERSON.name, person_id, ERASED_FIELDS)
            # The index keeps deleted words in its older segments until they are merged
            # (FTS5's own secure-delete mode leaves the words' keys): merge them all now.
            conn.execute(f"INSERT INTO {PERSON.table}_fts({PERSON.table}_fts) "
                         "VALUES ('optimize')")
            seq = audit.record_event(conn, store.actor, "erase", {
                "fields": blanked, "backups": [b.path.name for b in held]},
                tbl=PERSON.table, pk=person_id)
            redacted = audit.redact(conn, PERSON.table, person_id, seq)
            conn.execute("UPDATE sync_conflict SET loser_value = NULL, winner_value = NULL "
                         "WHERE tbl = ? AND pk = ?", (PERSON.table, person_id))
            undo.drop_all(conn)  # the import journals hold old values (and cannot apply now)
            from desktop.storage import duplicates  # its match keys: the folded name, the CCCD

            duplicates.scan(conn, only=[person_id])  # not a migration's backlog (issue 12)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure):d}")
    if db_file(conn) is not None:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old pages out of the -wal file
    return Erased(person_id, blanked, redacted, seq, held)
