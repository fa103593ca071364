"""Exceptions a user can cause and must be told about in one clear line."""

from __future__ import annotations


class UserError(Exception):
    """Anything the user can fix: printed as one line, never as a traceback."""


class ValidationError(UserError, ValueError):
    """A value that cannot be accepted; names the field (and row, where there is one).

    ``field`` is the field's name, for code (the window puts the message under that field);
    ``label`` is how the officer knows it ("Số định danh cá nhân (CCCD)"), for the message.
    """

    def __init__(self, field: str | None, message: str, *, row: int | None = None,
                 label: str | None = None) -> None:
        self.field = field
        self.message = message
        self.row = row
        self.label = label
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.label or self.field:
            where.append(self.label or self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class NotFoundError(UserError, LookupError):
    """An id or code that names no record."""


class SchemaTooNewError(UserError):
    """The database was written by a newer version of the program."""
