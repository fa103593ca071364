"""A realistic demo database: Điện Biên province, a few of its communes with their villages,
their grassroots organizations and members, minutes, models, replications and good deeds.

Everything is written through the one write path, as an officer's edits would be.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections.abc import Sequence
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import _
from desktop.resources import resource_path
from desktop.storage import accounts, db, dbapi, keyfile, site
from desktop.storage.demo_fill import DemoFill
from desktop.storage.writer import Store

DEMO_PROVINCE = "11"  # Điện Biên
DEMO_SITE_NAME = "Công an tỉnh Điện Biên (dữ liệu mẫu)"
# In site_meta of every database `antq demo` makes: only such a database may be replaced.
DEMO_MARK = "demo_database"
DEMO_TODAY = dt.date(2026, 11, 30)  # fixed, so a seed always gives the same database

# Organization types every village gets, and those only some get (share of villages).
_VILLAGE_ORGS = (("to_bao_ve_antt", 1.0), ("to_hoa_giai", 0.9), ("to_tu_quan", 0.6),
                 ("doi_dan_phong", 0.5), ("clb_giao_duc_con_em", 0.15))
_ORG_NAMES = {
    "to_bao_ve_antt": "Tổ bảo vệ an ninh, trật tự {v}",
    "to_hoa_giai": "Tổ hòa giải {v}",
    "to_tu_quan": "Tổ tự quản {v}",
    "doi_dan_phong": "Đội dân phòng {v}",
    "clb_giao_duc_con_em": "Câu lạc bộ giáo dục con em {v}",
}
_ROLES = {
    "to_bao_ve_antt": ("to_truong", "to_pho", "to_vien"),
    "to_hoa_giai": ("to_truong_hoa_giai", "hoa_giai_vien", "hoa_giai_vien"),
    "to_tu_quan": ("to_truong", "to_pho", "to_vien"),
    "doi_dan_phong": ("doi_truong", "doi_pho", "doi_vien"),
    "clb_giao_duc_con_em": ("chu_nhiem_clb", "pho_chu_nhiem_clb", "thanh_vien"),
}


def _weighted(rng: random.Random, pairs: Sequence[Sequence[object]]) -> str:
    items = [str(p[0]) for p in pairs]
    weights = [float(p[1]) for p in pairs]  # type: ignore[arg-type]
    return rng.choices(items, weights)[0]


class _Names:
    def __init__(self, data: dict, rng: random.Random) -> None:
        self.groups = data["ethnic_groups"]
        self.rng = rng
        self.citizen_ids: set[str] = set()  # two people never share one (the write refuses it)

    def person(self) -> tuple[str, str, str]:
        """(full name, gender, ethnicity code)."""
        rng = self.rng
        eth = _weighted(rng, [(k, g["share"]) for k, g in self.groups.items()])
        g = self.groups[eth]
        gender = rng.choice(("male", "female"))
        family = _weighted(rng, g["family"])
        middle = _weighted(rng, g["middle_male" if gender == "male" else "middle_female"])
        given = rng.choice(g["given_male" if gender == "male" else "given_female"])
        return " ".join(p for p in (family, middle, given) if p), gender, eth


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def _citizen_id(rng: random.Random, birth: dt.date, gender: str, used: set[str]) -> str:
    century = (birth.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
    while True:
        number = f"011{century}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
        if number not in used:
            used.add(number)
            return number


def create_demo_database(path: Path, *, communes: int = 6, people_per_village: int = 45,
                         seed: int = 2026, replace: bool = False,
                         article: bool = False) -> dict[str, int]:
    """Build the demo database at ``path``; returns how many records of each kind it holds.
    ``article``: the province whose data reproduces the source article (demo_article.py)."""
    if path.exists():
        if not replace:
            raise UserError(_("{p} đã có; dùng --replace để tạo lại").format(p=path))
        check_replaceable(path)
        for suffix in ("", "-wal", "-shm", keyfile.SUFFIX):
            Path(str(path) + suffix).unlink(missing_ok=True)
        db.forget_key(path)  # a new demo gets a new key
    conn = db.open_database(path)
    try:
        password = (os.environ.get(accounts.NEW_PASSWORD_ENV)
                    or os.environ.get(accounts.PASSWORD_ENV) or accounts.DEMO_PASSWORD)
        accounts.create_first(conn, accounts.DEFAULT_ACCOUNT, password)
        if article:
            from desktop.storage.demo_article import fill_article

            return fill_article(conn, seed=seed, demo_mark=DEMO_MARK, site_name=DEMO_SITE_NAME)
        return _fill(conn, communes=communes, people_per_village=people_per_village, seed=seed)
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm", keyfile.SUFFIX):  # no half-made demo left behind
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    finally:
        conn.close()


def check_replaceable(path: Path) -> None:
    """``--replace`` deletes the database at ``path``: refused unless it is one that
    ``antq demo`` made (its mark in site_meta), so a real site (keys, enrolment, records) is
    never deleted by a mistyped ``--db``."""
    if path.stat().st_size == 0:
        return
    refusal = UserError(_("{p} không phải cơ sở dữ liệu mẫu do «antq demo» tạo (có thể là dữ "
                          "liệu thật): không xóa; hãy chọn tệp khác cho --db").format(p=path))
    key = _demo_key(path)
    if key is None and not db.is_plain(path):
        raise refusal  # not openable as a demo: whatever it is, it stays
    try:
        conn = db.open_file(path, key, readonly=True)
    except dbapi.DatabaseError:
        raise refusal from None
    try:
        marked = site.get_meta(conn, DEMO_MARK) == "1"
        # A demo made before the mark existed is known by its site's name.
        marked = marked or site.get_meta(conn, "site_name") == DEMO_SITE_NAME
    except dbapi.DatabaseError:
        marked = False
    finally:
        conn.close()
    if not marked:
        raise refusal


def _demo_key(path: Path) -> bytes | None:
    """The key of a demo database: the one this process knows, or unwrapped with the
    passwords a demo is made with (not a login: a failure here is not counted)."""
    known = db.known_key(path)
    if known is not None and db.key_opens(path, known):
        return known
    if not keyfile.exists(path):
        return None
    try:
        entry = keyfile.read(path)["accounts"].get(accounts.DEFAULT_ACCOUNT)
    except UserError:
        return None
    if not isinstance(entry, dict):
        return None
    for password in dict.fromkeys(p for p in (os.environ.get(accounts.NEW_PASSWORD_ENV),
                                              os.environ.get(accounts.PASSWORD_ENV),
                                              accounts.DEMO_PASSWORD) if p):
        try:
            key = keyfile.unwrap(entry, accounts.DEFAULT_ACCOUNT, password)
        except UserError:
            return None
        if key is not None and db.key_opens(path, key):
            return key
    return None


def _fill(conn, *, communes: int, people_per_village: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    data = json.loads(resource_path("demo", "names.json").read_text("utf-8"))
    names = _Names(data, rng)
    fill = DemoFill(conn, site_name=DEMO_SITE_NAME, province=DEMO_PROVINCE, mark=DEMO_MARK,
                    today=DEMO_TODAY)
    store, counts, add_many = fill.store, fill.counts, fill.add_many
    commune_rows = fill.communes()
    chosen = rng.sample(list(commune_rows), min(communes, len(commune_rows)))
    village_names = list(data["villages"])
    rng.shuffle(village_names)
    model_types = [r[0] for r in conn.execute(
        "SELECT code FROM catalogue_item WHERE catalogue = 'model_type' ORDER BY sort_order")]

    with store.transaction():
        all_models: list[tuple[str, str]] = []  # (model id, commune id)
        for c_index, commune in enumerate(chosen):
            n_villages = rng.randint(10, 18)
            villages = []
            for v in range(n_villages):
                name = village_names[(c_index * 18 + v) % len(village_names)]
                villages.append({"name": name, "level": "village", "parent_id": commune["id"],
                                 "division_type": "tổ dân phố" if name.startswith("Tổ")
                                 else "bản"})
            village_ids = add_many("unit", villages)
            for v_index, (village_id, village) in enumerate(zip(village_ids, villages,
                                                                strict=True)):
                # The people the README's walk-through looks for live in the first village.
                featured = data.get("featured", []) if c_index == v_index == 0 else []
                _fill_village(store, rng, names, data, add_many, village_id, village["name"],
                              people_per_village, featured)
            # Models of the commune, then replication into its villages.
            for _m in range(rng.randint(2, 4)):
                mtype = rng.choice(model_types)
                mtype_name = conn.execute("SELECT name FROM catalogue_item WHERE "
                                          "catalogue='model_type' AND code=?", (mtype,)
                                          ).fetchone()[0]
                started = _date(rng, dt.date(2019, 1, 1), dt.date(2024, 6, 30))
                [model_id] = add_many("model", [{
                    "name": f"{mtype_name} — {commune['name']}", "model_type": mtype,
                    "unit_id": commune["id"], "started_date": started,
                    "status": "active", "is_point": 1 if rng.random() < 0.4 else 0,
                    "recognition_decision": f"{rng.randint(10, 300)}/QĐ-UBND",
                    "recognition_date": started + dt.timedelta(days=rng.randint(20, 120))}])
                all_models.append((model_id, commune["id"]))
                for target in rng.sample(village_ids, min(len(village_ids), rng.randint(1, 4))):
                    add_many("replication", [{
                        "model_id": model_id, "unit_id": target,
                        "replicated_date": _date(rng, started, DEMO_TODAY)}])
                add_many("evaluation", [{
                    "model_id": model_id, "evaluated_date": dt.date(year, 11, 20),
                    "rating": "hieu_qua" if rng.random() < 0.85 else "chua_hieu_qua"}
                    for year in range(max(started.year, 2022), 2026)])
        # A few models replicated from one commune into another.
        for model_id, commune_id in rng.sample(all_models, min(5, len(all_models))):
            other = rng.choice([c for c in chosen if c["id"] != commune_id] or chosen)
            add_many("replication", [{"model_id": model_id, "unit_id": other["id"],
                                      "replicated_date": _date(rng, dt.date(2024, 1, 1),
                                                               DEMO_TODAY)}])
        # Tips, from a generator of their own: the rest of the demo stays as it was.
        from desktop.storage.demo_tips import add_demo_tips

        add_demo_tips(add_many, random.Random(seed + 13), chosen, DEMO_TODAY)
        # Cameras, establishments, An toàn evaluations, crime figures (demo_results.py).
        from desktop.storage.demo_results import add_demo_results

        add_demo_results(conn, add_many, random.Random(seed + 19), chosen, DEMO_TODAY)
        # The last three years: joins, departures, new models, deeds (demo_story.py).
        from desktop.storage.demo_story import add_story

        add_story(conn, store, add_many, random.Random(seed + 29), chosen, DEMO_TODAY)
    return counts


def _in_sentence(village_name: str) -> str:
    """"Bản Nà Pen" → "bản Nà Pen", as it reads inside an organization's name."""
    for word in ("Bản ", "Tổ dân phố ", "Đội ", "Thôn "):
        if village_name.startswith(word):
            return word.lower() + village_name[len(word):]
    return village_name


