"""Enrolment without a network, and the table of known sites.

1. The commune writes a request (its public keys, self-signed) to the stick and reads its
   fingerprint aloud or on paper.
2. The province checks the same fingerprint, records the commune and writes back a
   certificate signed with its key, together with its own public keys.
3. The commune installs the answer after checking the province's fingerprint.
A site accepts bundles only from enrolled, not revoked, senders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.storage import accounts, dbapi, migrations, references
from desktop.storage.merge import now_local
from desktop.storage.site import get_meta, require_site, set_meta
from desktop.sync import files
from desktop.sync.keys import (
    SITE_LIST_META,
    PublicKeys,
    SiteKeys,
    b64,
    bump_site_list,
    fingerprint,
    public_keys,
    unb64,
    verify_signature,
)

REQUEST_FORMAT = "antq-enrol-request"
RESPONSE_FORMAT = "antq-enrol-response"
CERT_FORMAT = "antq-site-certificate"
REF_PART = "ref"
ALL_PARTS = "*"
MAX_ENROL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Peer:
    site_id: str
    site_kind: str
    unit_code: str
    name: str
    public: PublicKeys
    partitions: tuple[str, ...]
    fingerprint: str
    status: str
    last_counter: int | None = None
    retired_sign_pubs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"site_id": self.site_id, "site_kind": self.site_kind,
                "unit_code": self.unit_code, "name": self.name, "fingerprint": self.fingerprint,
                "status": self.status, "partitions": list(self.partitions),
                "last_counter": self.last_counter}


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signed(body: dict[str, object], keys: SiteKeys) -> dict[str, str]:
    data = canonical(body)
    return {"body": data.decode(), "sig": b64(keys.sign(data))}


def _open_signed(envelope: object, sign_pub: str | None, what: str) -> dict:
    """The body of a signed envelope. With a known key the signature is checked before the
    body is parsed; a self-signed request names its key in the body (bounded by the file's
    size cap, and any parse failure is one refusal)."""
    bad_format = UserError(_("{w}: không đúng định dạng").format(w=what))
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), str) \
            or not isinstance(envelope.get("sig"), str):
        raise bad_format
    key = sign_pub
    body = None
    if key is None:
        body = _parse_body(envelope["body"], bad_format)
        key = body.get("sign_pub")
    try:
        ok = isinstance(key, str) and verify_signature(key, unb64(envelope["sig"]),
                                                       envelope["body"].encode())
    except ValueError:
        ok = False
    if not ok:
        raise UserError(_("{w}: chữ ký không hợp lệ (tệp đã bị sửa hoặc hỏng)").format(w=what))
    return body if body is not None else _parse_body(envelope["body"], bad_format)


def _parse_body(text: str, bad: UserError) -> dict:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise bad from None
    if not isinstance(body, dict):
        raise bad
    return body


def _read_json(path: Path, fmt: str) -> dict:
    data = files.read_capped(path, MAX_ENROL_BYTES)
    try:
        obj = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        obj = None
    if not isinstance(obj, dict) or obj.get("format") != fmt:
        raise UserError(_("{p}: không phải tệp {f} của ANTQ Desk").format(p=path, f=fmt))
    return obj


# -- the table of sites ---------------------------------------------------------------------------

def _peer(row: dbapi.Row, retired: tuple[str, ...] = ()) -> Peer:
    return Peer(row["site_id"], row["site_kind"], row["unit_code"], row["name"],
                PublicKeys(row["sign_pub"], row["recv_pub"]),
                tuple(json.loads(row["partitions"])), row["fingerprint"], row["status"],
                row["last_counter"], retired)


def retired_sign_pubs(conn: dbapi.Connection, site_id: str) -> tuple[str, ...]:
    return tuple(r[0] for r in conn.execute(
        "SELECT sign_pub FROM sync_site_retired_key WHERE site_id = ?", (site_id,)))


def list_sites(conn: dbapi.Connection) -> list[Peer]:
    return [_peer(r) for r in conn.execute(
        "SELECT * FROM sync_site ORDER BY site_kind DESC, unit_code, site_id")]


def find_peer(conn: dbapi.Connection, ref: str) -> Peer | None:
    """By site id, unit code or fingerprint."""
    row = conn.execute("SELECT * FROM sync_site WHERE site_id = ? OR unit_code = ? OR "
                       "fingerprint = ? ORDER BY status", (ref, ref, ref.upper())).fetchone()
    return None if row is None else _peer(row)


def _insert_peer(conn: dbapi.Connection, peer: Peer, certificate: str | None) -> None:
    conn.execute("INSERT INTO sync_site(site_id, site_kind, unit_code, name, sign_pub, "
                 "recv_pub, partitions, certificate, fingerprint, status, enrolled_local_time) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?) ON CONFLICT(site_id) DO UPDATE "
                 "SET name = excluded.name, certificate = excluded.certificate",
                 (peer.site_id, peer.site_kind, peer.unit_code, peer.name, peer.public.sign_pub,
                  peer.public.recv_pub, json.dumps(list(peer.partitions)), certificate,
                  peer.fingerprint, now_local()))


def revoke_site(conn: dbapi.Connection, site_id: str) -> Peer:
    """Refuse the site's bundles from now on; at the province the next site list carries
    the revocation to every commune."""
    accounts.require(conn, "enrol")
    peer = find_peer(conn, site_id)
    if peer is None:
        raise UserError(_("Không có điểm «{s}» trong danh sách").format(s=site_id))
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE sync_site SET status = 'revoked', revoked_local_time = ? "
                     "WHERE site_id = ?", (now_local(), peer.site_id))
        if require_site(conn).site_kind == "province":
            bump_site_list(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return peer


# -- the province's signed list of sites (revocation and rotation as reference data) ----------

def site_list(conn: dbapi.Connection) -> dict[str, object] | None:
    """The list the province puts in every bundle's signed manifest (None elsewhere)."""
    site = require_site(conn)
    if site.site_kind != "province":
        return None
    retired: dict[str, list[str]] = {}
    for sid, pub in conn.execute("SELECT site_id, sign_pub FROM sync_site_retired_key "
                                 "ORDER BY site_id, retired_local_time, sign_pub"):
        retired.setdefault(sid, []).append(pub)
    own = public_keys(conn)
    sites = [{"site_id": site.site_id, "site_kind": site.site_kind,
              "unit_code": site.unit_code, "name": site.name, "sign_pub": own.sign_pub,
              "recv_pub": own.recv_pub, "status": "active",
              "retired_sign_pubs": [r[0] for r in conn.execute(
                  "SELECT public FROM sync_key_retired WHERE purpose = 'sign' "
                  "ORDER BY generation")]}]
    for p in list_sites(conn):
        sites.append({"site_id": p.site_id, "site_kind": p.site_kind,
                      "unit_code": p.unit_code, "name": p.name, "sign_pub": p.public.sign_pub,
                      "recv_pub": p.public.recv_pub, "status": p.status,
                      "retired_sign_pubs": retired.get(p.site_id, [])})
    return {"version": int(get_meta(conn, SITE_LIST_META) or 1), "issuer": site.site_id,
            "sites": sites}


