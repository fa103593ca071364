"""The benchmark database of DESIGN.md: 100,000 people, 4,400 organizations, 20,000 minutes.

The demo generator makes the people and a realistic share of organizations and minutes per
village; ``top_up`` adds, through the write path, more organizations (clubs and teams drawn
from the residents of each village) and more minutes (of every kind of organization, with
attendance) until the design's counts are reached.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from desktop.storage import dbapi, demo
from desktop.storage.db import open_database
from desktop.storage.writer import Store

ORGANIZATIONS = 4_400
MINUTES = 20_000
# Organization types added, with the role of their plain members.
_KINDS = {"to_tu_quan": "to_vien", "to_hoa_giai": "hoa_giai_vien", "doi_dan_phong": "doi_vien",
          "clb_giao_duc_con_em": "thanh_vien"}


def counts(conn: dbapi.Connection) -> dict[str, int]:
    return {t: int(conn.execute(f"SELECT count(*) FROM {t} WHERE _deleted = 0").fetchone()[0])
            for t in ("person", "organization", "meeting")}


def top_up(path: Path, *, organizations: int = ORGANIZATIONS, minutes: int = MINUTES,
           seed: int = 2026) -> dict[str, int]:
    conn = open_database(path)
    try:
        store = Store(conn, actor="bench")
        rng = random.Random(seed)
        have = counts(conn)
        kinds = list(_KINDS)
        villages = [tuple(r) for r in conn.execute(
            "SELECT id, name FROM unit WHERE level = 'village' AND _deleted = 0 ORDER BY id")]
        residents: dict[str, list[str]] = {}
        for person_id, village in conn.execute("SELECT id, residence_unit_id FROM person"):
            residents.setdefault(village, []).append(person_id)
        new_orgs: list[tuple[str, list[str]]] = []
        n = 0
        while have["organization"] + len(new_orgs) < organizations:
            village_id, village_name = villages[n % len(villages)]
            n += 1
            people = residents.get(village_id) or []
            if len(people) < 4:
                continue
            kind = kinds[n % len(kinds)]
            [org_id] = store.add_many("organization", [{
                "name": f"{kind.replace('_', ' ').capitalize()} {n} {village_name}",
                "org_type": kind, "unit_id": village_id,
                "founded_date": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1500)),
                "status": "active"}])
            members = rng.sample(people, min(len(people), rng.randint(4, 8)))
            store.add_many("membership", [{"person_id": p, "organization_id": org_id,
                                           "role": _KINDS[kind]} for p in members])
            new_orgs.append((org_id, members))
        if not new_orgs:  # minutes go to the existing organizations
            for org_id, in conn.execute("SELECT id FROM organization WHERE _deleted = 0"):
                members = [r[0] for r in conn.execute(
                    "SELECT person_id FROM membership WHERE organization_id = ?", (org_id,))]
                if members:
                    new_orgs.append((org_id, members))
        i = 0
        while have["meeting"] < minutes:
            org_id, members = new_orgs[i % len(new_orgs)]
            i += 1
            start = dt.datetime(2024, 1, 1, 8) + dt.timedelta(days=rng.randrange(1000))
            [meeting_id] = store.add_many("meeting", [{
                "organization_id": org_id, "kind": "sinh_hoat_dinh_ky", "issuer": "TTQ",
                "title": f"Họp định kỳ tháng {start.month}", "started_at": start,
                "place": "Nhà văn hóa", "chair_id": members[0], "secretary_id": members[-1],
                "content": "Triển khai phong trào toàn dân bảo vệ an ninh Tổ quốc",
                "conclusions": "Thống nhất thực hiện"}])
            store.add_many("attendance", [{"meeting_id": meeting_id, "person_id": m,
                                           "present": True} for m in members])
            have["meeting"] += 1
        return counts(conn)
    finally:
        conn.close()


def build(path: Path, *, communes: int = 45, people_per_village: int = 160) -> dict[str, int]:
    demo.create_demo_database(path, communes=communes, people_per_village=people_per_village)
    return top_up(path)
