"""The database key, wrapped for each account (issue 11: encryption at rest).

A database is encrypted by SQLCipher under a random 32-byte key. That key is never stored in
clear: ``<database>.keys`` beside the database holds, per account, the key encrypted
(AES-256-GCM, the account name as associated data) under a key derived from the account's
password with argon2id, the parameters beside it. Changing a password re-wraps the same key;
the database file is not re-encrypted. The file also counts failed passwords: after three,
each attempt must wait a delay that doubles (kept here, so restarting the program does not
reset it). Accounts' roles live inside the encrypted database; this file only says who can
open it.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from desktop import platform_os
from desktop.domain.errors import UserError
from desktop.i18n import _

FORMAT = "antq-keyfile"
SUFFIX = ".keys"
KEY_BYTES = 32
# argon2id at the argon2-cffi defaults: about 0.1 s here (budget: at most 1 s).
KDF_PARAMS = {"t": 3, "m": 65536, "p": 4}
MAX_KDF = {"t": 16, "m": 1 << 20, "p": 16}  # at most 16 passes over 1 GiB, 16 lanes
MAX_BYTES = 256 * 1024
FREE_FAILURES = 3
MAX_DELAY_S = 15 * 60


def keyfile_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + SUFFIX)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    # Imported when a password is checked, not when the login dialog is built (~30 ms of
    # imports the officer would wait for before the dialog appears).
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=params["t"],
                           memory_cost=params["m"], parallelism=params["p"],
                           hash_len=32, type=Type.ID)


def account_secret(kek: bytes, account: str) -> bytes:
    """A second key from the same argon2 output that unwraps the database key: it seals the
    account's private vault key (desktop/storage/vault.py). Never stored; a new password (a
    new salt) gives a new one."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"antq-account-secret:" + account.encode()).derive(kek)


def wrap(db_key: bytes, account: str, password: str,
         params: dict[str, int] | None = None, *,
         secret_out: list[bytes] | None = None) -> dict[str, object]:
    """The key file's entry for ``account``; ``secret_out`` receives its account secret."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    params = dict(params or KDF_PARAMS)
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(password, salt, params)
    sealed = AESGCM(kek).encrypt(nonce, db_key, account.encode())
    if secret_out is not None:
        secret_out.append(account_secret(kek, account))
    return {"kdf": "argon2id", "params": params, "salt": _b64(salt),
            "nonce": _b64(nonce), "wrapped": _b64(sealed)}


def unwrap(entry: dict[str, object], account: str, password: str, *,
           secret_out: list[bytes] | None = None) -> bytes | None:
    """The database key, or None if the password is wrong; ``secret_out`` receives the
    account secret (:func:`account_secret`) when the password is right."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        params = entry["params"]
        # The key file travels beside the database (a stick): parameters that would make
        # argon2 take gigabytes or hours are a damaged file, not a password to try.
        if not isinstance(params, dict) or not all(
                type(params.get(k)) is int and 0 < params[k] <= MAX_KDF[k] for k in "tmp"):
            raise ValueError("params")
        kek = _kek(password, _unb64(entry["salt"]), params)
        key = AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]),
                                  account.encode())
    except InvalidTag:
        return None
    except (KeyError, TypeError, ValueError):
        raise UserError(_("Tệp khóa bị hỏng (mục của tài khoản «{a}»)").format(a=account)) \
            from None
    if len(key) != KEY_BYTES:
        return None
    if secret_out is not None:
        secret_out.append(account_secret(kek, account))
    return key


# -- the file -------------------------------------------------------------------------------

def exists(db_path: Path) -> bool:
    return keyfile_path(db_path).is_file()


