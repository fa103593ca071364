"""Shared fixtures: a migrated database per test (copied from one master), and a site."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbkit import FAST_KDF, TEST_PASSWORD, TEST_USER, copy_database, logical_dump
from hypothesis import settings as hypothesis_settings

from desktop.storage import dbapi

# No property test checks time: an example held off the processor (a loaded 2-core host)
# failed the default 200 ms deadline (test_round_trips, DeadlineExceeded, with the test run
# stopped 300 ms at a time), so no deadline, in CI or not.
hypothesis_settings.register_profile("antq", deadline=None)
# In CI the property tests draw the same examples every run, so a submission cannot land or
# fail by chance; on a developer's machine they keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
if os.environ.get("CI") and not os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile("ci")
elif not os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile("antq")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every database is encrypted: the command line (also in subprocesses) logs in as the test
# account; its key file was written with cheap argon2 parameters, which it carries.
os.environ["ANTQ_PASSWORD"] = TEST_PASSWORD
os.environ.pop("ANTQ_USER", None)
os.environ.pop("ANTQ_NEW_PASSWORD", None)
os.environ.setdefault("ANTQ_DATA_DIR", "/nonexistent-antq-test-data")
# Many tests assert Vietnamese text: whatever the developer chose, tests run in Vietnamese.
os.environ["ANTQ_LANG"] = "vi"

from desktop.storage import accounts, db, keyfile, site  # noqa: E402
from desktop.storage.writer import Store  # noqa: E402

TODAY = dt.date(2026, 12, 1)
COMMUNE_MUONG_NHE = "03160"


@pytest.fixture(scope="session", autouse=True)
def fast_key_derivation() -> Iterator[None]:
    """argon2 at a test's speed for the key files written here (each keeps its parameters)."""
    real = keyfile.KDF_PARAMS
    keyfile.KDF_PARAMS = FAST_KDF
    yield
    keyfile.KDF_PARAMS = real


@pytest.fixture(scope="session")
def master_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating (with the 3,400 units) takes a moment: do it once and copy the file."""
    path = tmp_path_factory.mktemp("master") / "master.db"
    conn = db.open_database(path)
    accounts.create_first(conn, TEST_USER, TEST_PASSWORD)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


@pytest.fixture
def db_path(master_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "test.db"
    copy_database(master_db, path)
    return path


@pytest.fixture
def conn(db_path: Path) -> Iterator[dbapi.Connection]:
    c = db.open_database(db_path)
    yield c
    c.close()


@pytest.fixture
def commune_site(conn: dbapi.Connection) -> site.Site:
    return site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE_MUONG_NHE)


@pytest.fixture
def commune_db(db_path: Path) -> Path:
    """The database file of the commune of Mường Nhé's site, closed (for the command line)."""
    c = db.open_database(db_path)
    site.init_site(c, name="Công an xã Mường Nhé", commune_code=COMMUNE_MUONG_NHE)
    c.close()
    return db_path


@pytest.fixture
def store(conn: dbapi.Connection, commune_site: site.Site) -> Store:
    return Store(conn, actor="tester", today=TODAY)


@pytest.fixture
def village(store: Store) -> str:
    return store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                              "parent_id": COMMUNE_MUONG_NHE}).id


@pytest.fixture
def dump():
    """A full logical dump, to prove that a refused write changed nothing."""
    return lambda c: logical_dump(c)
