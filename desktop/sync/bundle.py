"""The bundle file (DESIGN invariant 7): an age file, encrypted to the recipient's X25519 key
(and the sender's own, so it can re-open what it wrote). Inside is a signed header, then a ZIP:

    ANTQ-VSB/2                      magic line
    site <sender site id>           who signed (looked up among enrolled sites)
    key <Ed25519 public key>        the key that signed
    rot <body> <signature>          0..n rotation steps (base64), each signed by the key it
                                    replaces, oldest first: how a peer that knows an older key
                                    reaches the signing key
    sig <signature>                 Ed25519 over SHA-256(domain, every header line above, ZIP)
    <ZIP bytes>

    manifest.json          canonical JSON: format, schema range, ids, counter, recipients,
                           vectors, per-file SHA-256, byte and line counts, record counts
                           and optionally: site_list (from the province: the enrolled sites,
                           keys and status, with a strictly increasing version) and conflicts
                           (from a commune: open conflicts it detected)
    changes/000001.jsonl   one field version per line (at most 50,000 lines a file)
    records/000001.jsonl   or: one record per line, its field versions in it (below)
    attachments/<sha256>   attached files referenced by the changes

A record line (schema 34 on, issue 12) carries the field versions of one record that come
together in the bundle, in the same order: ``t`` table, ``pk`` record id, ``f`` the fields,
``v`` their values, ``h`` ``o`` ``p`` the stamp, origin and partition they share, ``s`` a
base sequence and ``q`` each field's offset from it (a record written in one go: one stamp,
one writer, sequences one after another), and only where a field's version differs, ``x``:
``[index, stamp, origin, partition, sequence, history]`` for that field, whole. Expanded,
it gives exactly the change lines it stands for (the checks and the merge see the same
versions; a quarter of the bytes, about half the reading). It is written only for a peer that
said it reads it — its enrolment file or its last verified bundle gave a ``schema_version`` ≥
34, kept in ``sync_site.peer_schema`` — with ``min_reader_schema`` 34, so an older program
asks to be updated; every other peer gets change lines, and change lines stay readable
forever. The
manifest counts field versions in ``records`` either way (MAX_CHANGES bounds them) and
record lines in ``lines``.

Verify before parse: the header is read line by line against fixed patterns (no JSON), the
signature is checked over the raw bytes, and only then is the ZIP opened (its entry count
read from the end record first) and the manifest parsed (size and nesting bounded); the
members' names are checked after its versions, so that a kind of member a newer program writes
asks for the update. Reading never extracts by name: only members the signed manifest lists
are read, each capped in size and compression ratio and checked against its hash.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import json
import operator
import re
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Annotated, Any

import msgspec
import pyrage

from desktop import __version__
from desktop.domain import validation
from desktop.domain.errors import UserError
from desktop.domain.ids import RECORD_ID_LENGTH, new_id
from desktop.i18n import _
from desktop.storage import migrations
from desktop.storage.merge import Cell
from desktop.sync.enrol import Peer, canonical
from desktop.sync.keys import (
    ROTATION_FORMAT,
    PublicKeys,
    SiteKeys,
    b64,
    fingerprint,
    verify_signature,
)

FORMAT = "antq-sync-bundle"
# 2: the signed header before the ZIP (version 1 signed the manifest inside it, so it had to
# be parsed before its signature could be checked).
FORMAT_VERSION = 2
# The oldest schema that can read what this program writes: the record tables have not
# changed since schema 1 (fields a reader does not know are kept in _extras anyway).
MIN_READER_SCHEMA = 1
# A bundle carrying a compact record id (19 characters, issue 12) is read from schema 24 on:
# an older program then asks to be updated instead of refusing an id it does not know; one
# carrying only UUIDs stays readable by every older program.
COMPACT_ID_READER_SCHEMA = 24
# Record lines (records/…) are read from schema 34 on (migration 34 keeps what each peer
# reads): written only for a peer known to read them, and then an older program that gets
# one anyway asks to be updated.
RECORDS_READER_SCHEMA = 34
SUFFIX = ".vsb"
LINES_PER_FILE = 50_000
MAX_BUNDLE_BYTES = 1 << 30  # a FAT32 stick holds 4 GiB files; keep well below
MAX_MANIFEST_BYTES = 4 << 20
MAX_MEMBER_BYTES = 512 << 20
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 200  # DEFLATE of JSON lines gives ~10-30; a zip bomb gives ~1000
MAX_ATTACHMENT_BYTES = 50 << 20
MAX_ATTACHMENTS_BYTES = 512 << 20
MAX_MEMBERS = 20_000  # manifest, signature, ≤ 100 change files, attachments
MAX_CHANGES = 5_000_000  # field versions in one bundle (a province's first bundle: ~1 M)
MAX_HEADER_BYTES = 64 << 10
MAX_ROTATION_STEPS = 64
MAX_JSON_DEPTH = 8  # the manifest's deepest honest nesting is 4
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_MAGIC = b"ANTQ-VSB/2\n"
_SIG_DOMAIN = b"antq-sync-bundle/2\0"
_SITE_LINE = re.compile(rb"site ([0-9A-Za-z-]{1,64})\Z")
_KEY_LINE = re.compile(rb"key ([A-Za-z0-9+/]{43}=)\Z")
_ROT_LINE = re.compile(rb"rot ([A-Za-z0-9+/]{1,16000}={0,2}) ([A-Za-z0-9+/]{86}==)\Z")
_SIG_LINE = re.compile(rb"sig ([A-Za-z0-9+/]{86}==)\Z")
_EOCD = b"PK\x05\x06"
_MEMBER = re.compile(r"((?:changes|records)/\d{6}\.jsonl|attachments/[0-9a-f]{64})\Z")
_FIXED = {"manifest.json"}
_AGE_MAGIC = b"age-encryption.org/v1\n"


class BundleError(UserError):
    """A file that is refused: the message says why, in one line."""


@dataclass
class Bundle:
    manifest: dict
    manifest_sha256: str
    cells: list[Cell] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)
    # The sender's new keys, proved by the rotation chain in the manifest (the importer
    # records them in the same transaction as the changes).
    rotated_to: PublicKeys | None = None
    # Signed by a key the sender has retired: refused unless already imported.
    retired_key: bool = False
    # Every change line had the types and limits merge.check_cells asks (checked while
    # decoding, _TypedLine): the checks after it then look at distinct names and values only.
    typed: bool = True
    # The record lines the cells were expanded from, when every member was record lines
    # of the types _TypedRecord asks (the merge takes new records' columns from them);
    # None otherwise.
    records: list[RecordLine] | None = None

    @property
    def bundle_id(self) -> str:
        return str(self.manifest["bundle_id"])

    @property
    def sender(self) -> str:
        return str(self.manifest["sender_site"])


def vector_out(vector: Mapping[tuple[str, str], int]) -> dict[str, int]:
    return {f"{o}|{p}": s for (o, p), s in sorted(vector.items())}


def vector_in(obj: object) -> dict[tuple[str, str], int]:
    if not isinstance(obj, dict):
        raise BundleError(_("manifest: vector không hợp lệ"))
    out = {}
    for key, seq in obj.items():
        origin, sep, part = str(key).partition("|")
        if not sep or not origin or not part or not isinstance(seq, int) or seq < 0:
            raise BundleError(_("manifest: vector không hợp lệ ({k})").format(k=key))
        out[(origin, part)] = seq
    return out


def _line(c: Cell) -> str:
    t, pk, f, v, h, o, p, s, hist = c
    return json.dumps({"t": t, "pk": pk, "f": f, "v": v, "h": h, "o": o, "p": p, "s": s,
                       "hist": hist}, ensure_ascii=False, separators=(",", ":"))


def _zinfo(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = compress
    info.external_attr = 0o600 << 16
    return info


# -- writing --------------------------------------------------------------------------------

def build(keys: SiteKeys, recipient: Peer, cells: Sequence[Cell], *,
          sender_vector: Mapping[tuple[str, str], int],
          base_vector: Mapping[tuple[str, str], int], partitions: Sequence[str],
          sender_counter: int, created_local: str, created_wall_ms: int,
          attachments: Mapping[str, bytes] | None = None,
          bundle_id: str | None = None, key_rotations: Sequence[dict] = (),
          site_list: Mapping[str, object] | None = None,
          conflicts: Sequence[Mapping[str, object]] = (),
          audit_head: Mapping[str, object] | None = None,
          audit_format: int | None = None, records: bool = False) -> tuple[str, bytes, dict]:
    """The encrypted bundle for ``recipient``: (bundle_id, file bytes, manifest).
    ``records``: record lines (for a recipient known to read them), else change lines."""
    bundle_id = bundle_id or new_id()
    files: dict[str, dict[str, object]] = {}
    members: list[tuple[str, bytes, int]] = []
    if records:  # one line per record, at most LINES_PER_FILE versions a file
        lines = record_lines(cells)
        n = start = 0
        while start < len(lines):
            end, versions = start, 0
            while end < len(lines) and (end == start
                                        or versions + lines[end][1] <= LINES_PER_FILE):
                versions += lines[end][1]
                end += 1
            data = b"\n".join(line for line, _k in lines[start:end]) + b"\n"
            n += 1
            name = f"records/{n:06d}.jsonl"
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                           "records": versions, "lines": end - start}
            members.append((name, data, zipfile.ZIP_DEFLATED))
            start = end
    for n, start in enumerate(range(0, 0 if records else len(cells), LINES_PER_FILE),
                              start=1):
        chunk = cells[start:start + LINES_PER_FILE]
        data = ("\n".join(_line(c) for c in chunk) + "\n").encode("utf-8")
        name = f"changes/{n:06d}.jsonl"
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                       "records": len(chunk)}
        members.append((name, data, zipfile.ZIP_DEFLATED))
    att_list = []
    for sha, blob in sorted((attachments or {}).items()):
        name = f"attachments/{sha}"
        files[name] = {"sha256": sha, "bytes": len(blob), "records": 0}
        members.append((name, blob, zipfile.ZIP_STORED))
        att_list.append({"sha256": sha, "bytes": len(blob)})
    counts: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for c in cells:
        if (c[0], c[1]) not in seen:
            seen.add((c[0], c[1]))
            counts[c[0]] = counts.get(c[0], 0) + 1
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
        "schema_version": migrations.latest_version(),
        "min_reader_schema": max(_min_reader_schema(cells, conflicts),
                                 RECORDS_READER_SCHEMA if records and cells else 0),
        "bundle_id": bundle_id, "sender_site": keys.site.site_id,
        "sender_kind": keys.site.site_kind,
        "sender_key_fp": fingerprint(keys.site.site_id, keys.public),
        "sender_counter": sender_counter,
        "recipients": [{"site": recipient.site_id, "x25519": recipient.public.recv_pub}],
        "created_local": created_local, "created_wall_ms": created_wall_ms,
        "hlc_max": max((c[4] for c in cells), default=0),
        "base_vector": vector_out(base_vector), "sender_vector": vector_out(sender_vector),
        "partitions": sorted(partitions), "files": files, "counts": counts,
        "attachments": att_list,
    }
    # Optional members of the signed manifest (older readers ignore them).
    if site_list is not None:
        manifest["site_list"] = dict(site_list)
    if conflicts:
        manifest["conflicts"] = [dict(c) for c in conflicts]
    if audit_head is not None:  # {"seq", "hash"}: the sender's audit log so far (audit.py)
        manifest["audit_head"] = dict(audit_head)
        if audit_format is not None:  # beside it: readers of format 1 check the head strictly
            manifest["audit_format"] = audit_format
    manifest_bytes = canonical(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_zinfo("manifest.json", zipfile.ZIP_DEFLATED), manifest_bytes)
        for name, data, compress in members:
            zf.writestr(_zinfo(name, compress), data, compresslevel=6 if compress else None)
    plain = seal(keys, buf.getvalue(), key_rotations)
    recipients = [pyrage.x25519.Recipient.from_str(recipient.public.recv_pub),
                  pyrage.x25519.Recipient.from_str(keys.public.recv_pub)]
    return bundle_id, pyrage.encrypt(plain, recipients), manifest


def _signed_digest(header: bytes, body: bytes | memoryview) -> bytes:
    h = hashlib.sha256(_SIG_DOMAIN)
    h.update(header)
    h.update(body)
    return h.digest()


def seal(keys: SiteKeys, zip_bytes: bytes, key_rotations: Sequence[Mapping[str, str]] = ()
         ) -> bytes:
    """The signed header followed by ``zip_bytes`` (the plaintext that age encrypts)."""
    lines = [_MAGIC, b"site " + keys.site.site_id.encode("ascii") + b"\n",
             b"key " + keys.public.sign_pub.encode("ascii") + b"\n"]
    for step in key_rotations:
        lines.append(b"rot " + b64(step["body"].encode("utf-8")).encode("ascii") + b" "
                     + step["sig"].encode("ascii") + b"\n")
    header = b"".join(lines)
    signature = keys.sign(_signed_digest(header, zip_bytes))
    return header + b"sig " + b64(signature).encode("ascii") + b"\n" + zip_bytes


# -- reading ------------------------------------------------------------------------------------

def decrypt(data: bytes, keys: SiteKeys, name: str) -> bytes:
    if not data:
        raise BundleError(_("{n}: tệp rỗng").format(n=name))
    if not data.startswith(_AGE_MAGIC):
        raise BundleError(_("{n}: không phải gói đồng bộ của ANTQ Desk").format(n=name))
    try:
        return pyrage.decrypt(data, keys.identities)
    except pyrage.DecryptError as e:
        if "No matching keys" in str(e):
            raise BundleError(_("{n}: gói này không gửi cho điểm này (sai người nhận)").format(
                n=name)) from None
        raise BundleError(_("{n}: gói bị hỏng hoặc bị cắt cụt (giải mã thất bại)").format(
            n=name)) from None


@dataclass
class _Header:
    site_id: str
    sign_pub: str
    rotations: list[tuple[bytes, bytes]]  # (statement body, signature by the replaced key)
    signed: bytes  # the header lines the signature covers
    signature: bytes
    body_start: int


def _read_header(plain: bytes, name: str) -> _Header:
    """The header's lines, each matched against its fixed pattern: no JSON, bounded."""
    bad = BundleError(_("{n}: phần đầu của gói không hợp lệ").format(n=name))
    if not plain.startswith(_MAGIC):
        if plain.startswith(b"PK"):
            raise BundleError(_("{n}: gói do phiên bản cũ của chương trình tạo (định dạng 1); "
                                "hãy cập nhật ANTQ Desk ở nơi gửi rồi ghi gói mới").format(
                n=name))
        raise bad
    pos = len(_MAGIC)
    site_id = sign_pub = None
    rotations: list[tuple[bytes, bytes]] = []
    while True:
        end = plain.find(b"\n", pos, min(len(plain), MAX_HEADER_BYTES))
        if end < 0:
            raise bad
        line = plain[pos:end]
        if site_id is None:
            m = _SITE_LINE.match(line)
            if m is None:
                raise bad
            site_id = m.group(1).decode("ascii")
        elif sign_pub is None:
            m = _KEY_LINE.match(line)
            if m is None:
                raise bad
            sign_pub = m.group(1).decode("ascii")
        elif line.startswith(b"rot "):
            m = _ROT_LINE.match(line)
            if m is None or len(rotations) >= MAX_ROTATION_STEPS:
                raise bad
            try:
                rotations.append((binascii.a2b_base64(m.group(1), strict_mode=True),
                                  binascii.a2b_base64(m.group(2), strict_mode=True)))
            except binascii.Error:
                raise bad from None
        else:
            m = _SIG_LINE.match(line)
            if m is None:
                raise bad
            signature = binascii.a2b_base64(m.group(1))
            return _Header(site_id, sign_pub, rotations, plain[:pos], signature, end + 1)
        pos = end + 1


