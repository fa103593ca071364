"""Versioned reference data going down (issue 15): the province publishes a numbered release
of its catalogues (organization and model types, commendations, tip channels and categories,
the An toàn criteria …) and of its list of remote communes (the 48 h rule), signed with its
site key; a commune applies a newer release and sees what changed.

Why a release beside the ordinary bundles: it is one file for all 45 communes (nothing in it
is secret), it carries a number every site can show and compare ("Danh mục: bản 3"), and a
commune that missed bundles, or was set up afresh, gets the whole set at once.

Reference rows are the same at every site and carry no versions (desktop/storage/seed.py):
a release is a new common starting point. Applying it writes them directly, in one
transaction; a field with a version here (an edit the province made and synced) is left to
sync, which already brought the province's value. An item the release no longer lists, or
lists as inactive, is retired (``active = 0``), never deleted: records made under the older
release keep naming it, and the criteria an evaluation already had stay valid
(desktop/storage/results.py).

Hostile until checked: the file is size-capped, its signature is checked against the key of
the province this site enrolled with before the body is parsed, and every value is checked
with the rules of a local write (codes, NFC text, the communes of this province).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.domain import text
from desktop.domain.errors import UserError
from desktop.domain.kinds import KINDS
from desktop.i18n import _
from desktop.storage import dbapi, derived, seed, versions
from desktop.storage.reference_releases import Change, last_version, record
from desktop.storage.site import require_site
from desktop.sync import enrol, files
from desktop.sync.keys import SiteKeys

FORMAT = "antq-reference-release"
MAX_BYTES = 4 * 2**20
# What the province keeps for all its communes (ethnicity is the national list: not here).
SCOPE = ("org_type", "role", "model_type", "model_rating", "meeting_kind", "exit_reason",
         "commendation_form", "commendation_level", "tip_channel", "tip_category",
         "safety_criterion")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_UNIT_CODE = re.compile(r"^[0-9]{5}$")
MAX_NAME, MAX_ALIASES, MAX_ITEMS = 300, 1000, 2000
_FIELDS = ("name", "aliases", "attrs", "active", "sort_order")

@dataclass
class Release:
    version: int
    province: str
    publisher: str
    published_at: str
    catalogues: dict[str, list[dict[str, object]]]
    remote_communes: list[str]
    digest: str = ""


@dataclass
class Applied:
    version: int
    changes: list[Change] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # fields left to sync (versioned here)
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "dry_run": self.dry_run,
                "changes": [asdict(c) | {"text": c.line()} for c in self.changes],
                "kept": self.kept}


# -- the province: publishing --------------------------------------------------------------

def current(conn: dbapi.Connection, province_code: str) -> dict[str, object]:
    """The reference data as this site has it now: what a release carries."""
    cats: dict[str, list[dict[str, object]]] = {c: [] for c in SCOPE}
    marks = ",".join("?" * len(SCOPE))
    for r in conn.execute(f"SELECT catalogue, code, name, aliases, attrs, active, sort_order "
                          f"FROM catalogue_item WHERE _deleted = 0 AND catalogue IN ({marks}) "
                          f"ORDER BY catalogue, sort_order, code", SCOPE):
        cats[r["catalogue"]].append({
            "code": r["code"], "name": r["name"], "aliases": r["aliases"] or "",
            "attrs": json.loads(r["attrs"]) if r["attrs"] else None,
            "active": 1 if r["active"] is None else int(r["active"]),
            "sort_order": int(r["sort_order"] or 0)})
    remote = [r[0] for r in conn.execute(
        "SELECT code FROM unit WHERE level = 'commune' AND valid_to IS NULL AND _deleted = 0 "
        "AND coalesce(remote, 0) = 1 AND parent_id = (SELECT id FROM unit WHERE code = ? AND "
        "level = 'province' AND valid_to IS NULL) ORDER BY code", (province_code,))]
    return {"catalogues": cats, "remote_communes": remote}


def publish(conn: dbapi.Connection, keys: SiteKeys, folder: Path) -> tuple[Path, Release]:
    """Write release N+1 of this province's reference data into ``folder``."""
    site = keys.site
    if site.site_kind != "province":
        raise UserError(_("Chỉ Công an tỉnh phát hành danh mục dùng chung"))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body = {"format": FORMAT, "version": last_version(conn, "published") + 1,
            "province": site.unit_code, "publisher": site.site_id, "published_at": now,
            **current(conn, site.unit_code)}
    envelope = {"format": FORMAT, **enrol._signed(body, keys)}
    data = json.dumps(envelope, ensure_ascii=False, indent=0).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise UserError(_("Danh mục quá lớn để phát hành ({n} MB)").format(n=len(data) >> 20))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"antq-danh-muc-{site.unit_code}-v{body['version']}.json"
    digest = files.write_atomic(target, data)
    release = _release(body, digest)
    conn.execute("BEGIN IMMEDIATE")
    try:
        record(conn, "published", release.version, release.publisher, release.published_at,
               release.digest, [])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target, release


