"""``antq demo --article``: a province whose data reproduces the figures of the source article
("Hiệu quả phong trào «Toàn dân bảo vệ an ninh Tổ quốc»", Báo Điện Biên Phủ, 09/07/2023) for
2020..2023-Q1, so ``antq report --article`` can be read against it line by line:

- 30 models replicated; 4.386 organizations ("gần 4.400") running 44 types of model;
- 4.970 citizen camera systems in one ward ("gần 5.000"), a few more elsewhere;
- 85 % of agencies, enterprises and schools An toàn and rated khá or better ("trên 80%");
- 2.150 valuable tips ("hàng nghìn") solving 405 social-order cases, 40 of them very or
  especially serious;
- social-order crime 400 → 310 → 234 (−22,5 %, −24,5 %), quý I 78 → 49 (−37,2 %);
- 3.122 drug cases with 3.526 offenders.

Everything goes through the one write path, as typed data would."""

from __future__ import annotations

import datetime as dt
import random

from desktop.storage import dbapi
from desktop.storage.demo_fill import DemoFill

ARTICLE_TODAY = dt.date(2023, 7, 9)  # the article's date
PERIOD = "2020..2023-Q1"
PROVINCE = "11"
CAMERA_WARD = "Phường Điện Biên Phủ"

ORGANIZATIONS = 4386
MODEL_TYPES = 44
REPLICATED = 30
CAMERAS_IN_WARD = 4970
CAMERAS_ELSEWHERE = 120
ESTABLISHMENTS = 60  # liable to the evaluation; 51 An toàn and khá or better (85 %)
ESTABLISHMENTS_GOOD = 51
VALUABLE_TIPS = 2150
SOLVED = 405
SERIOUS = 40
OTHER_TIPS = 600
# Social-order crime by period (the records a commune police would type), and drugs.
SOCIAL = {"2020": 400, "2021": 310, "2022-Q1": 78, "2022-Q2": 52, "2022-Q3": 52,
          "2022-Q4": 52, "2023-Q1": 49}
DRUG_CASES, DRUG_OFFENDERS = 3122, 3526

_ORG_TYPES = ("to_tu_quan", "to_hoa_giai", "to_an_ninh_nhan_dan", "doi_dan_phong",
              "to_lien_gia_tu_quan", "to_tuan_tra_nhan_dan")
_SOCIAL_CATEGORIES = ("trom_cap", "cuop_cuong_doat", "lua_dao", "co_bac", "gay_roi")


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole shares that add up exactly."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def fill_article(conn: dbapi.Connection, *, seed: int, demo_mark: str,
                 site_name: str) -> dict[str, int]:
    rng = random.Random(seed)
    fill = DemoFill(conn, site_name=site_name, province=PROVINCE, mark=demo_mark,
                    today=ARTICLE_TODAY)
    store, counts, add_many = fill.store, fill.counts, fill.add_many
    communes = fill.communes()
    ward = next(c for c in communes if c["name"] == CAMERA_WARD)
    others = [c for c in communes if c["id"] != ward["id"]][:9]
    chosen = [ward, *others]
    with store.transaction():
        villages: dict[str, list[str]] = {}
        for c in chosen:
            prefix = "Tổ dân phố" if c["name"].startswith("Phường") else "Bản"
            villages[c["id"]] = add_many("unit", [
                {"name": f"{prefix} {n}", "level": "village", "parent_id": c["id"]}
                for n in range(1, 12)])
        all_villages = [v for vs in villages.values() for v in vs]
        _models(conn, rng, add_many, chosen)
        add_many("organization", [{
            "name": f"Tổ quần chúng số {n + 1}", "org_type": _ORG_TYPES[n % len(_ORG_TYPES)],
            "unit_id": all_villages[n % len(all_villages)], "status": "active",
            "founded_date": _day(rng, dt.date(2012, 1, 1), dt.date(2019, 12, 31))}
            for n in range(ORGANIZATIONS)])
        _cameras(rng, add_many, villages[ward["id"]],
                 [v for c in others for v in villages[c["id"]]])
        _establishments(rng, add_many, chosen)
        _tips(rng, add_many, chosen)
        _crime(add_many, chosen[:4])
    return counts


def _models(conn: dbapi.Connection, rng: random.Random, add_many, communes) -> None:
    """One standing model of each of 44 types (the shipped catalogue and the province's own
    types), 30 of them replicated into another commune from 2020 on."""
    types = [r[0] for r in conn.execute("SELECT code FROM catalogue_item WHERE catalogue = "
                                        "'model_type' AND _deleted = 0 ORDER BY sort_order")]
    extra = MODEL_TYPES - len(types)
    add_many("catalogue", [{"catalogue": "model_type", "code": f"tinh_dien_bien_{n + 1:02d}",
                            "name": f"Mô hình tự quản về ANTT của tỉnh số {n + 1}",
                            "sort_order": 100 + n, "active": 1} for n in range(extra)])
    types += [f"tinh_dien_bien_{n + 1:02d}" for n in range(extra)]
    names = dict(conn.execute("SELECT code, name FROM catalogue_item WHERE catalogue = "
                              "'model_type' AND _deleted = 0").fetchall())
    ids = add_many("model", [{
        "name": f"{names[t]} — {communes[i % len(communes)]['name']}", "model_type": t,
        "unit_id": communes[i % len(communes)]["id"], "status": "active",
        "started_date": _day(rng, dt.date(2015, 1, 1), dt.date(2019, 12, 31))}
        for i, t in enumerate(types)])
    add_many("replication", [{
        "model_id": mid, "unit_id": communes[(i + 1) % len(communes)]["id"],
        "replicated_date": _day(rng, dt.date(2020, 1, 1), dt.date(2023, 3, 31))}
        for i, mid in enumerate(ids[:REPLICATED])])


