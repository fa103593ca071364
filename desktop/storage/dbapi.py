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


def padded(values: Sequence[object], width: int = 1) -> tuple[int, list[object]]:
    """How many rows of ``width`` values a statement taking ``values`` (``width`` at a time)
    is written for, and its parameters: ``values`` followed by NULLs up to a power of two of
    rows, 8 at least. A connection's statement cache keys on the text, and, once full, keeps
    no statement first run after (18e5c57): an IN list or VALUES table as long as the data
    made a new text for every length (each import's last chunk), so a long-lived connection
    filled its cache and its loops' statements were parsed again every time round. Padded,
    a statement has at most a dozen texts. A NULL in an IN list, or a row of NULLs joined on
    equality or BETWEEN, matches nothing."""
    rows = len(values) // width
    size = 8
    while size < rows:
        size *= 2
    return size, [*values, *([None] * ((size - rows) * width))]


def in_marks(values: Sequence[object]) -> tuple[str, list[object]]:
    """An IN list's marks for ``values`` and the parameters to bind (see :func:`padded`)."""
    size, params = padded(values)
    return ",".join("?" * size), params


def rows_in(conn: _driver.Connection, sql: str, values: Sequence[object]) -> Iterator[Row]:
    """The rows of ``sql`` for every value of ``values``, IN_CHUNK values a query: ``sql``
    has ``{}`` where the IN list's marks go (``… WHERE id IN ({})``), padded with NULLs to
    one of a few lengths (:func:`in_marks`)."""
    for i in range(0, len(values), IN_CHUNK):
        marks, params = in_marks(values[i:i + IN_CHUNK])
        yield from conn.execute(sql.format(marks), params)


class Connection(_driver.Connection):
    """A connection that knows who is using it: the account that logged in (None for the
    program's own work before a login, e.g. migrations and tests). The write path asks it
    for the account's role."""

    account: object = None
