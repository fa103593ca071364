"""Local accounts, their roles, and logging in (issue 11; DOMAIN.md §4.6.4).

Logging in unwraps the database key with the account's password (desktop/storage/keyfile.py),
opens the database and binds the account to the connection; the write path then checks the
account's role (:func:`require`). Roles:

- ``chief`` (chỉ huy): everything, accounts, restore, the audit log, and the informant vault
  (desktop/storage/vault.py; officers the chief names open it too);
- ``officer`` (cán bộ): edit rosters, minutes, models, statistics, print, sync;
- ``viewer`` (xem): read only;
- ``province`` (tổng hợp tỉnh): reports, conflicts, enrolment.

A database from before encryption is encrypted in place at its first login.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.text import fold
from desktop.i18n import N_, _
from desktop.storage import db, dbapi, keyfile
from desktop.storage.account_defaults import DEFAULT_ACCOUNT, DEMO_PASSWORD  # noqa: F401
from desktop.storage.site import get_meta, set_meta

USER_ENV = "ANTQ_USER"
PASSWORD_ENV = "ANTQ_PASSWORD"
NEW_PASSWORD_ENV = "ANTQ_NEW_PASSWORD"
# DEFAULT_ACCOUNT and DEMO_PASSWORD are named from here as before; they live apart
# (account_defaults.py) so that the login prompt shows them without importing this module.
MIN_PASSWORD_LENGTH = 8

ROLE_NAMES = {"chief": N_("chỉ huy"), "officer": N_("cán bộ"), "viewer": N_("xem"),
              "province": N_("tổng hợp tỉnh")}

# What each role may do. Actions are named by the storage functions that check them.
PERMISSIONS: dict[str, frozenset[str]] = {
    "chief": frozenset({"write", "print", "export", "sync", "enrol", "conflicts", "accounts",
                        "restore", "erase", "backup", "audit", "approve", "unlock"}),
    "officer": frozenset({"write", "print", "export", "sync", "backup"}),
    "viewer": frozenset(),
    "province": frozenset({"print", "export", "sync", "enrol", "conflicts", "backup",
                           "approve"}),
}
ACTION_WORDS = {"write": N_("sửa dữ liệu"), "print": N_("in"), "export": N_("xuất dữ liệu"),
                "sync": N_("đồng bộ"), "enrol": N_("đăng ký điểm đồng bộ"),
                "conflicts": N_("giải quyết xung đột"), "accounts": N_("quản lý tài khoản"),
                "restore": N_("khôi phục từ bản sao lưu"), "erase": N_("xóa vĩnh viễn"),
                "backup": N_("sao lưu"), "audit": N_("xem nhật ký"),
                "approve": N_("phê duyệt số liệu kỳ"), "unlock": N_("mở khóa kỳ đã phê duyệt")}


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    full_name: str | None = None
    disabled: bool = False

    @property
    def role_name(self) -> str:
        return _(ROLE_NAMES[self.role])

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "role_name": self.role_name,
                "full_name": self.full_name, "disabled": self.disabled}


class PermissionDenied(UserError):
    pass


def _log(conn: dbapi.Connection, actor: str | None, action: str,
         detail: dict[str, object] | None = None) -> None:
    # Imported here: the audit log pulls in every record kind, which the window's frame must
    # not wait for (the login module is imported before the frame paints).
    from desktop.storage import audit

    audit.record_event(conn, actor, action, detail)


def _vault():  # noqa: ANN202 - the module
    # Imported when needed: the vault pulls in the audit log and the record kinds.
    from desktop.storage import vault

    return vault


def parse_role(text: str) -> str:
    """A role as the window spells it («chỉ huy»), without accents, or its code."""
    wanted = fold(text).replace("-", " ").replace("_", " ").strip()
    for code, name in ROLE_NAMES.items():
        if wanted in (code, fold(name), fold(_(name))):
            return code
    raise UserError(_("Vai trò «{r}» không có; chọn một trong: {all}").format(
        r=text, all=", ".join(_(n) for n in ROLE_NAMES.values())))


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or ord(c) < 32 for c in name):
        raise UserError(_("Tên tài khoản «{n}» không hợp lệ (không có khoảng trắng, tối đa 64 "
                          "ký tự)").format(n=name))
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(_("Mật khẩu cần ít nhất {n} ký tự").format(n=MIN_PASSWORD_LENGTH))
    return password


def check_new_password(first: str, repeat: str) -> str:
    """A new password typed twice (the prompt and the window's dialogs alike)."""
    check_password(first)
    if repeat != first:
        raise UserError(_("Hai lần nhập mật khẩu không giống nhau"))
    return first


def now_local() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# -- who is using a connection ----------------------------------------------------------------

def bind(conn: dbapi.Connection, account: Account | None) -> None:
    conn.account = account


def current(conn: dbapi.Connection) -> Account | None:
    account = getattr(conn, "account", None)
    return account if isinstance(account, Account) else None


def require(conn: dbapi.Connection, action: str) -> None:
    """Refuse ``action`` for the account bound to ``conn`` (one clear line). A connection with
    no account bound is the program's own (migrations, tests of the storage layer)."""
    account = current(conn)
    if account is None or action in PERMISSIONS[account.role]:
        return
    raise PermissionDenied(_("Tài khoản «{n}» ({r}) không được {a}").format(
        n=account.name, r=account.role_name, a=_(ACTION_WORDS[action])))


# -- the accounts table ------------------------------------------------------------------------

def _row(r: dbapi.Row) -> Account:
    return Account(r["name"], r["role"], r["full_name"], bool(r["disabled"]))


def get(conn: dbapi.Connection, name: str) -> Account | None:
    r = conn.execute("SELECT * FROM account WHERE name = ?", (name,)).fetchone()
    return None if r is None else _row(r)


def list_accounts(conn: dbapi.Connection) -> list[Account]:
    return [_row(r) for r in conn.execute("SELECT * FROM account ORDER BY name")]


def _db_path(conn: dbapi.Connection) -> Path:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2])
    raise UserError(_("Cơ sở dữ liệu trong bộ nhớ không có tài khoản"))


