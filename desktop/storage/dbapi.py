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


# A None or bytes parameter is not one of the driver's base types: it looked for an adapter,
# then for ``__adapt__`` and ``__conform__``, raising and clearing two AttributeErrors each
# time (2 µs a None: a tenth of inserting a person with ten empty fields, issue 12). An
# adapter of its own returns it as it is, bound as NULL or a blob as before.
def _as_is(value: object) -> object:
    return value


_driver.register_adapter(type(None), _as_is)
_driver.register_adapter(bytes, bytes)


class Connection(_driver.Connection):
    """A connection that knows who is using it: the account that logged in (None for the
    program's own work before a login, e.g. migrations and tests). The write path asks it
    for the account's role."""

    account: object = None