def parse_site_list(obj: object, issuer: str, name: str) -> dict | None:
    """Check the shape of a site list from a manifest; raises UserError if malformed."""
    if obj is None:
        return None
    bad = UserError(_("{n}: danh sách điểm trong gói không hợp lệ").format(n=name))
    if not isinstance(obj, dict) or not isinstance(obj.get("version"), int) \
            or isinstance(obj.get("version"), bool) or obj["version"] < 1 \
            or obj.get("issuer") != issuer or not isinstance(obj.get("sites"), list):
        raise bad
    for e in obj["sites"]:
        if not isinstance(e, dict) or not all(
                isinstance(e.get(k), str) and e[k] for k in
                ("site_id", "site_kind", "unit_code", "name", "sign_pub", "recv_pub")) \
                or e.get("status") not in ("active", "revoked") \
                or not isinstance(e.get("retired_sign_pubs"), list) \
                or not all(isinstance(k, str) for k in e["retired_sign_pubs"]):
            raise bad
    return obj


def apply_site_list(conn: dbapi.Connection, listing: dict) -> bool:
    """At a commune, inside the import transaction: keep ``listing`` if it is newer than the
    one held (an older or equal version, replayed or rolled back, is ignored)."""
    held = int(get_meta(conn, SITE_LIST_META) or 0)
    if listing["version"] <= held:
        return False
    me = require_site(conn).site_id
    enrolled = {p.site_id for p in list_sites(conn)}
    conn.execute("DELETE FROM sync_site_list")
    conn.executemany(
        "INSERT INTO sync_site_list VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e["site_id"], e["site_kind"], e["unit_code"], e["name"], e["sign_pub"],
          e["recv_pub"], e["status"], json.dumps(e["retired_sign_pubs"]), listing["version"])
         for e in listing["sites"] if e["site_id"] != me and e["site_id"] not in enrolled])
    set_meta(conn, SITE_LIST_META, str(listing["version"]))
    return True


