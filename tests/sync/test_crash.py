"""A real crash: kill -9 a process in the middle of a large import. The database passes
``integrity_check``, equals its state before the import, and the import then succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from dbkit import logical_dump

from desktop.storage import db, dbapi

CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from desktop.storage import accounts, merge
    from desktop.sync import exchange, keys

    merge.PROGRESS_EVERY = 500
    conn, _account, _notes = accounts.login(Path(sys.argv[1]), "admin",
                                            os.environ["ANTQ_PASSWORD"])
    unlocked = keys.unlock(conn)  # the login opens them: no second password

    def progress(i, n, done, total):
        if 0 < done < total:
            print("PROGRESS", done, total, flush=True)
            sys.stdin.readline()  # killed here, mid-import, however late the test gets to it

    exchange.import_files(conn, unlocked, [Path(sys.argv[2])], progress=progress)
    print("FINISHED", flush=True)
""")


def test_kill_9_in_the_middle_of_an_import(network, tmp_path):
    prov, (a, _b) = network(2)
    a.store.add_many("person", [{"full_name": f"Người thứ {i}", "phone": "0912345678",
                                 "notes": "ghi chú " * 5} for i in range(3000)])
    [bundle] = a.export(tmp_path / "usb")
    prov.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = logical_dump(prov.conn)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(prov.path), str(bundle)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()
        assert line.startswith("PROGRESS"), (line, child.stderr.read())
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    prov.conn.close()
    conn = db.open_database(prov.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert logical_dump(conn) == before
    finally:
        conn.close()
    prov.conn = db.open_database(prov.path)
    prov.store.conn = prov.conn
    from desktop.sync import exchange

    [r] = exchange.import_files(prov.conn, prov.keys, [bundle])
    assert r.status == "imported", r.message
    n = prov.conn.execute("SELECT count(*) FROM person WHERE _part = ?", (a.part,)).fetchone()[0]
    assert n == 3000
    assert isinstance(prov.conn, dbapi.Connection)
