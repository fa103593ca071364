"""``antq demo --scale province`` (issue 15): the province office's day, as data. The province
database at the demo's path, enrolled with the communes of Điện Biên; each commune a site of
its own in the folder beside it (``<name>-xa/``), with its villages, people and grassroots
organizations from the demo's generator, written through the one write path; and the stick
(``<name>-xa/usb/``) holding each commune's first bundle for the province, ready for
``antq import-bundle`` or *Nhập cả thư mục/USB…*.

Every database is a new one (its own key, the demo account and password), marked as a demo
so that ``--replace`` may delete it and no other file.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.text import lower_first
from desktop.i18n import _
from desktop.resources import resource_path
from desktop.storage import accounts, db, dbapi, demo, keyfile, rosters, site
from desktop.storage.writer import Store
from desktop.sync import enrol, exchange, keys

COMMUNES_IN_PROVINCE = 45  # Điện Biên since the 2025 reform


def commune_site_name(commune_name: str) -> str:
    """"Công an xã Mường Chà (dữ liệu mẫu)": the unit's kind inside the name in lower case, as
    the first-run wizard names a site (not «Công an Xã Mường Chà»)."""
    return f"Công an {lower_first(commune_name)} (dữ liệu mẫu)"


def folder_of(path: Path) -> Path:
    """Where the communes and the stick go: beside the province's database."""
    return path.with_name(path.stem + "-xa")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", keyfile.SUFFIX):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db.forget_key(path)


def _new_site(path: Path, *, name: str, password: str, **code: str):  # type: ignore[no-untyped-def]
    conn = db.open_database(path)
    accounts.create_first(conn, accounts.DEFAULT_ACCOUNT, password)
    site.init_site(conn, name=name, **code)
    site.set_meta(conn, demo.DEMO_MARK, "1")
    keys.init_keys(conn)
    return conn


def create(path: Path, *, communes: int = COMMUNES_IN_PROVINCE, people_per_village: int = 20,
           seed: int = 2026, replace: bool = False) -> dict[str, object]:
    """Build the province, its communes and the stick; returns what was made."""
    folder = folder_of(path)
    if path.exists() or folder.exists():
        if not replace:
            raise UserError(_("{p} đã có; dùng --replace để tạo lại").format(
                p=path if path.exists() else folder))
        if path.exists():
            demo.check_replaceable(path)
        for old in sorted(folder.glob("*.db")) if folder.exists() else []:
            demo.check_replaceable(old)
        _remove(path)
        shutil.rmtree(folder, ignore_errors=True)
    password = (os.environ.get(accounts.NEW_PASSWORD_ENV)
                or os.environ.get(accounts.PASSWORD_ENV) or accounts.DEMO_PASSWORD)
    folder.mkdir(parents=True)
    stick = folder / "usb"
    stick.mkdir()
    rng = random.Random(f"province-demo:{seed}")
    data = json.loads(resource_path("demo", "names.json").read_text("utf-8"))
    names = demo._Names(data, rng)
    village_names = list(data["villages"])
    prov = _new_site(path, name=demo.DEMO_SITE_NAME, password=password,
                     province_code=demo.DEMO_PROVINCE)
    made: list[str] = []
    try:
        prov_keys = keys.unlock(prov)
        units = site.communes_of(prov, demo.DEMO_PROVINCE)[:max(1, communes)]
        for i, (code, commune_name) in enumerate(units):
            target = folder / f"xa-{code}.db"
            conn = _new_site(target, name=commune_site_name(commune_name),
                             password=password, commune_code=code)
            try:
                own = keys.unlock(conn)
                enrol_here(prov, prov_keys, conn, own, folder, code)
                _fill(conn, rng, names, data, village_names, i, code, people_per_village)
                exchange.export_to_folder(conn, own, stick)
            finally:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
            made.append(target.name)
    finally:
        prov.close()
    return {"communes": len(made), "folder": str(folder), "stick": str(stick),
            "bundles": len(list(stick.glob("*.vsb")))}


def enrol_here(prov: dbapi.Connection, prov_keys: keys.SiteKeys, conn: dbapi.Connection,
               own: keys.SiteKeys, folder: Path, code: str) -> None:
    """Enrol the commune ``code`` at the province on this one machine, as the officers do by
    USB: its request, accepted with the fingerprint it shows, the answer installed; the two
    files, written in ``folder``, removed after."""
    request, answer = folder / f"yeu-cau-{code}.json", folder / f"tra-loi-{code}.json"
    fp = enrol.make_request(conn, own, request)
    enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=fp)
    enrol.install_response(conn, answer, keys.fingerprint(prov_keys.site.site_id,
                                                          prov_keys.public))
    request.unlink()
    answer.unlink()


def _fill(conn, rng: random.Random, names, data: dict, village_names: list[str],  # type: ignore[no-untyped-def]
          index: int, code: str, people_per_village: int) -> None:
    """A few villages of the commune, their people and organizations (demo.py's generator)."""
    store = Store(conn, actor="demo", today=demo.DEMO_TODAY)
    commune_id = rosters.unit_of_site(conn, code)
    counts: dict[str, int] = {}

    def add_many(kind: str, rows: list[dict[str, object]]) -> list[str]:
        ids = store.add_many(kind, rows) if rows else []
        counts[kind] = counts.get(kind, 0) + len(ids)
        return ids

    with store.transaction():
        n = rng.randint(4, 8)
        chosen = [village_names[(index * 8 + v) % len(village_names)] for v in range(n)]
        village_ids = add_many("unit", [
            {"name": name, "level": "village", "parent_id": commune_id,
             "division_type": "tổ dân phố" if name.startswith("Tổ") else "bản"}
            for name in chosen])
        for village_id, name in zip(village_ids, chosen, strict=True):
            demo._fill_village(store, rng, names, data, add_many, village_id, name,
                               people_per_village, [])