def listed_peer(conn: dbapi.Connection, site_id: str) -> Peer | None:
    """A site known only from the province's list: status 'revoked', or 'listed' (known but
    not enrolled with this site, so its bundles are refused all the same)."""
    row = conn.execute("SELECT * FROM sync_site_list WHERE site_id = ?", (site_id,)).fetchone()
    if row is None:
        return None
    public = PublicKeys(row["sign_pub"], row["recv_pub"])
    return Peer(row["site_id"], row["site_kind"], row["unit_code"], row["name"], public,
                (row["unit_code"],), fingerprint(row["site_id"], public),
                "revoked" if row["status"] == "revoked" else "listed",
                retired_sign_pubs=tuple(json.loads(row["retired_sign_pubs"])))


def record_rotation(conn: dbapi.Connection, peer: Peer, new: PublicKeys) -> None:
    """A peer's bundle proved new keys (signed by its old key): update its record, keep
    the old public keys (inside the import transaction)."""
    conn.execute("INSERT OR IGNORE INTO sync_site_retired_key VALUES (?, ?, ?, ?)",
                 (peer.site_id, peer.public.sign_pub, peer.public.recv_pub, now_local()))
    conn.execute("UPDATE sync_site SET sign_pub = ?, recv_pub = ?, fingerprint = ? "
                 "WHERE site_id = ?",
                 (new.sign_pub, new.recv_pub, fingerprint(peer.site_id, new), peer.site_id))
    if require_site(conn).site_kind == "province":
        bump_site_list(conn)


def own_partitions(conn: dbapi.Connection) -> tuple[str, ...]:
    """Partitions this site writes and sends: the commune's own (from its certificate)."""
    site = require_site(conn)
    return references.own_partitions(conn, site) or (site.unit_code,)


# -- 1. request (commune) --------------------------------------------------------------------

def make_request(conn: dbapi.Connection, keys: SiteKeys, out: Path) -> str:
    """Write the enrolment request; returns the fingerprint to read out."""
    accounts.require(conn, "enrol")
    site = require_site(conn)
    if site.site_kind != "commune":
        raise UserError(_("Chỉ xã/phường gửi yêu cầu đăng ký; tỉnh chấp nhận yêu cầu"))
    body = {"site_id": site.site_id, "site_kind": site.site_kind, "unit_code": site.unit_code,
            "name": site.name, "sign_pub": keys.public.sign_pub,
            "recv_pub": keys.public.recv_pub, "created_local": now_local(),
            "schema_version": migrations.latest_version()}  # what it reads (bundle.py)
    files.write_atomic(out, canonical({"format": REQUEST_FORMAT, "format_version": 1,
                                       "request": _signed(body, keys)}))
    return fingerprint(site.site_id, keys.public)


