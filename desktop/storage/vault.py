"""The informant vault (issue 13; DOMAIN.md §4.5–4.6): who gave a tip, readable only by the
chief's accounts and the handlers a chief names.

Anyone holding the database key (every account: officer, viewer, province reviewer — a
copied folder and one password) reads the whole database, so the identities are sealed under
a key of their own:

- Each account has an X25519 key pair (``account_key``); the private half is sealed
  (AES-256-GCM, associated data ``antq-account-key:NAME``) under the account secret, derived
  from the same argon2id output that unwraps the database key (keyfile.account_secret) and
  never stored. It is made when the account is made, or at its first login after this
  version; it is unsealed at login and held in memory like the database key
  (db.remember_account_key), forgotten at logout and while the window is locked. A copy of
  the sealed key sits in the account's entry of the key file, which a restore does not
  replace: a backup made before a password change still opens for the account.
- One random 32-byte vault key per database, wrapped to each allowed account's public key as
  age's X25519 recipient does (ephemeral X25519, HKDF-SHA256, AES-256-GCM): ``vault_grant``.
  The first chief to open the vault makes the key; a holder opening it wraps it for every
  chief account that lacks it (chiefs are allowed by their role); a chief grants and revokes
  handlers (:func:`grant`, :func:`revoke`). A revoked handler who copied the key while
  allowed is not covered: revoking does not re-key the vault.
- An identity is one row of ``informant``: JSON of its fields sealed with AES-256-GCM under
  the vault key, the source code as associated data (a sealed identity moved to another
  source code does not open).

The identities are no record kind: no versions, never in a bundle, no search index, and the
audit log names only the action and the source code (vault-add, vault-open, vault-edit,
vault-grant, vault-revoke). A backup holds the table as ciphertext.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import Field, FieldType
from desktop.domain.tips import check_source_code
from desktop.domain.validation import clean_field, unknown_field
from desktop.i18n import _
from desktop.storage import accounts, audit, db, dbapi, keyfile

KEY_BYTES = 32
NONCE_BYTES = 12
_ACCOUNT_AAD = b"antq-account-key:"
_GRANT_INFO = b"antq-vault-grant:"

# The identity's fields (not a record kind: never synced, never indexed).
T = FieldType
FIELDS = (
    Field("full_name", T.TEXT, _("Họ và tên"), required=True, max_length=120),
    Field("citizen_id", T.CITIZEN_ID, _("Số định danh cá nhân (CCCD)")),
    Field("phone", T.PHONE, _("Số điện thoại")),
    Field("address", T.TEXT, _("Địa chỉ")),
    Field("notes", T.LONGTEXT, _("Ghi chú")),
)
BY_NAME = {f.name: f for f in FIELDS}
# The roles a chief may name as handlers: a province reviewer or a viewer never sees an
# identity.
HANDLER_ROLES = ("officer",)


class _Fields:  # what validation.unknown_field reads of a kind
    name = "informant"
    fields = FIELDS


def now_local() -> str:
    return accounts.now_local()


# -- sealing ------------------------------------------------------------------------------

def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, data, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(bytes(sealed[:NONCE_BYTES]), bytes(sealed[NONCE_BYTES:]),
                                   aad)
    except (InvalidTag, ValueError):
        return None


def _new_pair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    return (private.private_bytes(raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption()),
            private.public_key().public_bytes(raw, serialization.PublicFormat.Raw))


def _grant_key(shared: bytes, ephemeral: bytes, public: bytes, name: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + public,
                info=_GRANT_INFO + name.encode()).derive(shared)


def wrap_for(public: bytes, name: str, vault_key: bytes) -> bytes:
    """The vault key for the holder of ``public`` (age's X25519 recipient, in outline):
    ephemeral public key, then the sealed key."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

    eph_private, ephemeral = _new_pair()
    shared = X25519PrivateKey.from_private_bytes(eph_private).exchange(
        X25519PublicKey.from_public_bytes(bytes(public)))
    key = _grant_key(shared, ephemeral, bytes(public), name)
    return ephemeral + _seal(key, vault_key, _GRANT_INFO + name.encode())


def unwrap_with(private: bytes, name: str, wrapped: bytes) -> bytes | None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

    wrapped = bytes(wrapped)
    me = X25519PrivateKey.from_private_bytes(private)
    ephemeral = wrapped[:32]
    public = me.public_key().public_bytes_raw()
    shared = me.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    return _open(_grant_key(shared, ephemeral, public, name), wrapped[32:],
                 _GRANT_INFO + name.encode())


@contextmanager
def _transaction(conn: dbapi.Connection) -> Iterator[None]:
    """One write transaction, or the caller's."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _has_tables(conn: dbapi.Connection) -> bool:
    """A database older than the vault (a backup being checked) has none of this."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'account_key'").fetchone() \
        is not None


