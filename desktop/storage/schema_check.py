"""Refusing a database that a newer version of the program wrote: asked by the migrations
before they run and by a restore before it takes a backup. Its own module, below both, so
that the backups need not import the migrations (which make a backup before they run)."""

from __future__ import annotations

from desktop.domain.errors import SchemaTooNewError
from desktop.i18n import _
from desktop.storage import dbapi


def refuse_newer(conn: dbapi.Connection, known: int) -> None:
    """SchemaTooNewError when ``conn``'s schema is above ``known``, the last this program
    reads."""
    have = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if have > known:
        raise SchemaTooNewError(_(
            "Cơ sở dữ liệu này do phiên bản mới hơn của chương trình ghi (lược đồ {have}, "
            "chương trình này chỉ đọc được đến lược đồ {known}). Hãy cập nhật ANTQ Desk."
        ).format(have=have, known=known))