# -- a commune: reading, comparing, applying ------------------------------------------------

def read(conn: dbapi.Connection, path: Path) -> Release:
    """The release in ``path``, signature checked against this site's province before the
    body is parsed, every value checked."""
    what = path.name
    data = files.read_capped(path, MAX_BYTES)
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        envelope = None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise UserError(_("{p}: không phải tệp danh mục của ANTQ Desk").format(p=what))
    province = _province_peer(conn)
    body = None
    for key in (province.public.sign_pub, *province.retired_sign_pubs):
        try:
            body = enrol._open_signed(envelope, key, what)
            break
        except UserError:
            continue
    if body is None:
        raise UserError(_("{p}: chữ ký không phải của {n} (tệp đã bị sửa, hoặc của tỉnh "
                          "khác)").format(p=what, n=province.name))
    import hashlib

    return _validate(conn, body, what, province, hashlib.sha256(data).hexdigest())


def _province_peer(conn: dbapi.Connection) -> enrol.Peer:
    for peer in enrol.list_sites(conn):
        if peer.site_kind == "province" and peer.status == "active":
            return peer
    raise UserError(_("Máy này chưa đăng ký với Công an tỉnh: không kiểm tra được chữ ký của "
                      "danh mục"))


def _validate(conn: dbapi.Connection, body: dict, what: str, province: enrol.Peer,
              digest: str) -> Release:
    def bad(why: str) -> UserError:
        return UserError(_("{p}: {w}").format(p=what, w=why))

    if body.get("format") != FORMAT:
        raise bad(_("không đúng định dạng"))
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 10**6:
        raise bad(_("số phiên bản không hợp lệ"))
    if body.get("publisher") != province.site_id or body.get("province") != province.unit_code:
        raise bad(_("không do {n} phát hành").format(n=province.name))
    published = body.get("published_at")
    if not isinstance(published, str) or len(published) > 40:
        raise bad(_("thời điểm phát hành không hợp lệ"))
    cats = body.get("catalogues")
    if not isinstance(cats, dict) or set(cats) - set(SCOPE):
        raise bad(_("danh mục không được phép: {c}").format(
            c=", ".join(sorted(set(cats) - set(SCOPE))) if isinstance(cats, dict) else "?"))
    clean: dict[str, list[dict[str, object]]] = {}
    for cat, items in cats.items():
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise bad(_("danh mục {c}: không phải danh sách").format(c=cat))
        seen: set[str] = set()
        clean[cat] = []
        for i, item in enumerate(items, start=1):
            clean[cat].append(_item(item, cat, i, seen, bad))
    remote = body.get("remote_communes")
    if not isinstance(remote, list) or len(remote) > 5000 \
            or not all(isinstance(c, str) and _UNIT_CODE.match(c) for c in remote):
        raise bad(_("danh sách xã vùng sâu, vùng xa không hợp lệ"))
    known = {r[0] for r in conn.execute(
        "SELECT u.code FROM unit u JOIN unit p ON p.id = u.parent_id WHERE u.level = 'commune' "
        "AND u.valid_to IS NULL AND p.code = ?", (province.unit_code,))}
    strangers = sorted(set(remote) - known)
    if strangers:
        raise bad(_("mã xã không thuộc tỉnh: {c}").format(c=", ".join(strangers[:5])))
    return Release(version, province.unit_code, province.site_id, published, clean,
                   sorted(set(remote)), digest)


