"""Updating a commune's program never loses data (issue 15): a database left at any older
migration level upgrades through every migration after a backup; a migration whose number
landed below databases already made (11, 13, 15, 18, 21 so far) still runs on them; an older
program refuses a database a newer one migrated, with a message, touching nothing.

One chain of databases is built once per module: after each migration a closed copy (with
its key file), and a person written early so its survival can be checked at every level.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbkit import copy_database

from desktop.domain.errors import SchemaTooNewError
from desktop.storage import backup, db, migrations

PERSON = ("p-truoc-nang-cap", "Lò Thị Hoà")
ALL = [m.version for m in migrations.MIGRATIONS]


def _close(conn) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _ran(path: Path) -> list[int]:
    conn = db.open_file(path, db.key_for(path))
    try:
        return [r[0] for r in conn.execute("SELECT version FROM schema_migrations "
                                           "ORDER BY version")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def levels(tmp_path_factory) -> dict[int, Path]:
    """version → a closed database that ran the migrations up to and including it."""
    folder = tmp_path_factory.mktemp("levels")
    work = folder / "work.db"
    conn = db.open_database(work, migrate=False)
    out: dict[int, Path] = {}
    for m in migrations.MIGRATIONS:
        migrations.apply(conn, stop_before=m.version + 1)
        if m.version == 2:  # the person table and the units exist from here on
            conn.execute("INSERT INTO person(id, _part, full_name) VALUES (?, 'x', ?)", PERSON)
        _close(conn)
        out[m.version] = copy_database(work, folder / f"v{m.version}.db")
        conn = db.open_database(work, migrate=False)
    _close(conn)
    return out


def _copy(source: Path, target: Path) -> Path:
    copy_database(source, target)
    db.remember_key(target, db.key_for(source))
    return target


def test_the_open_path_knows_every_migration():
    """db.py's fast path trusts a database whose schema_migrations holds exactly these."""
    assert list(db.MIGRATION_VERSIONS) == ALL, (
        "add the new migration's number to db.MIGRATION_VERSIONS")
    assert sorted(set(ALL)) == ALL
    assert ALL[-1] == db.SCHEMA_VERSION


@pytest.mark.parametrize("level", ALL[:-1])
def test_a_database_at_an_older_level_upgrades_with_a_backup_and_keeps_its_data(
        levels, tmp_path, level):
    path = _copy(levels[level], tmp_path / "commune.db")
    conn = db.open_database(path)
    try:
        assert migrations.current_version(conn) == ALL[-1]
        assert [r[0] for r in conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version")] == ALL
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if level >= 2:
            assert conn.execute("SELECT full_name FROM person WHERE id = ?",
                                (PERSON[0],)).fetchone()[0] == PERSON[1]
    finally:
        conn.close()
    (made,) = backup.list_backups(path)
    assert made.reason == f"before-migration-v{level}"
    assert _ran(made.path) == [v for v in ALL if v <= level]  # the copy is the old database


# The order the migrations landed in (git log of migrations.py): the programs handed out
# along the way had the first k of these. A new migration is appended when it lands.
LANDED = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 17, 13, 11, 19, 15, 22, 20, 21, 18, 23, 24, 26,
          25, 28, 27, 30, 31, 32, 34, 37)


def test_every_migration_has_its_place_in_the_landing_order():
    assert sorted(LANDED) == ALL, "append the new migration's number to LANDED"


@pytest.mark.parametrize("k", range(11, len(LANDED)))
def test_a_database_made_before_late_numbers_landed_runs_them(levels, tmp_path, monkeypatch,
                                                               k):
    """A database made by the program that had ``LANDED[:k]`` (numbers below its version may
    land later: 11 and 13 after 17, 15 and 18 and 21 after 22) is brought up to date, after
    a backup, by this program, whatever the order."""
    had = sorted(LANDED[:k])
    complete = max(v for v in had if all(u in had for u in ALL if u <= v))
    path = _copy(levels[complete], tmp_path / "commune.db")
    older = [m for m in migrations.MIGRATIONS if m.version in had]
    monkeypatch.setattr(migrations, "MIGRATIONS", older)  # the program of that day
    conn = db.open_database(path, migrate=False)
    migrations.apply(conn)
    _close(conn)
    monkeypatch.undo()
    assert _ran(path) == had

    conn = db.open_database(path)  # this program
    try:
        assert [r[0] for r in conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version")] == ALL
        assert migrations.current_version(conn) == ALL[-1]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT full_name FROM person WHERE id = ?",
                            (PERSON[0],)).fetchone()[0] == PERSON[1]
    finally:
        conn.close()
    (made,) = backup.list_backups(path)  # one copy, of the database as it was
    assert _ran(made.path) == had


def test_an_older_program_refuses_a_database_a_newer_one_migrated(levels, tmp_path,
                                                                  monkeypatch):
    """Two ways a database can be newer: a higher version, or a migration numbered below
    this program's last that this program does not have."""
    path = _copy(levels[ALL[-1]], tmp_path / "commune.db")
    unknown = next(v for v in range(11, ALL[-1]) if v not in ALL)  # a number handed out
    conn = db.open_file(path, db.key_for(path))
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'newer work', '2027-01-01')",
                 (unknown,))
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match=f"bước {unknown} .*Hãy cập nhật ANTQ Desk"):
        db.open_database(path)
    assert path.read_bytes() == before and backup.list_backups(path) == []
    with pytest.raises(SchemaTooNewError):  # nor is it restored as a backup
        backup.check_backup(path, db.key_for(path))

    higher = _copy(levels[ALL[-1]], tmp_path / "higher.db")
    conn = db.open_file(higher, db.key_for(higher))
    conn.execute(f"PRAGMA user_version = {ALL[-1] + 1}")
    conn.close()
    before = higher.read_bytes()
    with pytest.raises(SchemaTooNewError, match=f"lược đồ {ALL[-1] + 1}.*cập nhật"):
        db.open_database(higher)
    assert higher.read_bytes() == before

