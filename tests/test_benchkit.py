"""What a benchmark run (tests/benchmarks, run on demand and not collected) shares between its
benchmarks: made once, and reused only while it is still what it was made from."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from desktop.storage import db

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

import benchkit  # noqa: E402
import run_all  # noqa: E402


def test_plain_copy_is_made_once_and_again_after_the_database_changed(db_path: Path) -> None:
    db.open_database(db_path).close()
    key = db.known_key(db_path)
    assert key is not None
    plain = benchkit.shared_plain_copy(db_path, key)
    assert db.is_plain(plain)
    made = plain.stat().st_mtime_ns
    assert benchkit.shared_plain_copy(db_path, key) == plain
    assert plain.stat().st_mtime_ns == made  # the same file: not exported a second time

    conn = db.open_database(db_path)
    conn.execute("CREATE TABLE bench_probe(x)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    again = benchkit.shared_plain_copy(db_path, key)
    check = sqlite3.connect(again)
    try:
        assert check.execute("SELECT count(*) FROM sqlite_master WHERE name = 'bench_probe'"
                             ).fetchone()[0] == 1
    finally:
        check.close()


def test_the_build_makes_ahead_what_the_chosen_benchmarks_would_build() -> None:
    # The same sizes as the benchmarks ask for, or each would build its own after all.
    assert run_all.setups(["size", "sync", "undo", "window", "province_import"], False,
                          False) == ["sync:10000", "undo:1:10000", "province_import:0.2"]
    assert run_all.setups(["sync", "undo", "province_import"], True, False) == [
        "sync:2000", "undo:0.1:10000", "province_import:0.05"]
    assert run_all.setups(["province_import"], False, True) == ["province_import:1"]
    assert run_all.setups(["size", "storage", "window"], False, False) == []
