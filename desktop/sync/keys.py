"""This site's key pairs: Ed25519 to sign, X25519 (age) to receive; private halves sealed
with AES-256-GCM under a key derived (HKDF-SHA256) from the database key, stored in
``sync_key`` inside the encrypted database: the officer's login unlocks them, no second
password. Keys made by an earlier version were sealed under a passphrase (argon2id); they are
opened once with it and re-sealed under the database key (:func:`unlock`)."""

from __future__ import annotations

import base64
import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyrage
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desktop.domain.errors import UserError
from desktop.domain.hlc import wall_ms_now
from desktop.i18n import _
from desktop.storage import accounts, db, dbapi
from desktop.storage.merge import now_local
from desktop.storage.site import Site, get_meta, require_site, set_meta

# Only for keys sealed by an earlier version under their own passphrase: given once, they are
# re-sealed under the database key.
PASSPHRASE_ENV = "ANTQ_PASSPHRASE"
# argon2id cost of those old boxes (RFC 9106 "second recommended": t=3, 64 MiB); each box
# carries its own, this is only what :func:`seal_with_passphrase` writes (tests make old boxes).
KDF_PARAMS = {"t": 3, "m": 65536, "p": 4}
DBKEY_SCHEME = "dbkey"
LEGACY_SCHEME = "argon2id"
# HKDF's info names the purpose: the database key also derives other keys (attachments).
HKDF_INFO = b"antq-desk sync private keys v1"


@dataclass(frozen=True)
class PublicKeys:
    sign_pub: str  # base64 of the raw 32-byte Ed25519 key
    recv_pub: str  # age X25519 recipient, "age1…"


@dataclass(frozen=True)
class SiteKeys:
    """Unlocked keys of this site (kept in memory only while a task needs them)."""

    site: Site
    public: PublicKeys
    signer: Ed25519PrivateKey
    identity: pyrage.x25519.Identity
    # Receiving keys retired by ``antq keys rotate``: peers that have not yet learnt the new
    # key still encrypt to them.
    old_identities: tuple[pyrage.x25519.Identity, ...] = ()
    old_recv_pubs: tuple[str, ...] = ()

    @property
    def identities(self) -> list[pyrage.x25519.Identity]:
        return [self.identity, *self.old_identities]

    @property
    def recv_pubs(self) -> set[str]:
        return {self.public.recv_pub, *self.old_recv_pubs}

    def sign(self, data: bytes) -> bytes:
        return self.signer.sign(data)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def fingerprint(site_id: str, public: PublicKeys) -> str:
    """20 hex digits in groups of four, read out by phone or printed on the enrolment paper."""
    digest = hashlib.sha256(
        f"antq-site-v1\n{site_id}\n{public.sign_pub}\n{public.recv_pub}".encode()).hexdigest()
    short = digest[:20].upper()
    return "-".join(short[i:i + 4] for i in range(0, 20, 4))


def verify_signature(sign_pub: str, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(sign_pub)).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- the legacy passphrase -----------------------------------------------------------------