def read_request(path: Path) -> dict:
    obj = _read_json(path, REQUEST_FORMAT)
    body = _open_signed(obj.get("request"), None, str(path))
    for name in ("site_id", "site_kind", "unit_code", "name", "sign_pub", "recv_pub"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise UserError(_("{p}: thiếu trường {f}").format(p=path, f=name))
    return body


# -- confirming a fingerprint -----------------------------------------------------------------

def same_fingerprint(typed: str | None, actual: str) -> bool:
    """What the officer typed (any case, with or without dashes and spaces) against the
    fingerprint computed from the file."""
    if not typed:
        return False
    norm = "".join(ch for ch in typed.upper() if ch.isalnum())
    return norm == actual.replace("-", "")


def _check_confirmed(typed: str | None, actual: str, who: str) -> None:
    if not typed or not typed.strip():
        raise UserError(_("Cần xác nhận vân tay của {w} trước khi ghi (vân tay trong tệp: "
                          "{f})").format(w=who, f=actual))
    if not same_fingerprint(typed, actual):
        raise UserError(_("Vân tay của {w} trong tệp là {f}, không khớp với {e}: không ghi "
                          "gì").format(w=who, f=actual, e=typed.strip()))


# -- 2. accept (province) --------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestInfo:
    """A checked enrolment request, before anything is written: what the province compares
    with what the commune reads out."""

    peer: Peer
    # The active site already enrolled for the same commune code, which accepting with
    # ``replace=True`` revokes.
    replaces: Peer | None
    # The schema version of the commune's program (None: a program before it said so).
    schema: int | None = None


def describe_request(conn: dbapi.Connection, request: Path) -> RequestInfo:
    """Read and check a commune's request; writes nothing."""
    site = require_site(conn)
    if site.site_kind != "province":
        raise UserError(_("Chỉ tỉnh chấp nhận yêu cầu đăng ký"))
    body = read_request(request)
    if body["site_kind"] != "commune":
        raise UserError(_("{p}: yêu cầu không phải của một xã/phường").format(p=request))
    if conn.execute("SELECT 1 FROM unit WHERE code = ? AND level = 'commune' "
                    "AND valid_to IS NULL", (body["unit_code"],)).fetchone() is None:
        raise UserError(_("{p}: không có xã/phường mã «{c}»").format(p=request,
                                                                    c=body["unit_code"]))
    public = PublicKeys(body["sign_pub"], body["recv_pub"])
    peer = Peer(body["site_id"], "commune", body["unit_code"], body["name"], public,
                (body["unit_code"],), fingerprint(body["site_id"], public), "active")
    existing = find_peer_by_id(conn, peer.site_id)
    if existing is not None and existing.public != public:
        raise UserError(_("Điểm «{s}» đã đăng ký với khóa khác; hãy thu hồi trước").format(
            s=peer.site_id))
    if existing is not None and existing.status != "active":
        raise UserError(_("Điểm «{n}» ({s}) đã bị thu hồi; điểm đó phải tạo khóa và mã điểm "
                          "mới (khôi phục hoặc cài lại) rồi gửi yêu cầu mới").format(
            n=existing.name, s=peer.site_id))
    row = conn.execute("SELECT * FROM sync_site WHERE unit_code = ? AND status = 'active' "
                       "AND site_id != ?", (peer.unit_code, peer.site_id)).fetchone()
    return RequestInfo(peer, None if row is None else _peer(row),
                       schema_of(body.get("schema_version")))


def accept_request(conn: dbapi.Connection, keys: SiteKeys, request: Path, out: Path, *,
                   confirmed_fingerprint: str | None, replace: bool = False) -> Peer:
    """Enrol the commune of ``request`` and write the certificate answer to ``out``.

    Nothing is written unless ``confirmed_fingerprint`` (what the commune read out) matches
    the request. A second site for a commune code already enrolled is refused unless
    ``replace``, which revokes the old site in the same transaction.
    """
    accounts.require(conn, "enrol")
    site = require_site(conn)
    info = describe_request(conn, request)
    peer = info.peer
    _check_confirmed(confirmed_fingerprint, peer.fingerprint,
                     _("xã/phường «{n}»").format(n=peer.name))
    if info.replaces is not None and not replace:
        old = info.replaces
        raise UserError(_("Mã xã/phường {c} đã có điểm «{n}» (vân tay {f}) đăng ký; chỉ chấp "
                          "nhận nếu thay hẳn điểm cũ (antq enrol accept … --replace), điểm cũ "
                          "sẽ bị thu hồi").format(c=peer.unit_code, n=old.name,
                                                   f=old.fingerprint))
    public = peer.public
    cert = _signed({"format": CERT_FORMAT, "site_id": peer.site_id, "site_kind": "commune",
                    "unit_code": peer.unit_code, "name": peer.name, "sign_pub": public.sign_pub,
                    "recv_pub": public.recv_pub, "partitions": list(peer.partitions),
                    "role": "commune", "issuer": site.site_id,
                    "issued_local": now_local()}, keys)
    answer = {"format": RESPONSE_FORMAT, "format_version": 1, "certificate": cert,
              "province": {"site_id": site.site_id, "site_kind": site.site_kind,
                           "unit_code": site.unit_code, "name": site.name,
                           "sign_pub": keys.public.sign_pub, "recv_pub": keys.public.recv_pub,
                           "schema_version": migrations.latest_version()}}
    conn.execute("BEGIN IMMEDIATE")
    try:
        if info.replaces is not None:
            conn.execute("UPDATE sync_site SET status = 'revoked', revoked_local_time = ? "
                         "WHERE site_id = ?", (now_local(), info.replaces.site_id))
        _insert_peer(conn, peer, json.dumps(cert))
        note_schema(conn, peer.site_id, info.schema)
        bump_site_list(conn)
        # The answer is written before the commit: if the stick fails, nothing is enrolled.
        files.write_atomic(out, canonical(answer))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return peer


def schema_of(value: object) -> int | None:
    """A schema version a peer gave (in its enrolment file or its bundle's manifest), if it
    is a plausible integer."""
    return value if type(value) is int and 0 < value < 1 << 31 else None


def note_schema(conn: dbapi.Connection, site_id: str, schema: int | None) -> None:
    """What ``site_id``'s program reads, as it last said (issue 12: the lines of the bundles
    written for it, bundle.py); None, not said, gets what every version reads."""
    conn.execute("UPDATE sync_site SET peer_schema = ? WHERE site_id = ?", (schema, site_id))


def find_peer_by_id(conn: dbapi.Connection, site_id: str) -> Peer | None:
    row = conn.execute("SELECT * FROM sync_site WHERE site_id = ?", (site_id,)).fetchone()
    return None if row is None else _peer(row)


# -- 3. install (commune) ------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseInfo:
    province: Peer
    certificate: dict
    envelope: dict
    schema: int | None = None  # the province's program's (None: one before it said so)


def describe_response(conn: dbapi.Connection, path: Path) -> ResponseInfo:
    """Read and check the province's answer; writes nothing."""
    site = require_site(conn)
    obj = _read_json(path, RESPONSE_FORMAT)
    prov = obj.get("province")
    if not isinstance(prov, dict) or not all(
            isinstance(prov.get(k), str) for k in ("site_id", "unit_code", "name", "sign_pub",
                                                   "recv_pub")):
        raise UserError(_("{p}: thiếu thông tin của tỉnh").format(p=path))
    cert_env = obj.get("certificate")
    cert = _open_signed(cert_env, prov["sign_pub"], str(path))
    mine = public_keys(conn)
    if cert.get("site_id") != site.site_id or cert.get("sign_pub") != mine.sign_pub \
            or cert.get("recv_pub") != mine.recv_pub or cert.get("issuer") != prov["site_id"]:
        raise UserError(_("{p}: chứng nhận này cấp cho điểm khác hoặc khóa khác").format(p=path))
    public = PublicKeys(prov["sign_pub"], prov["recv_pub"])
    peer = Peer(prov["site_id"], "province", prov["unit_code"], prov["name"], public,
                (ALL_PARTS,), fingerprint(prov["site_id"], public), "active")
    for other in list_sites(conn):
        if other.site_kind == "province" and other.site_id != peer.site_id \
                and other.status == "active":
            raise UserError(_("Điểm này đã đăng ký với tỉnh «{n}»").format(n=other.name))
        if other.site_id == peer.site_id and other.public != public:
            raise UserError(_("Tỉnh «{n}» đã có khóa khác").format(n=other.name))
    assert isinstance(cert_env, dict)
    return ResponseInfo(peer, cert, cert_env, schema_of(prov.get("schema_version")))


def install_response(conn: dbapi.Connection, path: Path,
                     confirmed_fingerprint: str | None) -> Peer:
    """Install the province's answer once its fingerprint is confirmed; returns the
    province."""
    accounts.require(conn, "enrol")
    info = describe_response(conn, path)
    peer = info.province
    _check_confirmed(confirmed_fingerprint, peer.fingerprint,
                     _("tỉnh «{n}»").format(n=peer.name))
    conn.execute("BEGIN IMMEDIATE")
    try:
        _insert_peer(conn, peer, None)
        note_schema(conn, peer.site_id, info.schema)
        set_meta(conn, "sync_certificate", json.dumps(info.envelope))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return peer