def _follow_rotations(peer: Peer, steps: Sequence[tuple[bytes, bytes]]) -> PublicKeys | None:
    """The newest keys the rotation steps lead to from the key ``peer`` is known by. Each
    step's signature is checked by the key it replaces before its body is parsed."""
    current, found = peer.public.sign_pub, None
    for body, signature in steps:
        if not verify_signature(current, signature, body):
            continue  # a step from before the key we know, or not for us
        try:
            statement = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            continue
        if not isinstance(statement, dict) or statement.get("format") != ROTATION_FORMAT \
                or statement.get("site_id") != peer.site_id \
                or statement.get("old_sign_pub") != current \
                or not isinstance(statement.get("new_sign_pub"), str) \
                or not isinstance(statement.get("new_recv_pub"), str):
            continue
        current = statement["new_sign_pub"]
        found = PublicKeys(current, statement["new_recv_pub"])
    return found


def _zip_entries(body: bytes | memoryview, name: str) -> int:
    """The entry count from the ZIP's end record, read before the central directory is."""
    tail = bytes(body[-(22 + 0xFFFF):])
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise BundleError(_("{n}: nội dung gói bị hỏng (không phải ZIP)").format(n=name))
    disk, cd_disk, here, total = struct.unpack("<HHHH", tail[at + 4:at + 12])
    if disk or cd_disk or here != total or total == 0xFFFF:
        raise BundleError(_("{n}: nội dung gói bị hỏng (không phải ZIP)").format(n=name))
    return total