def ask_legacy_passphrase() -> str:
    """The passphrase of keys made by an earlier version, asked once ever: from
    ``ANTQ_PASSPHRASE`` (scripts) or a prompt; never from the command line."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    try:
        return getpass.getpass(_("Mật khẩu khóa đồng bộ cũ (chỉ hỏi một lần): "))
    except EOFError:
        raise UserError(_("Khóa đồng bộ của phiên bản trước cần mật khẩu cũ một lần (nhập tại "
                          "dấu nhắc hoặc đặt biến môi trường {env})").format(
                              env=PASSPHRASE_ENV)) from None


# -- sealing ----------------------------------------------------------------------------------

def _db_key(conn: dbapi.Connection) -> bytes:
    """The key of the database ``conn`` is open on (remembered when the account logged in)."""
    path = next((Path(r[2]) for r in conn.execute("PRAGMA database_list")
                 if r[1] == "main" and r[2]), None)
    key = None if path is None else db.known_key(path)
    if key is None:
        raise UserError(_("Cơ sở dữ liệu chưa được mở khóa: không dùng được khóa đồng bộ"))
    return key


def _seal_key(db_key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=HKDF_INFO).derive(db_key)


def seal(secret: bytes, db_key: bytes, purpose: str) -> str:
    """A private key sealed under the database key; ``purpose`` is the associated data, so a
    box cannot be passed off as another."""
    salt, nonce = os.urandom(16), os.urandom(12)
    ct = AESGCM(_seal_key(db_key, salt)).encrypt(nonce, secret, purpose.encode())
    return json.dumps({"kdf": DBKEY_SCHEME, "salt": b64(salt), "nonce": b64(nonce),
                       "ct": b64(ct)}, sort_keys=True)


def unseal(sealed: str, db_key: bytes, purpose: str) -> bytes:
    box = json.loads(sealed)
    if box.get("kdf") != DBKEY_SCHEME:
        raise UserError(_("Khóa đồng bộ còn khóa bằng mật khẩu cũ: cần mật khẩu đó một lần"))
    try:
        return AESGCM(_seal_key(db_key, unb64(box["salt"]))).decrypt(
            unb64(box["nonce"]), unb64(box["ct"]), purpose.encode())
    except InvalidTag:
        raise UserError(_("Khóa đồng bộ không mở được bằng khóa của cơ sở dữ liệu này (tệp bị "
                          "sửa hoặc chép từ cơ sở dữ liệu khác)")) from None


def _passphrase_kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(passphrase.encode("utf-8"), salt, time_cost=params["t"],
                           memory_cost=params["m"], parallelism=params["p"], hash_len=32,
                           type=Type.ID)


def seal_with_passphrase(secret: bytes, passphrase: str, purpose: str) -> str:
    """The box of earlier versions (argon2id of a passphrase); only tests still write it."""
    salt, nonce = os.urandom(16), os.urandom(12)
    params = dict(KDF_PARAMS)
    ct = AESGCM(_passphrase_kek(passphrase, salt, params)).encrypt(
        nonce, secret, purpose.encode())
    return json.dumps({"kdf": LEGACY_SCHEME, **params, "salt": b64(salt),
                       "nonce": b64(nonce), "ct": b64(ct)}, sort_keys=True)


def unseal_with_passphrase(sealed: str, passphrase: str, purpose: str) -> bytes:
    box = json.loads(sealed)
    key = _passphrase_kek(passphrase, unb64(box["salt"]), {k: box[k] for k in ("t", "m", "p")})
    try:
        return AESGCM(key).decrypt(unb64(box["nonce"]), unb64(box["ct"]), purpose.encode())
    except InvalidTag:
        raise UserError(_("Sai mật khẩu khóa đồng bộ cũ")) from None


def _is_legacy(sealed: str) -> bool:
    return json.loads(sealed).get("kdf") == LEGACY_SCHEME


def needs_passphrase(conn: dbapi.Connection) -> bool:
    """True while some private key (current or retired) is still sealed under the passphrase
    of an earlier version: the command line and the window then ask it, once."""
    return any(_is_legacy(r[0]) for r in conn.execute(
        "SELECT sealed FROM sync_key UNION ALL SELECT sealed FROM sync_key_retired"))


def _reseal_legacy(conn: dbapi.Connection, passphrase: str) -> None:
    """Open every passphrase-sealed box and seal it under the database key, all in one
    transaction: a wrong passphrase (or any failure) leaves every box as it was."""
    db_key = _db_key(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for purpose, sealed in conn.execute(
                "SELECT purpose, sealed FROM sync_key").fetchall():
            if _is_legacy(sealed):
                conn.execute("UPDATE sync_key SET sealed = ? WHERE purpose = ?", (seal(
                    unseal_with_passphrase(sealed, passphrase, purpose), db_key, purpose),
                    purpose))
        for generation, purpose, sealed in conn.execute(
                "SELECT generation, purpose, sealed FROM sync_key_retired").fetchall():
            if _is_legacy(sealed):
                conn.execute("UPDATE sync_key_retired SET sealed = ? WHERE generation = ? AND "
                             "purpose = ?", (seal(unseal_with_passphrase(
                                 sealed, passphrase, purpose), db_key, purpose),
                                 generation, purpose))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# -- the keys of this site -----------------------------------------------------------------------

def has_keys(conn: dbapi.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sync_key").fetchone()[0] == 2


def public_keys(conn: dbapi.Connection) -> PublicKeys:
    rows = dict(conn.execute("SELECT purpose, public FROM sync_key").fetchall())
    if set(rows) != {"sign", "recv"}:
        raise UserError(_("Điểm này chưa có khóa đồng bộ: hãy chạy «antq keys init»"))
    return PublicKeys(rows["sign"], rows["recv"])


def init_keys(conn: dbapi.Connection) -> PublicKeys:
    """Make this site's key pairs, once (the enrolment right)."""
    accounts.require(conn, "enrol")
    require_site(conn)
    if has_keys(conn):
        raise UserError(_("Điểm này đã có khóa đồng bộ (vân tay {f})").format(
            f=fingerprint(require_site(conn).site_id, public_keys(conn))))
    db_key = _db_key(conn)
    signer = Ed25519PrivateKey.generate()
    sign_pub = b64(signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    sign_priv = signer.private_bytes_raw()
    identity = pyrage.x25519.Identity.generate()
    recv_pub = str(identity.to_public())
    now = now_local()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO sync_key VALUES ('sign', ?, ?, ?)",
                     (sign_pub, seal(sign_priv, db_key, "sign"), now))
        conn.execute("INSERT INTO sync_key VALUES ('recv', ?, ?, ?)",
                     (recv_pub, seal(str(identity).encode(), db_key, "recv"), now))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return PublicKeys(sign_pub, recv_pub)


