"""Helpers for sync tests: sites, each its own database file, with keys, enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dbkit import copy_database

from desktop.storage import db, dbapi, site
from desktop.storage.writer import Store
from desktop.sync import enrol, exchange, keys

PROVINCE = "11"  # Điện Biên
COMMUNES = ("03160", "03301", "03127")  # Mường Nhé, Búng Lao, Điện Biên Phủ
FAST_KDF = {"t": 1, "m": 8, "p": 1}


@dataclass
class Node:
    name: str
    path: Path
    conn: dbapi.Connection
    keys: keys.SiteKeys
    store: Store

    @property
    def site_id(self) -> str:
        return self.keys.site.site_id

    @property
    def part(self) -> str:
        return self.keys.site.unit_code

    def export(self, folder: Path, to: Node | None = None) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        res = exchange.export_to_folder(self.conn, self.keys, folder,
                                        for_sites=[to.site_id] if to else None)
        return [r.path for r in res]

    def import_(self, *paths: Path, dry_run: bool = False) -> list[exchange.ImportResult]:
        return exchange.import_files(self.conn, self.keys, list(paths), dry_run=dry_run)


def make_node(master: Path, folder: Path, name: str, *, commune: str | None = None,
              province: str | None = None) -> Node:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.db"
    copy_database(master, path)
    conn = db.open_database(path)
    site.init_site(conn, name=name, commune_code=commune, province_code=province)
    keys.init_keys(conn)
    return Node(name, path, conn, keys.unlock(conn), Store(conn, actor=name))


def make_legacy(node: Node, passphrase: str) -> None:
    """Seal the node's private keys (current and retired) as an earlier version did: under
    their own passphrase (argon2id), not under the database key."""
    key = db.known_key(node.path)
    assert key is not None
    conn = node.conn
    conn.execute("BEGIN IMMEDIATE")
    for purpose, sealed in conn.execute("SELECT purpose, sealed FROM sync_key").fetchall():
        secret = keys.unseal(sealed, key, purpose)
        conn.execute("UPDATE sync_key SET sealed = ? WHERE purpose = ?",
                     (keys.seal_with_passphrase(secret, passphrase, purpose), purpose))
    for gen, purpose, sealed in conn.execute(
            "SELECT generation, purpose, sealed FROM sync_key_retired").fetchall():
        secret = keys.unseal(sealed, key, purpose)
        conn.execute("UPDATE sync_key_retired SET sealed = ? WHERE generation = ? AND "
                     "purpose = ?", (keys.seal_with_passphrase(secret, passphrase, purpose),
                                     gen, purpose))
    conn.execute("COMMIT")


def enrol_pair(province: Node, commune: Node, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    req, ans = folder / f"{commune.name}.req", folder / f"{commune.name}.ans"
    fp = enrol.make_request(commune.conn, commune.keys, req)
    enrol.accept_request(province.conn, province.keys, req, ans, confirmed_fingerprint=fp)
    enrol.install_response(commune.conn, ans,
                           keys.fingerprint(province.site_id, province.keys.public))



def visible(conn: dbapi.Connection, parts: set[str] | None = None) -> dict:
    """The state a user sees, plus every field version: compared across sites."""
    from desktop.domain.kinds import KINDS
    from desktop.storage import versions

    cells = {}
    versioned: dict[str, set[str]] = {}
    for c in versions.all_cells(conn):
        versioned.setdefault(c[0], set()).add(c[1])
        if parts is None or c[5] in parts:
            cells[(c[0], c[1], c[2])] = tuple(c[:7])
    out: dict = {}
    for kind in KINDS.values():
        cols = ", ".join(["id", "_part", "_deleted", "_extras", *(f.name for f in kind.fields)])
        for r in conn.execute(f"SELECT {cols} FROM {kind.table}"):
            if r["id"] in versioned.get(kind.table, ()) and (parts is None
                                                             or r["_part"] in parts):
                out[(kind.table, r["id"])] = tuple(r)
    return {"rows": out, "cells": cells}


def tamper(sender: Node, path: Path, recipient: Node, *, manifest=None, members=None,
           signer: keys.SiteKeys | None = None, rotations=None,
           data: bytes | None = None) -> bytes:
    """Re-open a real bundle (the sender can: it is a recipient too), change it, re-sign it
    (with ``signer``, by default the sender; the header names the manifest's sender site and
    the signer's key, with ``rotations`` as its rotation steps, by default the sender's) and
    encrypt it to ``recipient``. ``data``: the bytes of a file made for ``recipient``, re-made
    instead of ``path``'s."""
    import dataclasses
    import io
    import json
    import zipfile

    import pyrage

    from desktop.sync import bundle
    from desktop.sync.enrol import canonical

    if data is None:
        plain = pyrage.decrypt(path.read_bytes(), [sender.keys.identity])
    else:  # a file already re-made for the recipient (its keys open it)
        plain = pyrage.decrypt(data, list(recipient.keys.identities))
    body = plain[plain.index(b"\nsig ") + 1:]
    body = body[body.index(b"\n") + 1:]
    zf = zipfile.ZipFile(io.BytesIO(body))
    d = {n: zf.read(n) for n in zf.namelist()}
    m = json.loads(d["manifest.json"])
    if manifest is not None:
        manifest(m)
    if members is not None:
        members(d, m)
    d["manifest.json"] = canonical(m)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in d.items():
            out.writestr(name, data)
    signing = signer or sender.keys
    as_sender = dataclasses.replace(
        signing, site=dataclasses.replace(signing.site, site_id=str(m["sender_site"])))
    chain = keys.rotation_chain(sender.conn) if rotations is None else rotations
    return pyrage.encrypt(bundle.seal(as_sender, buf.getvalue(), chain),
                          [pyrage.x25519.Recipient.from_str(recipient.keys.public.recv_pub)])


