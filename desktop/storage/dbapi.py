"""The database driver of the whole program: SQLCipher, SQLite with every page encrypted
(``sqlcipher3``: SQLCipher 4 with FTS5, WAL and the backup API). Every module uses these names
instead of the standard ``sqlite3``, whose exceptions and rows are other classes and which
cannot read an encrypted file; connections are made only by ``desktop.storage.db``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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


IN_CHUNK = 500  # values an IN list takes at once (SQLite's bound on parameters is far above)


def rows_in(conn: _driver.Connection, sql: str, values: Sequence[object]) -> Iterator[Row]:
    """The rows of ``sql`` for every value of ``values``, IN_CHUNK values a query: ``sql``
    has ``{}`` where the IN list's marks go (``… WHERE id IN ({})``)."""
    for i in range(0, len(values), IN_CHUNK):
        chunk = values[i:i + IN_CHUNK]
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


class Connection(_driver.Connection):
    """A connection that knows who is using it: the account that logged in (None for the
    program's own work before a login, e.g. migrations and tests). The write path asks it
    for the account's role."""

    account: object = None