def read(db_path: Path) -> dict:
    path = keyfile_path(db_path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UserError(_("Không mở được {p}: thiếu tệp khóa {k} (hãy chép cả tệp khóa cùng "
                          "với cơ sở dữ liệu)").format(p=db_path, k=path.name)) from None
    try:
        obj = json.loads(data.decode("utf-8")) if len(data) <= MAX_BYTES else None
    except (ValueError, RecursionError):
        obj = None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT \
            or not isinstance(obj.get("accounts"), dict):
        raise UserError(_("Tệp khóa {k} bị hỏng").format(k=path))
    return obj


def write(db_path: Path, obj: dict) -> None:
    """Atomically, readable by this user only."""
    path = keyfile_path(db_path)
    tmp = path.with_name(path.name + ".part")
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    fd = platform_os.open_private(tmp, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def new_file(db_path: Path, db_key: bytes, account: str, password: str) -> bytes:
    """The key file of a new database; returns the account secret of its first account."""
    secret: list[bytes] = []
    write(db_path, {"format": FORMAT, "version": 1,
                    "accounts": {account: wrap(db_key, account, password, secret_out=secret)},
                    "failures": {"count": 0, "last": 0}})
    return secret[0]


def set_account(db_path: Path, db_key: bytes, account: str, password: str) -> bytes:
    """Wrap the key for ``account`` under ``password`` (a new account, or a new password);
    returns the account secret that goes with the new wrapping."""
    secret: list[bytes] = []
    obj = read(db_path)
    obj["accounts"][account] = wrap(db_key, account, password, secret_out=secret)
    write(db_path, obj)
    return secret[0]


def set_vault_copy(db_path: Path, account: str, sealed: bytes) -> None:
    """Keep beside the account's wrapping a copy of its private vault key, sealed under the
    same password (desktop/storage/vault.py): a database put back from a backup made before
    a password change still holds the key sealed under the old password."""
    obj = read(db_path)
    entry = obj["accounts"].get(account)
    if isinstance(entry, dict):
        entry["vault"] = _b64(sealed)
        write(db_path, obj)


def vault_copy(db_path: Path, account: str) -> bytes | None:
    entry = read(db_path)["accounts"].get(account)
    try:
        return _unb64(entry["vault"]) if isinstance(entry, dict) and "vault" in entry else None
    except ValueError:
        return None


def remove_account(db_path: Path, account: str) -> None:
    obj = read(db_path)
    if obj["accounts"].pop(account, None) is not None:
        write(db_path, obj)


def accounts(db_path: Path) -> list[str]:
    return sorted(read(db_path)["accounts"])


# -- unlocking, with a growing delay after failures ------------------------------------------

def delay_after(count: int) -> int:
    """Seconds to wait before the next attempt after ``count`` failures in a row."""
    if count < FREE_FAILURES:
        return 0
    return min(2 ** (count - FREE_FAILURES + 1), MAX_DELAY_S)


def failure_count(db_path: Path) -> int:
    failures = read(db_path).get("failures")
    count = failures.get("count") if isinstance(failures, dict) else 0
    return count if type(count) is int else 0


def unlock(db_path: Path, account: str, password: str, *, now: float | None = None,
           secret_out: list[bytes] | None = None) -> bytes:
    """The database key for ``account``; a wrong password is counted in the file.
    ``secret_out`` receives the account secret (:func:`account_secret`)."""
    obj = read(db_path)
    now = time.time() if now is None else now
    failures = obj.get("failures") if isinstance(obj.get("failures"), dict) else {}
    count = failures.get("count") if type(failures.get("count")) is int else 0
    last = failures.get("last") if isinstance(failures.get("last"), int | float) else 0
    # A clock set back lengthens the wait rather than ending it.
    until = last + delay_after(count)
    if now < until:
        raise UserError(_("Đã nhập sai mật khẩu {n} lần; hãy đợi {s} giây rồi thử lại").format(
            n=count, s=int(until - now) + 1))
    entry = obj["accounts"].get(account)
    key = unwrap(entry, account, password, secret_out=secret_out) \
        if isinstance(entry, dict) else None
    if key is None:
        obj["failures"] = {"count": count + 1, "last": now}
        write(db_path, obj)
        raise UserError(_("Sai tài khoản hoặc mật khẩu"))
    if count:
        obj["failures"] = {"count": 0, "last": now}
        write(db_path, obj)
    return key