def create_first(conn: dbapi.Connection, name: str, password: str, *,
                 full_name: str | None = None) -> Account:
    """The chief's account of a new database: writes the key file."""
    name, path = check_name(name), _db_path(conn)
    check_password(password)
    key = db.known_key(path)
    if key is None:
        raise UserError(_("Không có khóa của {p}").format(p=path))
    if list_accounts(conn):
        raise UserError(_("Cơ sở dữ liệu này đã có tài khoản"))
    account = Account(name, "chief", full_name)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO account(name, role, full_name, created_local, "
                     "password_changed_local) VALUES (?, 'chief', ?, ?, ?)",
                     (name, full_name, now_local(), now_local()))
        secret = keyfile.new_file(path, key, name, password)  # before the commit: never a lone row
        _vault().make_account_key(conn, name, secret)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return account


def add(conn: dbapi.Connection, name: str, role: str, password: str, *,
        full_name: str | None = None) -> Account:
    require(conn, "accounts")
    name, path = check_name(name), _db_path(conn)
    check_password(password)
    if get(conn, name) is not None:
        raise UserError(_("Tài khoản «{n}» đã có").format(n=name))
    key = db.known_key(path)
    assert key is not None
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO account(name, role, full_name, created_local, "
                     "password_changed_local) VALUES (?, ?, ?, ?, ?)",
                     (name, role, full_name, now_local(), now_local()))
        secret = keyfile.set_account(path, key, name, password)
        _vault().make_account_key(conn, name, secret)
        _log(conn, None, "account-add", {"name": name, "role": role})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return Account(name, role, full_name)


def change_password(conn: dbapi.Connection, name: str, password: str) -> str | None:
    """Re-wrap the database key for ``name``: the file is not re-encrypted. An account may
    change its own password; the chief anyone's. Returns what to tell the chief about the
    informant vault when another account's password was reset (its grant is dropped)."""
    me = current(conn)
    if me is None or me.name != name:
        require(conn, "accounts")
    account = get(conn, name)
    if account is None or account.disabled:
        raise UserError(_("Không có tài khoản «{n}» đang dùng").format(n=name))
    check_password(password)
    path = _db_path(conn)
    key = db.known_key(path)
    assert key is not None
    vault = _vault()
    # Only the account itself, logged in, holds its private vault key to re-seal.
    own = me is not None and me.name == name and db.account_key(path, name) is not None
    if not own:
        vault.check_can_lose(conn, name)
    secret = keyfile.set_account(path, key, name, password)
    note = vault.reseal_account_key(conn, path, name, secret, own=own)
    conn.execute("UPDATE account SET password_changed_local = ? WHERE name = ?",
                 (now_local(), name))
    _log(conn, None, "password-change", {"name": name})
    return note


