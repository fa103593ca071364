"""Refusing a database that a newer version of the program wrote: asked by the migrations
before they run and by a restore before it takes a backup. Its own module, below both, so
that the backups need not import the migrations (which make a backup before they run)."""

from __future__ import annotations

from collections.abc import Collection

from desktop.domain.errors import SchemaTooNewError
from desktop.i18n import _
from desktop.storage import dbapi


def refuse_newer(conn: dbapi.Connection, known: int,
                 versions: Collection[int] | None = None) -> None:
    """SchemaTooNewError when ``conn``'s schema is above ``known``, the last this program
    reads, or when it ran a migration not in ``versions`` (this program's): a newer program
    may have added one numbered below ``known`` (numbers are handed out side by side)."""
    have = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if have > known:
        raise SchemaTooNewError(_(
            "Cơ sở dữ liệu này do phiên bản mới hơn của chương trình ghi (lược đồ {have}, "
            "chương trình này chỉ đọc được đến lược đồ {known}). Hãy cập nhật ANTQ Desk."
        ).format(have=have, known=known))
    if versions is None or not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone():
        return
    unknown = sorted({r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
                     - set(versions))
    if unknown:
        raise SchemaTooNewError(_(
            "Cơ sở dữ liệu này đã được phiên bản mới hơn của chương trình nâng cấp (bước "
            "{steps} mà chương trình này không có). Hãy cập nhật ANTQ Desk."
        ).format(steps=", ".join(map(str, unknown))))