def _fill_village(store: Store, rng: random.Random, names: _Names, data: dict, add_many,
                  village_id: str, village_name: str, people_per_village: int,
                  featured: list[dict]) -> None:
    people: list[dict[str, object]] = []
    for f in featured:
        birth = _date(rng, dt.date(1965, 1, 1), dt.date(1995, 12, 31))
        people.append({"full_name": f["full_name"], "gender": f["gender"],
                       "ethnicity": f["ethnicity"], "residence_unit_id": village_id,
                       "birth_date": birth, "citizen_id": _citizen_id(rng, birth, f["gender"],
                                                                 names.citizen_ids)})
    for _p in range(rng.randint(people_per_village * 3 // 4, people_per_village * 5 // 4)):
        full_name, gender, eth = names.person()
        birth = _date(rng, dt.date(1950, 1, 1), dt.date(2006, 12, 31))
        person: dict[str, object] = {
            "full_name": full_name, "gender": gender, "ethnicity": eth,
            "residence_unit_id": village_id,
            "birth_date": birth if rng.random() > 0.08 else str(birth.year),
        }
        if rng.random() < 0.9:
            person["citizen_id"] = _citizen_id(rng, birth, gender, names.citizen_ids)
        if rng.random() < 0.7:
            person["phone"] = "0" + rng.choice(("9", "8", "3", "7")) + \
                f"{rng.randrange(10**8):08d}"
        people.append(person)
    person_ids = add_many("person", people)
    born = {pid: int(str(p["birth_date"])[:4]) for pid, p in zip(person_ids, people,
                                                                  strict=True)}
    featured_ids = person_ids[:len(featured)]
    pool = person_ids[len(featured):]
    rng.shuffle(pool)
    for org_type, share in _VILLAGE_ORGS:
        if rng.random() > share or len(pool) < 3:
            continue
        founded = _date(rng, dt.date(2015, 1, 1), dt.date(2024, 9, 30))
        if org_type == "to_bao_ve_antt":  # set up under Luật 30/2023 from 01/7/2024
            founded = _date(rng, dt.date(2024, 7, 1), dt.date(2024, 9, 30))
        [org_id] = add_many("organization", [{
            "name": _ORG_NAMES[org_type].format(v=_in_sentence(village_name)), "org_type": org_type,
            "unit_id": village_id, "founded_date": founded, "status": "active",
            "decision_number": f"{rng.randint(100, 999)}/QĐ-UBND", "decision_date": founded}])
        lead, deputy, member = _ROLES[org_type]
        size = rng.randint(3, 5) if org_type != "doi_dan_phong" else rng.randint(6, 10)
        if org_type == "to_bao_ve_antt" and featured:
            members, roles = featured_ids, [f["role"] for f in featured]
        else:
            # A Tổ bảo vệ ANTT takes members of 18 and over (Luật 30/2023, Điều 13).
            adult = founded.year - 19 if org_type == "to_bao_ve_antt" else 9999
            members = [p for p in reversed(pool) if born[p] <= adult][:size]
            pool[:] = [p for p in pool if p not in members]
            roles = [lead, deputy] + [member] * (len(members) - 2)
        add_many("membership", [{
            "person_id": pid, "organization_id": org_id, "role": role,
            "joined_date": founded, "decision_number": f"{rng.randint(100, 999)}/QĐ-UBND",
            "decision_date": founded} for pid, role in zip(members, roles, strict=False)])
        if org_type == "to_bao_ve_antt":
            _meetings(rng, data, add_many, org_id, village_name, members, founded)
    for pid in rng.sample(person_ids, min(len(person_ids), rng.randint(0, 3))):
        deed_date = _date(rng, dt.date(2022, 1, 1), DEMO_TODAY)
        deed: dict[str, object] = {"person_id": pid, "description": rng.choice(data["deeds"]),
                                   "deed_date": deed_date}
        if rng.random() < 0.6:
            deed.update(commendation_form=rng.choice(("giay_khen", "bang_khen", "thu_khen")),
                        commendation_level=rng.choice(("chu_tich_ubnd_xa", "truong_ca_xa",
                                                       "giam_doc_ca_tinh")),
                        decision_number=f"{rng.randint(10, 999)}/QĐ-KT",
                        decision_date=min(DEMO_TODAY,
                                          deed_date + dt.timedelta(days=rng.randint(5, 40))))
        add_many("deed", [deed])


def _meetings(rng: random.Random, data: dict, add_many, org_id: str, village_name: str,
              members: list[str], founded: dt.date) -> None:
    """Quarterly meetings of a Tổ bảo vệ ANTT since it was set up, with attendance."""
    day = founded + dt.timedelta(days=30)
    while day < DEMO_TODAY:
        start = dt.datetime(day.year, day.month, day.day, rng.choice((8, 14, 19)), 0)
        present = [m for m in members if rng.random() < 0.85] or members[:1]
        [meeting_id] = add_many("meeting", [{
            "organization_id": org_id, "kind": "sinh_hoat_dinh_ky", "issuer": "TBV",
            "title": rng.choice(data["meeting_titles"]).format(v=village_name),
            "started_at": start, "ended_at": start + dt.timedelta(hours=2),
            "place": rng.choice(data["places"]).format(v=village_name),
            "chair_id": members[0], "secretary_id": members[-1],
            "content": rng.choice(data["meeting_contents"]),
            "conclusions": rng.choice(data["conclusions"]),
            "votes_for": len(present), "votes_against": 0, "votes_abstain": 0}])
        add_many("attendance", [{
            "meeting_id": meeting_id, "person_id": m, "present": m in present,
            "absence_reason": None if m in present else rng.choice(
                ("Đi làm nương", "Ốm", "Đi công tác", "Việc gia đình"))} for m in members])
        day += dt.timedelta(days=rng.randint(80, 100))