def disable(conn: dbapi.Connection, name: str) -> None:
    """The account can no longer open the database (its wrapping is removed)."""
    require(conn, "accounts")
    account = get(conn, name)
    if account is None:
        raise UserError(_("Không có tài khoản «{n}»").format(n=name))
    chiefs = [a for a in list_accounts(conn) if a.role == "chief" and not a.disabled]
    if account.role == "chief" and [a.name for a in chiefs] == [name]:
        raise UserError(_("Không thể khóa tài khoản chỉ huy cuối cùng"))
    _vault().check_can_lose(conn, name)
    conn.execute("UPDATE account SET disabled = 1 WHERE name = ?", (name,))
    _vault().forget_account(conn, name)
    keyfile.remove_account(_db_path(conn), name)
    _log(conn, None, "account-disable", {"name": name})


# -- the idle lock (a rule of the site, set by the chief) -----------------------------------

IDLE_MINUTES_KEY = "idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 10
MAX_IDLE_MINUTES = 24 * 60


def idle_minutes(conn: dbapi.Connection) -> int:
    """Minutes without a key or mouse event before the window locks; 0: never."""
    value = get_meta(conn, IDLE_MINUTES_KEY)
    try:
        minutes = int(value) if value is not None else DEFAULT_IDLE_MINUTES
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return min(max(minutes, 0), MAX_IDLE_MINUTES)


def set_idle_minutes(conn: dbapi.Connection, minutes: int) -> None:
    require(conn, "accounts")
    if not 0 <= minutes <= MAX_IDLE_MINUTES:
        raise UserError(_("Thời gian khóa màn hình phải từ 0 (không khóa) đến {m} phút").format(
            m=MAX_IDLE_MINUTES))
    set_meta(conn, IDLE_MINUTES_KEY, str(int(minutes)))


def confirm_password(conn: dbapi.Connection, password: str) -> Account:
    """The account bound to ``conn`` proves it is still at the keyboard (unlocking the window,
    before changing its own password): the key file checks the password and counts failures
    as a login does. Raises UserError on a wrong password."""
    account = current(conn)
    if account is None:
        raise UserError(_("Chưa đăng nhập"))
    path = _db_path(conn)
    failed = keyfile.failure_count(path)
    secret: list[bytes] = []
    key = keyfile.unlock(path, account.name, password, secret_out=secret)
    if key != db.known_key(path):  # a key file swapped under the open database
        raise UserError(_("Sai tài khoản hoặc mật khẩu"))
    _vault().unlock_account_key(conn, path, account.name, secret[0])
    if failed:  # the wrong passwords before this one, now that the log can be written
        _log(conn, account.name, "login-failed", {"count": failed})
    return account


# -- logging in ---------------------------------------------------------------------------------

def login(path: Path, name: str, password: str) -> tuple[dbapi.Connection, Account, list[str]]:
    """Unlock and open the database at ``path`` as ``name``; returns the connection, the
    account and what the officer must be told (e.g. that an old plain database was encrypted).
    """
    notes: list[str] = []
    if db.is_plain(path):
        notes += encrypt_plain_database(path, name, password)
    failed = keyfile.failure_count(path)  # unreadable until now: logged once we are in
    secret: list[bytes] = []
    key = keyfile.unlock(path, name, password, secret_out=secret)
    # Opened once, under this key (remembered by open_database, which checks it): not first
    # tried on a connection of its own, whose closing checkpoints and syncs the file (issue 12,
    # the start budget).
    try:
        conn = db.open_database(path, key=key)
    except BaseException:  # a key file that is not this database's: nothing kept
        db.forget_key(path)
        raise
    try:
        account = get(conn, name)
        if account is None or account.disabled:
            raise UserError(_("Tài khoản «{n}» không dùng được").format(n=name))
        if failed:
            _log(conn, name, "login-failed", {"count": failed})
        _log(conn, name, "login")
        _vault().unlock_account_key(conn, path, name, secret[0])
    except BaseException:
        conn.close()
        db.forget_key(path)
        raise
    bind(conn, account)
    db.remember_account(path, account)
    return conn, account, notes