# -- account key pairs --------------------------------------------------------------------

def _public_of(private: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def _store_sealed(conn: dbapi.Connection, name: str, private: bytes, secret: bytes) -> bytes:
    """Seal ``private`` under ``secret`` in the database and, as a copy, in the key file."""
    sealed = _seal(secret, private, _ACCOUNT_AAD + name.encode())
    conn.execute("UPDATE account_key SET sealed = ? WHERE name = ?", (sealed, name))
    keyfile.set_vault_copy(accounts._db_path(conn), name, sealed)
    return sealed


def make_account_key(conn: dbapi.Connection, name: str, secret: bytes) -> bytes:
    """A new key pair for ``name`` (replacing any), the private half sealed under
    ``secret``; returns the private half. A grant wrapped to an earlier key is dropped: it
    could no longer be opened."""
    private, public = _new_pair()
    with _transaction(conn):
        conn.execute("INSERT INTO account_key(name, public, sealed, created_local) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                     "public = excluded.public, sealed = excluded.sealed, "
                     "created_local = excluded.created_local",
                     (name, public, b"", now_local()))
        _store_sealed(conn, name, private, secret)
        conn.execute("DELETE FROM vault_grant WHERE name = ?", (name,))
    return private


def unlock_account_key(conn: dbapi.Connection, path: Path, name: str, secret: bytes) -> None:
    """At login (or unlocking the window): unseal the account's private key and hold it for
    this process; an account without one gets one now."""
    if not _has_tables(conn):
        return
    row = conn.execute("SELECT public, sealed FROM account_key WHERE name = ?",
                       (name,)).fetchone()
    aad = _ACCOUNT_AAD + name.encode()
    private = None if row is None else _open(secret, row["sealed"], aad)
    if private is None and row is not None:
        # A database put back from a backup made before the password changed: the key
        # file's copy is sealed under the password of today; the same pair, sealed anew.
        copy = keyfile.vault_copy(path, name)
        private = None if copy is None else _open(secret, copy, aad)
        if private is not None and _public_of(private) == bytes(row["public"]):
            with _transaction(conn):
                _store_sealed(conn, name, private, secret)
        else:
            private = None
    if private is None:
        # None yet; or sealed under a password neither the database nor the key file
        # knows: a new pair, and any grant to the old one is gone.
        private = make_account_key(conn, name, secret)
    db.remember_account_key(path, name, private)


def reseal_account_key(conn: dbapi.Connection, path: Path, name: str, secret: bytes, *,
                       own: bool) -> str | None:
    """After ``name``'s password changed (``secret`` goes with the new one). The account's
    own change re-seals the private key it holds; a chief's reset of another account's
    password cannot (that key is sealed under the old password): a new pair is made and the
    account's grant dropped. Returns what to tell the chief."""
    if not _has_tables(conn):
        return None
    private = db.account_key(path, name) if own else None
    if private is not None:
        _store_sealed(conn, name, private, secret)
        return None
    had_grant = conn.execute("SELECT 1 FROM vault_grant WHERE name = ?", (name,)).fetchone()
    make_account_key(conn, name, secret)
    if had_grant is None:
        return None
    account = accounts.get(conn, name)
    if account is not None and account.role == "chief":
        return _("Tài khoản «{n}» sẽ mở lại được kho danh tính sau khi đăng nhập và một chỉ "
                 "huy khác mở kho.").format(n=name)
    return _("Quyền mở kho danh tính người cung cấp tin của «{n}» đã bị bỏ (khóa cũ gắn với "
             "mật khẩu cũ); hãy giao quyền lại: antq vault grant {n}").format(n=name)


def check_can_lose(conn: dbapi.Connection, name: str) -> None:
    """Refuse (before anything changes) to drop the last grant of a vault that holds
    identities: they could never be opened again."""
    if not _has_tables(conn):
        return
    holders = [r[0] for r in conn.execute("SELECT name FROM vault_grant")]
    if holders == [name] and conn.execute("SELECT 1 FROM informant LIMIT 1").fetchone():
        raise UserError(_("«{n}» là tài khoản duy nhất mở được kho danh tính người cung cấp "
                          "tin: hãy để «{n}» đăng nhập và mở kho một lần sau khi tạo tài "
                          "khoản chỉ huy khác, rồi mới làm việc này").format(n=name))


def forget_account(conn: dbapi.Connection, name: str) -> None:
    """A disabled account: its key pair and grant go."""
    if _has_tables(conn):
        conn.execute("DELETE FROM vault_grant WHERE name = ?", (name,))
        conn.execute("DELETE FROM account_key WHERE name = ?", (name,))


# -- who may open ---------------------------------------------------------------------------

def may_open(conn: dbapi.Connection, account: accounts.Account | None = None) -> bool:
    """Whether the account (bound to ``conn`` by default) may add and open identities: a
    chief, or a handler with a grant."""
    account = account or accounts.current(conn)
    if account is None or account.disabled:
        return False
    if account.role == "chief":
        return True
    return conn.execute("SELECT 1 FROM vault_grant WHERE name = ?",
                        (account.name,)).fetchone() is not None


def _refused(account: accounts.Account | None) -> UserError:
    if account is None:
        return accounts.PermissionDenied(_("Cần đăng nhập bằng tài khoản chỉ huy để mở danh "
                                           "tính người cung cấp tin"))
    return accounts.PermissionDenied(_(
        "Tài khoản «{n}» ({r}) không được xem danh tính người cung cấp tin (chỉ chỉ huy và "
        "người được chỉ huy giao)").format(n=account.name, r=account.role_name))


def _vault_key(conn: dbapi.Connection) -> tuple[accounts.Account, bytes]:
    """The vault key, unwrapped with the logged-in account's private key (the first chief
    makes it)."""
    account = accounts.current(conn)
    if account is None or not may_open(conn, account):
        raise _refused(account)
    path = accounts._db_path(conn)
    private = db.account_key(path, account.name)
    if private is None:
        raise UserError(_("Hãy nhập lại mật khẩu (đăng nhập lại) để mở kho danh tính"))
    row = conn.execute("SELECT wrapped FROM vault_grant WHERE name = ?",
                       (account.name,)).fetchone()
    if row is not None:
        key = unwrap_with(private, account.name, row[0])
        if key is None:
            raise UserError(_("Khóa kho danh tính của «{n}» không mở được; một chỉ huy khác "
                              "cần mở kho để cấp lại").format(n=account.name))
    else:  # a chief without a grant
        holders = [r[0] for r in conn.execute("SELECT name FROM vault_grant ORDER BY name")]
        if holders:
            raise UserError(_("Kho danh tính chưa được mở cho «{n}»: một người đang giữ khóa "
                              "({h}) cần mở kho một lần sau khi «{n}» đã đăng nhập").format(
                n=account.name, h=", ".join(holders)))
        if conn.execute("SELECT 1 FROM informant LIMIT 1").fetchone():
            raise UserError(_("Kho danh tính có dữ liệu nhưng không còn tài khoản nào mở được"))
        key = os.urandom(KEY_BYTES)
    _grant_chiefs(conn, account.name, key)
    return account, key


def _grant_chiefs(conn: dbapi.Connection, by: str, key: bytes) -> None:
    """Every enabled chief account with a key pair holds the vault key (chiefs are allowed by
    their role): the first open makes the grants, later ones add new chiefs."""
    rows = conn.execute(
        "SELECT a.name, k.public FROM account a JOIN account_key k ON k.name = a.name "
        "WHERE a.role = 'chief' AND a.disabled = 0 AND a.name NOT IN "
        "(SELECT name FROM vault_grant)").fetchall()
    if not rows:
        return
    with _transaction(conn):
        for name, public in rows:
            conn.execute("INSERT INTO vault_grant(name, wrapped, granted_by, granted_local) "
                         "VALUES (?, ?, ?, ?)", (name, wrap_for(public, name, key), by,
                                                 now_local()))


# -- grants ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    name: str
    role: str
    granted_by: str
    granted_local: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "granted_by": self.granted_by,
                "granted_local": self.granted_local}