def json_depth_ok(data: bytes, limit: int) -> bool:
    """Whether JSON text nests no deeper than ``limit`` (strings skipped): checked before
    ``json.loads``, which would recurse once per level."""
    text = re.sub(rb'"(?:[^"\\]|\\.)*"', b'""', data)
    depth = 0
    for ch in re.findall(rb"[\[\]{}]", text):
        if ch in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def open_bundle(data: bytes, keys: SiteKeys, name: str,
                sender_of: Callable[[str], Peer | None]) -> tuple[zipfile.ZipFile, Bundle]:
    """Decrypt, check the signed header over the raw bytes, then the ZIP layout and the
    manifest; members are read later by :func:`read_members` (after the caller checked the
    import log)."""
    return open_plain(decrypt(data, keys, name), keys, name, sender_of)


def signed_by(plain: bytes, name: str, site_id: str, sign_pubs: Sequence[str]) -> bool:
    """Whether a decrypted bundle names ``site_id`` in its header and is signed by one of
    ``sign_pubs`` (this site's own keys, to tell what it wrote itself from a file that only
    claims to be)."""
    header = _read_header(plain, name)
    if header.site_id != site_id or header.sign_pub not in sign_pubs:
        return False
    body = memoryview(plain)[header.body_start:]
    return verify_signature(header.sign_pub, header.signature,
                            _signed_digest(header.signed, body))