def unlock(conn: dbapi.Connection, *, legacy_passphrase: str | None = None) -> SiteKeys:
    """The private keys, unsealed with the database key. Keys of an earlier version still
    sealed under a passphrase need ``legacy_passphrase`` this once: they are re-sealed under
    the database key (see :func:`needs_passphrase`)."""
    site = require_site(conn)
    public = public_keys(conn)
    if needs_passphrase(conn):
        if legacy_passphrase is None:
            raise UserError(_("Khóa đồng bộ của phiên bản trước còn khóa bằng mật khẩu riêng: "
                              "cần mật khẩu đó một lần (biến môi trường {env})").format(
                                  env=PASSPHRASE_ENV))
        _reseal_legacy(conn, legacy_passphrase)
    db_key = _db_key(conn)
    sealed = dict(conn.execute("SELECT purpose, sealed FROM sync_key").fetchall())
    signer = Ed25519PrivateKey.from_private_bytes(unseal(sealed["sign"], db_key, "sign"))
    identity = pyrage.x25519.Identity.from_str(
        unseal(sealed["recv"], db_key, "recv").decode("ascii"))
    old = conn.execute("SELECT public, sealed FROM sync_key_retired WHERE purpose = 'recv' "
                       "ORDER BY generation DESC").fetchall()
    old_ids = tuple(pyrage.x25519.Identity.from_str(
        unseal(r[1], db_key, "recv").decode("ascii")) for r in old)
    return SiteKeys(site, public, signer, identity, old_ids, tuple(r[0] for r in old))


# -- rotation --------------------------------------------------------------------------------

ROTATION_FORMAT = "antq-key-rotation"


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def rotate_keys(conn: dbapi.Connection, *, legacy_passphrase: str | None = None
                ) -> tuple[PublicKeys, PublicKeys]:
    """Make new key pairs (the enrolment right); returns (old, new) public keys.

    The old pairs are kept (sealed) in ``sync_key_retired``, so bundles still encrypted to
    the old receiving key open. A statement "these are my new keys", signed by the old
    signing key, is kept in ``sync_key_rotation``; every bundle carries the whole chain, so
    a peer that knows any earlier key follows it to the current one without a new paper
    enrolment. Once a peer has learnt the new key it refuses bundles signed by the old one.
    """
    accounts.require(conn, "enrol")
    current = unlock(conn, legacy_passphrase=legacy_passphrase)
    db_key = _db_key(conn)
    site = current.site
    signer = Ed25519PrivateKey.generate()
    sign_pub = b64(signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    identity = pyrage.x25519.Identity.generate()
    new = PublicKeys(sign_pub, str(identity.to_public()))
    old = current.public
    now = now_local()
    conn.execute("BEGIN IMMEDIATE")
    try:
        generation = 1 + conn.execute(
            "SELECT coalesce(max(generation), 0) FROM sync_key_rotation").fetchone()[0]
        body = _canonical({"format": ROTATION_FORMAT, "site_id": site.site_id,
                           "generation": generation, "old_sign_pub": old.sign_pub,
                           "old_recv_pub": old.recv_pub, "new_sign_pub": new.sign_pub,
                           "new_recv_pub": new.recv_pub, "rotated_local": now})
        statement = json.dumps({"body": body.decode(), "sig": b64(current.sign(body))})
        for purpose, public, sealed in conn.execute(
                "SELECT purpose, public, sealed FROM sync_key").fetchall():
            conn.execute("INSERT INTO sync_key_retired VALUES (?, ?, ?, ?, ?)",
                         (generation, purpose, public, sealed, now))
        conn.execute("UPDATE sync_key SET public = ?, sealed = ?, created_local = ? "
                     "WHERE purpose = 'sign'",
                     (new.sign_pub, seal(signer.private_bytes_raw(), db_key, "sign"), now))
        conn.execute("UPDATE sync_key SET public = ?, sealed = ?, created_local = ? "
                     "WHERE purpose = 'recv'",
                     (new.recv_pub, seal(str(identity).encode(), db_key, "recv"), now))
        conn.execute("INSERT INTO sync_key_rotation VALUES (?, ?)", (generation, statement))
        if site.site_kind == "province":
            bump_site_list(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return old, new


# The version of the province's site list (desktop/sync/enrol.py), raised with each change to
# a key in it: kept here, below enrol, since rotating the province's own keys raises it too.
SITE_LIST_META = "site_list_version"


def bump_site_list(conn: dbapi.Connection) -> int:
    """Give the province's site list a new, strictly greater version (inside the caller's
    transaction). The wall clock in ms is only a floor, so a restored copy of the database
    still issues versions above those it sent before."""
    version = max(int(get_meta(conn, SITE_LIST_META) or 0) + 1, wall_ms_now())
    set_meta(conn, SITE_LIST_META, str(version))
    return version


def rotation_chain(conn: dbapi.Connection) -> list[dict[str, str]]:
    """This site's rotation statements, oldest first (carried in every bundle)."""
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT statement FROM sync_key_rotation ORDER BY generation")]