def _require_chief(conn: dbapi.Connection) -> accounts.Account:
    account = accounts.current(conn)
    if account is None or account.role != "chief":
        raise accounts.PermissionDenied(_("Chỉ tài khoản chỉ huy được giao hoặc thu hồi quyền "
                                          "mở kho danh tính"))
    return account


def grants(conn: dbapi.Connection) -> list[Grant]:
    """Who holds the vault key (the chief's view)."""
    _require_chief(conn)
    return [Grant(r[0], r[1] or "", r[2], r[3]) for r in conn.execute(
        "SELECT g.name, a.role, g.granted_by, g.granted_local FROM vault_grant g "
        "LEFT JOIN account a ON a.name = g.name ORDER BY g.name")]


def grant(conn: dbapi.Connection, name: str) -> None:
    """A chief names ``name`` (an officer) a handler: the vault key is wrapped to it."""
    chief = _require_chief(conn)
    target = accounts.get(conn, name)
    if target is None or target.disabled:
        raise UserError(_("Không có tài khoản «{n}» đang dùng").format(n=name))
    if target.role == "chief":
        raise UserError(_("«{n}» là chỉ huy: đã mở được kho danh tính").format(n=name))
    if target.role not in HANDLER_ROLES:
        raise UserError(_("Chỉ giao được cho tài khoản cán bộ; «{n}» là {r}").format(
            n=name, r=target.role_name))
    row = conn.execute("SELECT public FROM account_key WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise UserError(_("Tài khoản «{n}» cần đăng nhập một lần trước khi được giao quyền "
                          "(để có khóa riêng)").format(n=name))
    _account, key = _vault_key(conn)
    with _transaction(conn):
        conn.execute("INSERT INTO vault_grant(name, wrapped, granted_by, granted_local) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                     "wrapped = excluded.wrapped, granted_by = excluded.granted_by, "
                     "granted_local = excluded.granted_local",
                     (name, wrap_for(row[0], name, key), chief.name, now_local()))
        audit.record_event(conn, chief.name, "vault-grant", {"name": name})