def open_plain(plain: bytes, keys: SiteKeys, name: str,
               sender_of: Callable[[str], Peer | None]) -> tuple[zipfile.ZipFile, Bundle]:
    """:func:`open_bundle` of a bundle already decrypted."""
    header = _read_header(plain, name)
    body = memoryview(plain)[header.body_start:]
    peer = sender_of(header.site_id)
    if peer is None or peer.status == "listed":
        raise BundleError(_("{n}: người gửi «{s}» chưa đăng ký với điểm này").format(
            n=name, s=header.site_id))
    if peer.status != "active":
        raise BundleError(_("{n}: người gửi «{s}» (mã {u}) đã bị thu hồi; gói bị từ chối").format(
            n=name, s=peer.name, u=peer.unit_code))
    digest = _signed_digest(header.signed, body)
    rotated_to, retired_key = None, False
    if header.sign_pub == peer.public.sign_pub:
        trusted = peer.public.sign_pub
    elif header.sign_pub in peer.retired_sign_pubs:
        trusted, retired_key = header.sign_pub, True
    else:
        rotated_to = _follow_rotations(peer, header.rotations)
        if rotated_to is None or rotated_to.sign_pub != header.sign_pub:
            raise BundleError(_("{n}: chữ ký của gói không hợp lệ (khóa ký không phải của "
                                "{s})").format(n=name, s=peer.name))
        trusted = rotated_to.sign_pub
    if not verify_signature(trusted, header.signature, digest):
        raise BundleError(_("{n}: chữ ký của gói không hợp lệ").format(n=name))
    # Signed by the sender: from here on the content is the sender's, still bounded.
    if _zip_entries(body, name) > MAX_MEMBERS:
        raise BundleError(_("{n}: gói có quá nhiều mục (tối đa {m})").format(
            n=name, m=MAX_MEMBERS))
    try:
        zf = zipfile.ZipFile(io.BytesIO(body))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise BundleError(_("{n}: nội dung gói bị hỏng (không phải ZIP)").format(n=name)) \
            from None
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise BundleError(_("{n}: gói có hai mục cùng tên").format(n=name))
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > (1 << 20)
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise BundleError(_("{n}: mục «{m}» nén bất thường (nghi «bom zip»)").format(
                n=name, m=info.filename))
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise BundleError(_("{n}: gói lớn quá giới hạn").format(n=name))
    if "manifest.json" not in names:
        raise BundleError(_("{n}: gói thiếu manifest").format(n=name))
    manifest_bytes = _read(zf, "manifest.json", MAX_MANIFEST_BYTES, name)
    manifest = None
    if json_depth_ok(manifest_bytes, MAX_JSON_DEPTH):
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (ValueError, RecursionError):
            manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or manifest.get("sender_site") != header.site_id:
        raise BundleError(_("{n}: manifest không hợp lệ").format(n=name))
    fv, minimum = manifest.get("format_version"), manifest.get("min_reader_schema")
    if not isinstance(fv, int) or not isinstance(minimum, int):
        raise BundleError(_("{n}: manifest không hợp lệ").format(n=name))
    if fv > FORMAT_VERSION or minimum > migrations.latest_version():
        raise BundleError(_("{n}: gói do phiên bản mới hơn của chương trình tạo (lược đồ "
                            "{s}); hãy cập nhật ANTQ Desk rồi nhập lại").format(
            n=name, s=manifest.get("schema_version")))
    # Names after the version: a newer program's kind of member asks for the update, not
    # "unknown member" (none is ever extracted by its name: only listed members are read).
    for bad in names:
        if not (bad in _FIXED or _MEMBER.match(bad)) or ".." in bad or bad.startswith("/") \
                or "\\" in bad:
            raise BundleError(_("{n}: gói có mục lạ «{m}»").format(n=name, m=bad))
    me = keys.site.site_id
    recipients_listed = manifest.get("recipients")
    if not isinstance(recipients_listed, list) or not any(
            isinstance(r, dict) and r.get("site") == me and r.get("x25519") in keys.recv_pubs
            for r in recipients_listed):
        raise BundleError(_("{n}: gói này không gửi cho điểm này (sai người nhận)").format(
            n=name))
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(meta, dict) and isinstance(meta.get("records", 0), int)
            for meta in files.values()):
        raise BundleError(_("{n}: manifest không hợp lệ").format(n=name))
    if sum(meta.get("records", 0) for meta in files.values()) > MAX_CHANGES:
        raise BundleError(_("{n}: gói có quá nhiều thay đổi (tối đa {m})").format(
            n=name, m=MAX_CHANGES))
    listed = set(files)
    present = set(names) - _FIXED
    if listed != present:
        missing = sorted(listed - present) or sorted(present - listed)
        raise BundleError(_("{n}: mục «{m}» không khớp với manifest").format(
            n=name, m=missing[0]))
    bundle = Bundle(manifest, hashlib.sha256(manifest_bytes).hexdigest(),
                    rotated_to=rotated_to, retired_key=retired_key)
    return zf, bundle