def _item(item: object, cat: str, i: int, seen: set[str], bad) -> dict[str, object]:
    where = _("danh mục {c}, mục {i}").format(c=cat, i=i)
    if not isinstance(item, dict):
        raise bad(where)
    code, name = item.get("code"), item.get("name")
    if not isinstance(code, str) or not _CODE.match(code) or code in seen:
        raise bad(_("{w}: mã «{v}» không hợp lệ hoặc trùng").format(w=where, v=code))
    seen.add(code)
    if not isinstance(name, str) or not text.clean_text(name) \
            or len(name) > MAX_NAME:
        raise bad(_("{w}: tên không hợp lệ").format(w=where))
    aliases = item.get("aliases") or ""
    attrs = item.get("attrs")
    active, order = item.get("active", 1), item.get("sort_order", 0)
    if not isinstance(aliases, str) or len(aliases) > MAX_ALIASES \
            or not (attrs is None or isinstance(attrs, dict)) \
            or active not in (0, 1) or isinstance(active, bool) \
            or not isinstance(order, int) or isinstance(order, bool):
        raise bad(_("{w}: giá trị không hợp lệ").format(w=where))
    return {"code": code, "name": text.clean_text(name),
            "aliases": "; ".join(text.clean_text(a) for a in aliases.split(";") if a.strip()),
            "attrs": attrs, "active": active, "sort_order": order}


def _release(body: dict, digest: str) -> Release:
    return Release(body["version"], body["province"], body["publisher"], body["published_at"],
                   body["catalogues"], body["remote_communes"], digest)


def _rules(attrs: object) -> str:
    return json.dumps(attrs, ensure_ascii=False, sort_keys=True) if attrs else "{}"


def diff(conn: dbapi.Connection, release: Release) -> list[Change]:
    """What applying ``release`` changes here, in the order an officer reads it."""
    changes: list[Change] = []
    for cat in SCOPE:
        if cat not in release.catalogues:
            continue
        have = {r["code"]: r for r in conn.execute(
            "SELECT code, name, attrs, active, sort_order FROM catalogue_item WHERE "
            "catalogue = ? AND _deleted = 0", (cat,))}
        listed = set()
        for item in release.catalogues[cat]:
            code = str(item["code"])
            listed.add(code)
            old = have.get(code)
            if old is None:
                if item["active"]:
                    changes.append(Change("added", cat, code, new=str(item["name"])))
                continue
            was_active = old["active"] is None or int(old["active"]) == 1
            if was_active and not item["active"]:
                changes.append(Change("retired", cat, code, old=old["name"]))
                continue
            if not was_active and item["active"]:
                changes.append(Change("restored", cat, code, new=str(item["name"])))
            if old["name"] != item["name"]:
                changes.append(Change("renamed", cat, code, old=old["name"],
                                      new=str(item["name"])))
            old_attrs = json.loads(old["attrs"]) if old["attrs"] else None
            if _rules(old_attrs) != _rules(item["attrs"]):
                changes.append(Change("rules", cat, code, old=_rules(old_attrs),
                                      new=_rules(item["attrs"])))
        for code in sorted(set(have) - listed):
            row = have[code]
            if row["active"] is None or int(row["active"]) == 1:
                changes.append(Change("retired", cat, code, old=row["name"]))
    now_remote = {r[0]: r[1] for r in conn.execute(
        "SELECT u.code, u.name FROM unit u JOIN unit p ON p.id = u.parent_id WHERE "
        "u.level = 'commune' AND u.valid_to IS NULL AND p.code = ? AND coalesce(u.remote, 0) "
        "= 1", (release.province,))}
    names = dict(conn.execute("SELECT code, name FROM unit WHERE level = 'commune' AND "
                              "valid_to IS NULL"))
    for code in sorted(set(release.remote_communes) - set(now_remote)):
        changes.append(Change("remote-on", "remote", code, new=names.get(code, code)))
    for code in sorted(set(now_remote) - set(release.remote_communes)):
        changes.append(Change("remote-off", "remote", code, old=now_remote[code]))
    return changes


