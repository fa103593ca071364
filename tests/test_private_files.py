"""The data folder is private (issue 11): made by the program, every folder in it is 0700
and every file 0600, and a database an earlier version left readable becomes private."""

from __future__ import annotations

import os
import stat

import pytest
from test_cli import antq

from desktop.storage import db

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def test_everything_the_program_writes_is_this_users_only(tmp_path):
    data = tmp_path / "data"
    path = data / "x.db"
    antq("demo", "--db", str(path), "--communes", "1", "--people-per-village", "3",
         data_dir=data)
    antq("backup", "--db", str(path), data_dir=data)
    antq("export", "person", "--db", str(path), "--out", str(tmp_path / "people.csv"),
         data_dir=data)
    found = list(data.rglob("*"))
    assert any(p.name.endswith(".keys") for p in found)
    assert any(p.parent.name == "x-backups" for p in found)
    for p in [data, *found]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_an_open_makes_a_readable_database_private(conn, db_path):
    conn.close()
    db_path.chmod(0o644)
    db.open_database(db_path).close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