def revoke(conn: dbapi.Connection, name: str) -> None:
    """The handler's grant is deleted (a key it copied while allowed is not covered)."""
    chief = _require_chief(conn)
    target = accounts.get(conn, name)
    if target is not None and target.role == "chief":
        raise UserError(_("«{n}» là chỉ huy: quyền mở kho đi theo vai trò, không thu hồi "
                          "được").format(n=name))
    with _transaction(conn):
        gone = conn.execute("DELETE FROM vault_grant WHERE name = ?", (name,)).rowcount
        if not gone:
            raise UserError(_("«{n}» chưa được giao quyền mở kho danh tính").format(n=name))
        audit.record_event(conn, chief.name, "vault-revoke", {"name": name})


# -- identities -----------------------------------------------------------------------------

def _clean(values: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in values.items():
        f = BY_NAME.get(name)
        if f is None:
            raise unknown_field(_Fields, name)  # type: ignore[arg-type]
        out[name] = clean_field(f, value)
    return out


def _tip_part(conn: dbapi.Connection, source_code: str) -> str:
    rows = conn.execute("SELECT _part FROM tip WHERE source_code = ? AND _deleted = 0",
                        (source_code,)).fetchall()
    if not rows:
        raise UserError(_("source_code: không có nguồn tin «{c}»").format(c=source_code))
    return str(rows[0][0])


def _aad(source_code: str) -> bytes:
    return source_code.encode()


def has_identity(conn: dbapi.Connection, source_code: str) -> bool:
    return conn.execute("SELECT 1 FROM informant WHERE source_code = ?",
                        (source_code,)).fetchone() is not None


def add(conn: dbapi.Connection, source_code: str, values: Mapping[str, object]) -> None:
    """Seal the identity behind a tip's source code (chief or handler)."""
    code = check_source_code(source_code)
    cleaned = _clean(values)
    if not cleaned.get("full_name"):
        raise ValidationError("full_name", _("bắt buộc phải có ({label})").format(
            label=BY_NAME["full_name"].label))
    from desktop.storage.site import require_site

    if require_site(conn).site_kind == "province":
        # The commune's codes repeat across communes; and identities stay at the post.
        raise UserError(_("Danh tính người cung cấp tin chỉ được lưu tại Công an xã nơi tiếp "
                          "nhận nguồn tin"))
    account, key = _vault_key(conn)
    with _transaction(conn):
        part = _tip_part(conn, code)
        if has_identity(conn, code):
            raise UserError(_("Nguồn tin «{c}» đã có danh tính (sửa bằng antq edit informant "
                              "{c} …)").format(c=code))
        data = json.dumps({f.name: cleaned.get(f.name) for f in FIELDS}, ensure_ascii=False)
        conn.execute("INSERT INTO informant(source_code, part, sealed, created_local) "
                     "VALUES (?, ?, ?, ?)",
                     (code, part, _seal(key, data.encode(), _aad(code)), now_local()))
        audit.record_event(conn, account.name, "vault-add", {"source_code": code},
                           tbl="informant", pk=code)


def _read(conn: dbapi.Connection, key: bytes, code: str) -> dict[str, object]:
    row = conn.execute("SELECT sealed FROM informant WHERE source_code = ?",
                       (code,)).fetchone()
    if row is None:
        raise UserError(_("Nguồn tin «{c}» chưa có danh tính trong kho").format(c=code))
    data = _open(key, row[0], _aad(code))
    if data is None:
        raise UserError(_("Danh tính của «{c}» không mở được (dữ liệu bị sửa?)").format(c=code))
    value = json.loads(data)
    return {f.name: value.get(f.name) for f in FIELDS}


def open_identity(conn: dbapi.Connection, source_code: str) -> dict[str, object]:
    """The identity behind ``source_code``; the audit log notes who opened which code."""
    code = check_source_code(source_code)
    account, key = _vault_key(conn)
    with _transaction(conn):
        identity = _read(conn, key, code)
        audit.record_event(conn, account.name, "vault-open", {"source_code": code},
                           tbl="informant", pk=code)
    return identity


def edit(conn: dbapi.Connection, source_code: str, values: Mapping[str, object]) -> None:
    code = check_source_code(source_code)
    cleaned = _clean(values)
    account, key = _vault_key(conn)
    with _transaction(conn):
        identity = _read(conn, key, code)
        identity.update(cleaned)
        if not identity.get("full_name"):
            raise ValidationError("full_name", _("bắt buộc phải có ({label})").format(
                label=BY_NAME["full_name"].label))
        data = json.dumps(identity, ensure_ascii=False)
        conn.execute("UPDATE informant SET sealed = ?, changed_local = ? WHERE source_code = ?",
                     (_seal(key, data.encode(), _aad(code)), now_local(), code))
        audit.record_event(conn, account.name, "vault-edit", {"source_code": code},
                           tbl="informant", pk=code)


def save(conn: dbapi.Connection, source_code: str, values: Mapping[str, object]) -> None:
    """Add or edit (the window's identity dialog)."""
    if has_identity(conn, check_source_code(source_code)):
        edit(conn, source_code, values)
    else:
        add(conn, source_code, values)
