"""This installation's identity as a sync site: a commune or the province."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.i18n import _
from desktop.storage import dbapi


@dataclass(frozen=True)
class Site:
    site_id: str
    site_kind: str  # "commune" or "province"
    unit_code: str  # the commune's or the province's official code
    name: str

    @property
    def home_part(self) -> str:
        """The partition of records made here that belong to no particular unit."""
        return self.unit_code


def get_meta(conn: dbapi.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM site_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(conn: dbapi.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO site_meta(key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def load_site(conn: dbapi.Connection) -> Site | None:
    site_id = get_meta(conn, "site_id")
    if site_id is None:
        return None
    return Site(site_id, get_meta(conn, "site_kind") or "commune",
                get_meta(conn, "unit_code") or "", get_meta(conn, "site_name") or "")


def require_site(conn: dbapi.Connection) -> Site:
    site = load_site(conn)
    if site is None:
        raise UserError(_("Cơ sở dữ liệu chưa được khởi tạo: hãy chạy "
                          "«antq init --site-name TÊN --commune-code MÃ» hoặc «antq demo»"))
    return site


def init_site(conn: dbapi.Connection, *, name: str, commune_code: str | None = None,
              province_code: str | None = None, admin_password: str | None = None) -> Site:
    """Make this database a commune or province site, once (with its administrator password
    when given: both in one transaction, so a site is never half set up)."""
    if load_site(conn) is not None:
        raise UserError(_("Cơ sở dữ liệu này đã được khởi tạo (site «{n}»)").format(
            n=load_site(conn).name))  # type: ignore[union-attr]
    if bool(commune_code) == bool(province_code):
        raise UserError(_("Cần đúng một trong --commune-code hoặc --province-code"))
    level = "commune" if commune_code else "province"
    code = (commune_code or province_code or "").strip()
    code = code.zfill(5 if level == "commune" else 2)
    row = conn.execute("SELECT name FROM unit WHERE code = ? AND level = ? AND valid_to IS NULL",
                       (code, level)).fetchone()
    if row is None:
        flag = "--commune-code" if commune_code else "--province-code"
        raise UserError(_("{flag}: không có đơn vị hành chính mã «{c}» trong danh mục 2025")
                        .format(flag=flag, c=code))
    name = name.strip()
    if not name:
        raise UserError(_("--site-name: cần tên của điểm cài đặt"))
    password_hash = hash_password(admin_password) if admin_password is not None else None
    site = Site(new_id(), level, code, name)
    conn.execute("BEGIN IMMEDIATE")
    try:
        set_meta(conn, "site_id", site.site_id)
        set_meta(conn, "db_instance_id", new_id())
        set_meta(conn, "site_kind", site.site_kind)
        set_meta(conn, "unit_code", site.unit_code)
        set_meta(conn, "site_name", site.name)
        set_meta(conn, "hlc", "0")
        if password_hash is not None:
            set_meta(conn, ADMIN_PASSWORD_KEY, password_hash)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return site


# -- the administrator password -------------------------------------------------------------

ADMIN_PASSWORD_KEY = "admin_password_hash"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """An argon2id hash (argon2-cffi defaults: about 0.1 s); refuses a too short password."""
    from argon2 import PasswordHasher

    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(_("Mật khẩu quản trị cần ít nhất {n} ký tự").format(
            n=MIN_PASSWORD_LENGTH))
    return PasswordHasher().hash(password)


def set_admin_password(conn: dbapi.Connection, password: str) -> None:
    set_meta(conn, ADMIN_PASSWORD_KEY, hash_password(password))


def has_admin_password(conn: dbapi.Connection) -> bool:
    return get_meta(conn, ADMIN_PASSWORD_KEY) is not None


def check_admin_password(conn: dbapi.Connection, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    stored = get_meta(conn, ADMIN_PASSWORD_KEY)
    if stored is None:
        return False
    try:
        return PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# -- the official units a site can be --------------------------------------------------------

def provinces(conn: dbapi.Connection) -> list[tuple[str, str]]:
    """(code, name) of today's provinces, in Vietnamese order."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT code, name FROM unit WHERE level = 'province' AND valid_to IS NULL "
        "AND _deleted = 0 ORDER BY name_key, code")]


def communes_of(conn: dbapi.Connection, province_code: str) -> list[tuple[str, str]]:
    """(code, name) of today's xã/phường/đặc khu of a province, in Vietnamese order."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT c.code, c.name FROM unit c JOIN unit p ON p.id = c.parent_id "
        "WHERE p.level = 'province' AND p.code = ? AND p.valid_to IS NULL "
        "AND c.level = 'commune' AND c.valid_to IS NULL AND c._deleted = 0 "
        "ORDER BY c.name_key, c.code", (province_code,))]


def all_communes(conn: dbapi.Connection) -> list[tuple[str, str, str]]:
    """(code, name, province name) of every xã/phường/đặc khu today, province by province:
    the first-run wizard finds one among all of them by what is typed."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT c.code, c.name, p.name FROM unit c JOIN unit p ON p.id = c.parent_id "
        "WHERE p.level = 'province' AND p.valid_to IS NULL AND c.level = 'commune' "
        "AND c.valid_to IS NULL AND c._deleted = 0 ORDER BY p.name_key, c.name_key, c.code")]