def apply(conn: dbapi.Connection, path: Path, *, dry_run: bool = False) -> Applied:
    """Read, check and apply the release in ``path`` (all of it or nothing)."""
    site = require_site(conn)
    if site.site_kind == "province":
        raise UserError(_("Danh mục do tỉnh phát hành; tỉnh không áp dụng bản của mình"))
    release = read(conn, path)
    have = last_version(conn, "applied")
    if release.version <= have:
        raise UserError(_("Máy này đã áp dụng danh mục bản {h}; tệp là bản {v} (không cũ hơn "
                          "mới áp dụng được)").format(h=have, v=release.version))
    changes = diff(conn, release)
    result = Applied(release.version, changes, dry_run=dry_run)
    if dry_run:
        return result
    conn.execute("BEGIN IMMEDIATE")
    try:
        result.kept = _write(conn, release)
        record(conn, "applied", release.version, release.publisher, release.published_at,
               release.digest, changes)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return result


def _write(conn: dbapi.Connection, release: Release) -> list[str]:
    kind = KINDS["catalogue"]
    extra = derived.column_names(kind)
    kept: list[str] = []
    for cat, items in release.catalogues.items():
        ids = {str(i["code"]): seed.reference_id(f"catalogue:{cat}:{i['code']}") for i in items}
        rows = {r["code"]: r for r in conn.execute(
            "SELECT id, code FROM catalogue_item WHERE catalogue = ? AND _deleted = 0", (cat,))}
        edited = versions.read(conn, "catalogue_item", [r["id"] for r in rows.values()])
        for item in items:
            rec = {"catalogue": cat, "code": item["code"], "name": item["name"],
                   "aliases": item["aliases"] or None,
                   "attrs": json.dumps(item["attrs"], ensure_ascii=False)
                   if item["attrs"] else None,
                   "active": item["active"], "sort_order": item["sort_order"]}
            row = rows.get(str(item["code"]))
            if row is None:
                seed._insert(conn, "catalogue", [(ids[str(item["code"])], "ref", rec)])
                continue
            synced = set(edited.get(row["id"], {}))
            fields = [f for f in _FIELDS if f not in synced]
            kept += [f"{cat}/{item['code']}/{f}" for f in _FIELDS if f in synced]
            if not fields:
                continue
            full = dict(conn.execute("SELECT * FROM catalogue_item WHERE id = ?",
                                     (row["id"],)).fetchone())
            full.update({f: rec[f] for f in fields})
            sets = ", ".join(f"{c} = ?" for c in (*fields, *extra))
            conn.execute(f"UPDATE catalogue_item SET {sets} WHERE id = ?",
                         (*(rec[f] for f in fields), *derived.columns(kind, full), row["id"]))
        listed = set(ids)
        gone = [r["id"] for code, r in rows.items() if code not in listed
                and "active" not in edited.get(r["id"], {})]
        conn.executemany("UPDATE catalogue_item SET active = 0 WHERE id = ?",
                         [(g,) for g in gone])
    units = {r["code"]: r["id"] for r in conn.execute(
        "SELECT u.id, u.code FROM unit u JOIN unit p ON p.id = u.parent_id WHERE u.level = "
        "'commune' AND u.valid_to IS NULL AND p.code = ?", (release.province,))}
    unit_versions = versions.read(conn, "unit", list(units.values()))
    for code in units:
        if "remote" in unit_versions.get(units[code], {}):
            kept.append(f"remote/{code}")
            continue
        conn.execute("UPDATE unit SET remote = ? WHERE id = ?",
                     (1 if code in release.remote_communes else None, units[code]))
    return kept