def _cameras(rng: random.Random, add_many, ward_villages: list[str],
             elsewhere: list[str]) -> None:
    rows = []
    for n in range(CAMERAS_IN_WARD + CAMERAS_ELSEWHERE):
        where = (ward_villages[n % len(ward_villages)] if n < CAMERAS_IN_WARD
                 else elsewhere[n % len(elsewhere)])
        connected = rng.random() < 0.4
        rows.append({"owner_name": f"Hộ gia đình số {n + 1}", "unit_id": where,
                     "camera_count": rng.randint(1, 6), "connected": int(connected),
                     "consent": int(connected), "notice_sign": int(rng.random() < 0.5),
                     "installed_date": _day(rng, dt.date(2017, 1, 1), dt.date(2023, 3, 31)),
                     "status": "active"})
    add_many("camera", rows)


def _establishments(rng: random.Random, add_many, communes) -> None:
    kinds = ("agency", "enterprise", "school")
    names = {"agency": "Cơ quan", "enterprise": "Công ty", "school": "Trường THCS"}
    ids = add_many("establishment", [{
        "name": f"{names[kinds[n % 3]]} số {n + 1}", "establishment_type": kinds[n % 3],
        "unit_id": communes[n % len(communes)]["id"]} for n in range(ESTABLISHMENTS)])
    add_many("establishment", [
        {"name": "Trường Mầm non Hoa Ban", "establishment_type": "school",
         "exemption": "kindergarten", "unit_id": communes[0]["id"]},
        {"name": "Hợp tác xã Nông nghiệp Thanh Xương", "establishment_type": "enterprise",
         "exemption": "small_enterprise", "unit_id": communes[1]["id"]}])
    rows: list[dict[str, object]] = []
    for n, eid in enumerate(ids):
        good = n < ESTABLISHMENTS_GOOD
        row: dict[str, object] = {
            "establishment_id": eid, "year": 2022, "registered": 1,
            "registered_date": _day(rng, dt.date(2022, 1, 5), dt.date(2022, 3, 31)),
            "result": "passed" if good or n % 3 == 0 else "failed",
            "movement_rating": rng.choice(("excellent", "good")) if good else "average"}
        if row["result"] == "passed":
            row.update(decision_number=f"{n + 1}/QĐ-UBND", decision_date=dt.date(2022, 12, 5),
                       decision_issuer="Ủy ban nhân dân xã")
        rows.append(row)
    add_many("safety_evaluation", rows)


def _tips(rng: random.Random, add_many, communes) -> None:
    start, end = dt.datetime(2020, 1, 1, 7, 0), dt.datetime(2023, 3, 31, 17, 0)
    minutes = int((end - start).total_seconds() // 60)
    rows = []
    for n in range(VALUABLE_TIPS + OTHER_TIPS):
        received = start + dt.timedelta(minutes=rng.randrange(minutes))
        tip: dict[str, object] = {
            "received_at": received, "channel": "qua_to_bao_ve" if n % 2 else "dien_thoai",
            "unit_id": communes[n % len(communes)]["id"],
            "summary": "Tin báo của quần chúng về vụ việc có dấu hiệu tội phạm",
            "transferred_at": received + dt.timedelta(hours=rng.randint(1, 20)),
            "transferred_to": "Cơ quan Cảnh sát điều tra Công an tỉnh",
            "category": "ma_tuy" if n >= SOLVED else _SOCIAL_CATEGORIES[n % 5]}
        if n < VALUABLE_TIPS:
            tip["valuable"] = 1
        if n < SOLVED:
            tip.update(case_solved=1, case_serious=int(n < SERIOUS), arrested=rng.randint(1, 3))
        rows.append(tip)
    rows.sort(key=lambda t: t["received_at"])  # type: ignore[arg-type, return-value]
    add_many("tip", rows)


def _crime(add_many, communes) -> None:
    """Each period's figure shared among four communes; the drug figures spread over the
    periods."""
    periods = list(SOCIAL)
    drug_cases, drug_people = _split(DRUG_CASES, len(periods)), _split(DRUG_OFFENDERS,
                                                                      len(periods))
    rows = []
    for i, period in enumerate(periods):
        for c, cases, drugs, people in zip(communes, _split(SOCIAL[period], len(communes)),
                                           _split(drug_cases[i], len(communes)),
                                           _split(drug_people[i], len(communes)), strict=True):
            rows.append({"unit_id": c["id"], "period": period, "social_cases": cases,
                         "drug_cases": drugs, "drug_offenders": people})
    add_many("crime_stat", rows)