def rewrite(sender: Node, path: Path, recipient: Node, *, line=None, manifest=None) -> bytes:
    """``path`` re-made (see :func:`tamper`) with each change line, as a dict, passed through
    ``line`` and the manifest through ``manifest``; hashes and sizes follow. Record lines are
    passed as the change lines they stand for, and written back as record lines."""
    import hashlib
    import json

    from desktop.sync import bundle

    keys9 = ("t", "pk", "f", "v", "h", "o", "p", "s", "hist")

    def members(d, m):
        for name in [n for n in d if n.startswith("changes/")]:
            objs = [json.loads(x) for x in d[name].decode().splitlines() if x]
            for o in objs:
                if line is not None:
                    line(o)
            data = ("\n".join(json.dumps(o, ensure_ascii=False) for o in objs)
                    + "\n").encode()
            d[name] = data
            m["files"][name].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                                    records=len(objs))
        for name in [n for n in d if n.startswith("records/")]:  # each version as a dict
            objs = [dict(zip(keys9, c, strict=True))
                    for c in bundle._parse_records(d[name], name, "x")[1]]
            for o in objs:
                if line is not None:
                    line(o)
            lines = bundle.record_lines([tuple(o[k] for k in keys9) for o in objs])
            data = b"".join(x + b"\n" for x, _n in lines)
            d[name] = data
            m["files"][name].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                                    records=len(objs), lines=len(lines))
        if manifest is not None:
            manifest(m)
    return tamper(sender, path, recipient, members=members)


def in_record_lines(sender: Node, path: Path, recipient: Node, data: bytes | None = None
                    ) -> bytes | None:
    """``path`` (or ``data``) with its change lines written as record lines (bundle.records/…,
    the same versions in the same order) and the manifest to match, re-signed by the sender;
    None if a line is not a change line that a record line can carry (a hostile one)."""
    return in_other_lines(sender, path, recipient, data, to="records")


def in_change_lines(sender: Node, path: Path, recipient: Node, data: bytes | None = None
                    ) -> bytes | None:
    """``path`` (or ``data``) with its record lines written as change lines; None if a line
    is not one whose versions can be read (a hostile one)."""
    return in_other_lines(sender, path, recipient, data, to="changes")


def in_other_lines(sender: Node, path: Path, recipient: Node, data: bytes | None = None, *,
                   to: str | None = None) -> bytes | None:
    """``path`` (or ``data``) with its field versions in the other lines (``to``: "records"
    or "changes"; by default the lines it is not in), the same versions in the same order,
    re-signed by the sender; None when they cannot be carried so."""
    import hashlib
    import json

    from desktop.sync import bundle

    failed: list[bool] = []

    def members(d, m):
        cells = []
        names = sorted(n for n in d if n.startswith(("changes/", "records/")))
        target = to or ("changes" if any(n.startswith("records/") for n in names)
                        else "records")
        for name in names:
            if name.startswith("records/"):
                try:
                    cells += bundle._parse_records(d.pop(name), name, "x")[1]
                except bundle.BundleError:
                    failed.append(True)
                    return
            else:
                for x in d.pop(name).decode().split("\n"):
                    if not x:
                        continue
                    o = json.loads(x)
                    if not isinstance(o, dict) or not {"t", "pk", "f", "v", "h", "o", "p", "s",
                                                       "hist"} <= o.keys():
                        failed.append(True)
                        return
                    cells.append((o["t"], o["pk"], o["f"], o["v"], o["h"], o["o"], o["p"],
                                  o["s"], o["hist"]))
            del m["files"][name]
        if target == "records":
            try:
                lines = bundle.record_lines(cells)
            except (TypeError, ValueError):
                failed.append(True)
                return
            text = b"".join(line + b"\n" for line, _n in lines)
            meta = {"records": len(cells), "lines": len(lines)}
            m["min_reader_schema"] = max(m["min_reader_schema"], bundle.RECORDS_READER_SCHEMA)
        else:
            text = b"".join(bundle._line(c).encode() + b"\n" for c in cells)
            meta = {"records": len(cells)}
            m["min_reader_schema"] = bundle._min_reader_schema(cells, m.get("conflicts") or ())
        name = f"{target}/000001.jsonl"
        d[name] = text
        m["files"][name] = {"sha256": hashlib.sha256(text).hexdigest(), "bytes": len(text),
                            **meta}

    made = tamper(sender, path, recipient, members=members, data=data)
    return None if failed else made