def read_members(zf: zipfile.ZipFile, bundle: Bundle, name: str) -> None:
    """Read and hash-check every listed member; parse the change lines into ``bundle``."""
    for member, meta in sorted(bundle.manifest["files"].items()):
        if not isinstance(meta, dict) or not isinstance(meta.get("bytes"), int) \
                or not isinstance(meta.get("sha256"), str):
            raise BundleError(_("{n}: manifest không hợp lệ ({m})").format(n=name, m=member))
        data = _read(zf, member, min(meta["bytes"], MAX_MEMBER_BYTES), name)
        if len(data) != meta["bytes"] or hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise BundleError(_("{n}: mã băm của «{m}» không khớp với manifest").format(
                n=name, m=member))
        if member.startswith("attachments/"):
            if meta["sha256"] != member.split("/", 1)[1] or len(data) > MAX_ATTACHMENT_BYTES:
                raise BundleError(_("{n}: tệp đính kèm «{m}» không hợp lệ").format(
                    n=name, m=member))
            bundle.attachments[meta["sha256"]] = data
            continue
        if member.startswith("records/"):
            records, cells, typed = _parse_records(data, member, name)
            if meta.get("lines") != len(records):
                raise BundleError(_("{n}: số dòng của «{m}» không khớp với manifest").format(
                    n=name, m=member))
            if typed and (bundle.records is not None or not bundle.cells):
                bundle.records = [*(bundle.records or ()), *records]
            else:
                bundle.records = None
        else:
            cells, typed = _parse_lines(data, member, name)
            bundle.records = None
        bundle.typed = bundle.typed and typed
        if meta.get("records") != len(cells):
            raise BundleError(_("{n}: số dòng của «{m}» không khớp với manifest").format(
                n=name, m=member))
        bundle.cells.extend(cells)