def credentials(user: str | None = None) -> tuple[str, str]:
    """The account and password for a command: ``--user``/``ANTQ_USER`` (default the
    administrator made by ``antq init``) and ``ANTQ_PASSWORD`` or a prompt."""
    name = user or os.environ.get(USER_ENV) or DEFAULT_ACCOUNT
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise UserError(_("Cần mật khẩu của tài khoản «{n}» (đặt biến môi trường {env} "
                              "trong tập lệnh)").format(n=name, env=PASSWORD_ENV))
        try:
            password = getpass.getpass(_("Mật khẩu của «{n}»: ").format(n=name))
        except EOFError:
            raise UserError(_("Chưa nhập mật khẩu")) from None
    return name, password


def new_password(*, login_env_too: bool = False) -> str:
    """A new password from ``ANTQ_NEW_PASSWORD`` (or, making a database's first account,
    ``ANTQ_PASSWORD``, which later logs in with it), or typed twice at a prompt."""
    env = os.environ.get(NEW_PASSWORD_ENV)
    if env is None and login_env_too:
        env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return check_password(env)
    if not sys.stdin.isatty():
        raise UserError(_("Cần mật khẩu mới (đặt biến môi trường {env} trong tập lệnh)").format(
            env=NEW_PASSWORD_ENV))
    try:
        first = getpass.getpass(_("Mật khẩu mới: "))
        repeat = getpass.getpass(_("Nhập lại mật khẩu: "))
    except EOFError:
        raise UserError(_("Chưa nhập mật khẩu")) from None
    return check_new_password(first, repeat)


# -- a database from before encryption --------------------------------------------------------

def encrypt_plain_database(path: Path, name: str, password: str) -> list[str]:
    """Encrypt a plain database of an earlier version in place, at its first login.

    The administrator password it had (if any) must be given; otherwise ``password`` becomes
    the chief's. The encrypted copy is made beside it (sqlcipher_export), its key file written,
    then it replaces the plain file by a rename; an encrypted backup is made, and the plain
    backups left from before are removed. Returns what to tell the officer.
    """
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    from desktop.storage import backup

    plain = dbapi.connect(str(path), isolation_level=None, factory=dbapi.Connection)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = {r[0] for r in plain.execute("SELECT name FROM sqlite_master")}
        stored = None
        if "site_meta" in tables:
            row = plain.execute("SELECT value FROM site_meta WHERE key = "
                                "'admin_password_hash'").fetchone()
            stored = row[0] if row else None
        if stored is not None:
            try:
                PasswordHasher().verify(stored, password)
            except (VerificationError, InvalidHashError):
                raise UserError(_("Sai mật khẩu quản trị của cơ sở dữ liệu cũ")) from None
        check_password(password)
        key = os.urandom(keyfile.KEY_BYTES)
        tmp = path.with_name(path.name + ".encrypting")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key.hex()}'\"", (str(tmp),))
        db.cipher_settings(plain, "enc")
        plain.execute("SELECT sqlcipher_export('enc')")
        plain.execute(f"PRAGMA enc.user_version = {int(version)}")
        plain.execute("DETACH DATABASE enc")
    finally:
        plain.close()
    db.remember_key(tmp, key)
    conn = db.open_database(tmp, key=key)  # migrations run here, on the encrypted copy
    try:
        if "account" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} \
                and get(conn, name) is None:
            conn.execute("INSERT INTO account(name, role, created_local, "
                         "password_changed_local) VALUES (?, 'chief', ?, ?)",
                         (check_name(name), now_local(), now_local()))
        conn.execute("DELETE FROM site_meta WHERE key = 'admin_password_hash'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    keyfile.new_file(path, key, name, password)
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    db.forget_key(tmp)
    db.remember_key(path, key)
    conn = db.open_database(path)
    try:
        made = backup.backup_now(conn, path, "after-encryption")
    finally:
        conn.close()
    removed = [b.path for b in backup.list_backups(path) if db.is_plain(b.path)]
    for old in removed:
        old.unlink(missing_ok=True)
    return [_("Cơ sở dữ liệu {p} của phiên bản trước đã được mã hóa; tài khoản «{n}» (chỉ huy) "
              "mở nó bằng mật khẩu vừa nhập.").format(p=path.name, n=name),
            _("Đã tạo bản sao lưu đã mã hóa {b}; đã xóa {k} bản sao lưu chưa mã hóa cũ.").format(
                b=made.name, k=len(removed))]
