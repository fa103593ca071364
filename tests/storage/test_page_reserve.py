"""The bytes each encrypted page sets aside (issue 12): what HMAC-SHA256 and the IV take (48),
not the 80 of SQLCipher 4's default HMAC-SHA512, in a new file; a file made with 80 opens
and reads as before. The reserve is read off page 1 decrypted as SQLCipher writes it (the
IV at the start of what the cipher writes, AES-256-CBC under the raw key)."""

from __future__ import annotations

import os
import threading

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from desktop.storage import db, dbapi

PAGE = 4096


def _reserve(path, key: bytes) -> int:
    """Page 1's header byte 20 (bytes set aside a page), the page decrypted with the IV the
    cipher writes last but the HMAC (48 bytes from the end)."""
    page = path.read_bytes()[:PAGE]
    iv = page[PAGE - 48:PAGE - 32]
    clear = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(page[16:PAGE - 48])
    assert clear[:2] == PAGE.to_bytes(2, "big"), "not decrypted: the IV is not where expected"
    return clear[20 - 16]


def test_a_new_database_sets_aside_what_its_cipher_takes(tmp_path):
    path = tmp_path / "new.db"
    conn = db.open_database(path)
    conn.close()
    assert _reserve(path, db.known_key(path)) == 48


def test_a_database_made_with_80_bytes_set_aside_opens_and_reads(tmp_path):
    """Made as before (SQLCipher's default at the key, the settings after): 80 bytes a page."""
    path, key = tmp_path / "old.db", os.urandom(32)
    conn = dbapi.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_hmac_algorithm = HMAC_SHA256")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('lò văn đức')")
    conn.close()
    assert _reserve(path, key) == 80
    db.remember_key(path, key)
    conn = db.open_file(path, key)
    try:
        assert conn.execute("SELECT x FROM t").fetchall()[0][0] == "lò văn đức"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_sqlcipher_s_own_default_is_put_back_for_legacy_keys(tmp_path):
    """The default is HMAC-SHA256 only while a key is given: a legacy key given on another
    thread at the same time sees SQLCipher's own, and so does every key after."""
    keys = [os.urandom(32) for _ in range(8)]

    def new_file(i: int) -> None:
        c = dbapi.connect(str(tmp_path / f"{i}.db"), isolation_level=None,
                          check_same_thread=False)
        db.set_key(c, keys[i])
        c.execute("CREATE TABLE t (x)")
        c.close()

    threads = [threading.Thread(target=new_file, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(_reserve(tmp_path / f"{i}.db", keys[i]) == 48 for i in range(8))
    conn = dbapi.connect(":memory:")
    try:
        conn.execute(f"PRAGMA key = \"x'{keys[0].hex()}'\"")
        assert conn.execute("PRAGMA cipher_default_hmac_algorithm").fetchone()[0] == \
            "HMAC_SHA512"
    finally:
        conn.close()