class _Line(msgspec.Struct, gc=False):
    """A change line's nine fields, in a Cell's order. Each is ``Any``: its type and value
    are checked after, by merge.check_cells and check_values, with messages that name the
    field (a typed field here would refuse a float with msgspec's words). Other keys are
    ignored, as before. gc=False: not tracked by the cycle collector (issue 12)."""

    t: Any
    pk: Any
    f: Any
    v: Any
    h: Any
    o: Any
    p: Any
    s: Any
    hist: Any


_Text = Annotated[str, msgspec.Meta(min_length=1)]
_Stamp = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class _TypedLine(msgspec.Struct, gc=False):
    """The same line when each field has the type and bounds merge.check_cell asks (every
    line this program writes), checked in C while decoding (issue 12: a per-cell pass of
    Python fewer). A file with one line otherwise is decoded again as _Line, and checked
    cell by cell after, with the messages that name the field."""

    t: str
    pk: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    f: str
    v: Annotated[str, msgspec.Meta(max_length=1_000_000)] | int | None
    h: _Stamp
    o: _Text
    p: _Text
    s: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
    hist: Annotated[list, msgspec.Meta(max_length=256)]  # its dots checked after


# One call decodes a whole file's lines (issue 12: msgspec into these structs, about a third
# of json.loads into dicts and an itemgetter each). Strings are checked UTF-8 and lone
# surrogates ("\ud800") refused as bad JSON, which json.loads let through.
_DECODE_LINES = msgspec.json.Decoder(list[_Line]).decode
_DECODE_TYPED = msgspec.json.Decoder(list[_TypedLine]).decode
_CELL_OF = msgspec.structs.astuple


def _min_reader_schema(cells: Sequence[Cell], conflicts: Sequence[Mapping[str, object]]) -> int:
    """COMPACT_ID_READER_SCHEMA when a record's key or a value is a compact record id."""
    compact = validation.COMPACT_RECORD_ID.fullmatch
    for c in cells:
        if (len(c[1]) == RECORD_ID_LENGTH and compact(c[1])) or (
                isinstance(c[3], str) and len(c[3]) == RECORD_ID_LENGTH and compact(c[3])):
            return COMPACT_ID_READER_SCHEMA
    for conflict in conflicts:
        if any(isinstance(v, str) and len(v) == RECORD_ID_LENGTH and compact(v)
               for v in conflict.values()):
            return COMPACT_ID_READER_SCHEMA
    return MIN_READER_SCHEMA


