"""The database driver of the whole program: SQLCipher, SQLite with every page encrypted
(``sqlcipher3``: SQLCipher 4 with FTS5, WAL and the backup API). Every module uses these names
instead of the standard ``sqlite3``, whose exceptions and rows are other classes and which
cannot read an encrypted file; connections are made only by ``desktop.storage.db``."""

from __future__ import annotations

from sqlcipher3 import dbapi2 as _driver

connect = _driver.connect
Cursor = _driver.Cursor
Row = _driver.Row
Error = _driver.Error
DatabaseError = _driver.DatabaseError
OperationalError = _driver.OperationalError
IntegrityError = _driver.IntegrityError
sqlite_version = _driver.sqlite_version


class Connection(_driver.Connection):
    """A connection that knows who is using it: the account that logged in (None for the
    program's own work before a login, e.g. migrations and tests). The write path asks it
    for the account's role."""

    account: object = None