def _parse_lines(data: bytes, member: str, name: str) -> tuple[list[Cell], bool]:
    """The cells of one change file, and whether every line had the types of _TypedLine."""
    if b"\n\n" in data or data.startswith(b"\n"):  # blank lines are skipped
        body = b",".join(filter(None, data.split(b"\n")))
    else:  # one line per change: the array by one replace (a split and join of 100,000
        # lines cost as much as parsing them)
        body = (data[:-1] if data.endswith(b"\n") else data).replace(b"\n", b",")
    body = b"[" + body + b"]"
    try:
        return list(map(_CELL_OF, _DECODE_TYPED(body))), True
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass  # decoded again below, for the same message as always
    try:
        lines = _DECODE_LINES(body)
    except msgspec.ValidationError as e:  # a line not an object, or without a field
        if "missing required field" in str(e) or "Expected `object`" in str(e):
            raise BundleError(_("{n}: «{m}» có dòng thiếu trường").format(n=name, m=member)) \
                from None
        raise BundleError(_("{n}: «{m}» có dòng không đọc được").format(n=name, m=member)) \
            from None  # a number out of range
    except (msgspec.DecodeError, RecursionError):  # bad UTF-8, bad JSON, absurd nesting
        raise BundleError(_("{n}: «{m}» có dòng không đọc được").format(n=name, m=member)) \
            from None
    return list(map(_CELL_OF, lines)), False


# -- record lines ------------------------------------------------------------------------------

MAX_RECORD_FIELDS = 1024  # a record's field versions on one line (a person has about 25)
_BASE_MAX = 2**62  # a record's base sequence, and below its offsets: a version whose
_OFFSET_MAX = 2**31  # sequence they cannot give goes whole in ``x``
_Seq = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
_Value = Annotated[str, msgspec.Meta(max_length=1_000_000)] | int | None
_Whole = tuple[Annotated[int, msgspec.Meta(ge=0, lt=MAX_RECORD_FIELDS)], _Stamp, _Text, _Text,
               _Seq, Annotated[list, msgspec.Meta(max_length=256)]]


class _Record(msgspec.Struct, gc=False):
    """A record line's fields, each ``Any`` (as _Line): decoded so when one is not as
    _TypedRecord asks, expanded into cells if its shape allows, whose types and values are
    then checked cell by cell, with the messages that name the field."""

    t: Any
    pk: Any
    h: Any
    o: Any
    p: Any
    s: Any
    f: Any
    v: Any
    q: Any
    x: Any = msgspec.field(default_factory=list)


class RecordLine(msgspec.Struct, gc=False):
    """One record line with the types and bounds of _TypedLine for each field version it
    stands for (checked in C while decoding): ``f``, ``v`` and ``q`` of the same length
    (checked after), each ``x`` index below it and given once."""

    t: str
    pk: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    h: _Stamp
    o: _Text
    p: _Text
    s: Annotated[int, msgspec.Meta(ge=1, le=_BASE_MAX)]
    f: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_RECORD_FIELDS)]
    v: Annotated[list[_Value], msgspec.Meta(max_length=MAX_RECORD_FIELDS)]
    q: Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=_OFFSET_MAX)]],
                 msgspec.Meta(max_length=MAX_RECORD_FIELDS)]
    x: Annotated[list[_Whole], msgspec.Meta(max_length=MAX_RECORD_FIELDS)] = \
        msgspec.field(default_factory=list)


_DECODE_RECORDS = msgspec.json.Decoder(list[_Record]).decode
_DECODE_TYPED_RECORDS = msgspec.json.Decoder(list[RecordLine]).decode
_R_F, _R_V = operator.attrgetter("f"), operator.attrgetter("v")
_R_Q, _R_X = operator.attrgetter("q"), operator.attrgetter("x")


def _json_array(data: bytes) -> bytes:
    """A file of JSON lines as one JSON array (blank lines skipped)."""
    if b"\n\n" in data or data.startswith(b"\n"):
        body = b",".join(filter(None, data.split(b"\n")))
    else:
        body = (data[:-1] if data.endswith(b"\n") else data).replace(b"\n", b",")
    return b"[" + body + b"]"


def _parse_records(data: bytes, member: str, name: str
                   ) -> tuple[list[RecordLine] | list[_Record], list[Cell], bool]:
    """The record lines of one file, the cells they stand for (in their order: each line's
    fields in its order), and whether every line had the types of RecordLine (else the
    lines are _Record)."""
    unread = BundleError(_("{n}: «{m}» có dòng không đọc được").format(n=name, m=member))
    body = _json_array(data)
    try:
        records = _DECODE_TYPED_RECORDS(body)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        records = None
    if records is not None:
        widths = list(map(len, map(_R_F, records)))
        if (list(map(len, map(_R_V, records))) != widths
                or list(map(len, map(_R_Q, records))) != widths):
            raise unread
        return records, _expand(records, widths, unread), True
    try:
        loose = _DECODE_RECORDS(body)
    except msgspec.ValidationError as e:
        if "missing required field" in str(e) or "Expected `object`" in str(e):
            raise BundleError(_("{n}: «{m}» có dòng thiếu trường").format(n=name, m=member)) \
                from None
        raise unread from None
    except (msgspec.DecodeError, RecursionError):
        raise unread from None
    cells: list[Cell] = []
    for r in loose:  # the types of each version checked after, cell by cell
        f, v, q, x = r.f, r.v, r.q, r.x
        if not (type(f) is list and type(v) is list and type(q) is list and type(x) is list
                and 0 < len(f) <= MAX_RECORD_FIELDS and len(v) == len(f) == len(q)
                and len(x) <= len(f) and type(r.s) is int
                and all(type(d) is int for d in q)):
            raise unread
        out = [(r.t, r.pk, f[i], v[i], r.h, r.o, r.p, r.s + q[i], []) for i in range(len(f))]
        for whole in x:
            if not (type(whole) is list and len(whole) == 6 and type(whole[0]) is int
                    and 0 <= whole[0] < len(f)):
                raise unread
            i, h, o, p, seq, hist = whole
            out[i] = (r.t, r.pk, f[i], v[i], h, o, p, seq, hist)
        if len({w[0] for w in x}) != len(x):
            raise unread
        cells += out
    return loose, cells, False


def _expand(records: Sequence[RecordLine], widths: Sequence[int],
            unread: BundleError) -> list[Cell]:
    """The cells of typed record lines (one comprehension: faster here than passes in C
    over repeated columns, which cost as much again in iterators), then the versions given
    whole (``x``) put in place."""
    cells = [(r.t, r.pk, f, v, r.h, r.o, r.p, r.s + q, [])
             for r in records for f, v, q in zip(r.f, r.v, r.q, strict=True)]
    if any(map(_R_X, records)):
        for start, r, w in zip(accumulate(widths, initial=0), records, widths,
                               strict=False):  # one start more
            if r.x:
                if len({whole[0] for whole in r.x}) != len(r.x) or any(
                        whole[0] >= w for whole in r.x):
                    raise unread
                for i, h, o, p, seq, hist in r.x:
                    cells[start + i] = (r.t, r.pk, r.f[i], r.v[i], h, o, p, seq, hist)
    return cells


def record_lines(cells: Sequence[Cell]) -> list[tuple[bytes, int]]:
    """The record lines of ``cells`` (:func:`_parse_records` gives them back, in the same
    order): each run of cells of one record is a line; its stamp, writer and base are those
    of its first version without history, a version that differs goes whole in ``x``.
    Each line comes with the number of versions in it."""
    out: list[tuple[bytes, int]] = []
    encode = msgspec.json.encode
    i, n = 0, len(cells)
    while i < n:
        t, pk = cells[i][0], cells[i][1]
        j = i + 1
        while j < n and cells[j][1] == pk and cells[j][0] == t and j - i < MAX_RECORD_FIELDS:
            j += 1
        run = cells[i:j]
        common = next((c for c in run if not c[8]), run[0])
        h, o, p = common[4], common[5], common[6]
        mine = [c for c in run if c[4] == h and c[5] == o and c[6] == p and not c[8]]
        base = min((c[7] for c in mine), default=1)
        if not 1 <= base <= _BASE_MAX:
            base = 1
        q: list[int] = []
        x: list[list[object]] = []
        for k, c in enumerate(run):
            d = c[7] - base
            if c[4] == h and c[5] == o and c[6] == p and not c[8] and 0 <= d <= _OFFSET_MAX:
                q.append(d)
            else:
                q.append(0)
                x.append([k, c[4], c[5], c[6], c[7], c[8]])
        line: dict[str, object] = {"t": t, "pk": pk, "h": h, "o": o, "p": p, "s": base,
                                   "f": [c[2] for c in run], "v": [c[3] for c in run], "q": q}
        if x:
            line["x"] = x
        out.append((encode(line), j - i))
        i = j
    return out


def _read(zf: zipfile.ZipFile, member: str, limit: int, name: str) -> bytes:
    try:
        with zf.open(member) as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise BundleError(_("{n}: mục «{m}» bị hỏng ({e})").format(n=name, m=member, e=e)) \
            from None
    if len(data) > limit:
        raise BundleError(_("{n}: mục «{m}» lớn hơn khai báo").format(n=name, m=member))
    return data
