"""The last three years of the demo database (issue 14, finding 11): members join and leave
their organizations, communes build new models and replicate them, people do good deeds, so
that the home page and the report show movement from one year to the next instead of
"không đổi" everywhere. A generator of its own: the rest of the demo stays as it was."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from desktop.domain.text import lower_first
from desktop.storage import dbapi
from desktop.storage.writer import Store

AddMany = Callable[[str, list[dict[str, object]]], list[str]]

# Who may join which organization in a role of plain member.
_MEMBER_ROLE = {"to_bao_ve_antt": "to_vien", "to_hoa_giai": "hoa_giai_vien",
                "to_tu_quan": "to_vien", "doi_dan_phong": "doi_vien",
                "clb_giao_duc_con_em": "thanh_vien"}
_EXIT_REASONS = ("tu_nguyen", "tu_nguyen", "chuyen_noi_o")
_NEW_MODELS = ("Camera an ninh {c}", "Tổ liên gia an toàn {c}", "Zalo an ninh trật tự {c}")
# Each new model of its own type: a «Camera an ninh» filed as «Xóm đạo bình yên» read as a
# mistake in the list and in its editor.
_NEW_MODEL_TYPES = {"Camera an ninh {c}": "he_thong_camera_giam_sat",
                    "Tổ liên gia an toàn {c}": "to_nhom_lien_gia_tu_quan",
                    "Zalo an ninh trật tự {c}": "zalo_an_ninh"}
_DEEDS = ("Giúp lực lượng Công an bắt giữ đối tượng trộm cắp tài sản",
          "Nhặt được tài sản, trả lại người đánh rơi",
          "Tham gia tuần tra, giữ gìn an ninh trật tự dịp Tết",
          "Cung cấp thông tin giúp phát hiện đối tượng vận chuyển trái phép chất ma túy")


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def add_story(conn: dbapi.Connection, store: Store, add_many: AddMany, rng: random.Random,
              communes: Sequence[dict], today: dt.date) -> None:
    """Three years up to ``today``: each year somewhat different from the one before."""
    years = [today.year - 2, today.year - 1, today.year]
    for commune in communes:
        _joins_and_departures(conn, store, add_many, rng, commune["id"], years, today)
        _models(conn, add_many, rng, commune, years, today)
        _deeds(conn, add_many, rng, commune["id"], years, today)


def _joins_and_departures(conn, store: Store, add_many: AddMany, rng: random.Random,
                          commune_id: str, years: list[int], today: dt.date) -> None:
    orgs = conn.execute(
        "SELECT o.id, o.org_type, o.unit_id, o.founded_date FROM organization o "
        "JOIN unit v ON v.id = o.unit_id WHERE v.parent_id = ? AND o._deleted = 0 "
        "ORDER BY o.name", (commune_id,)).fetchall()
    for org in orgs:
        member_role = _MEMBER_ROLE.get(org["org_type"])
        if member_role is None:
            continue
        held = {r[0] for r in conn.execute(
            "SELECT person_id FROM membership WHERE organization_id = ? AND _deleted = 0",
            (org["id"],))}
        # Newcomers: villagers not yet in it, of 18 and over on the day they join.
        for year in years:
            if rng.random() > 0.55:
                continue
            start = max(dt.date(year, 1, 1), dt.date.fromisoformat(org["founded_date"]))
            end = min(dt.date(year, 12, 31), today)
            if start > end:
                continue
            joined = _day(rng, start, end)
            adult = f"{joined.year - 19}"
            candidates = [r[0] for r in conn.execute(
                "SELECT id FROM person WHERE residence_unit_id = ? AND _deleted = 0 "
                "AND birth_date IS NOT NULL AND substr(birth_date, 1, 4) <= ? ORDER BY id",
                (org["unit_id"], adult)) if r[0] not in held]
            for pid in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
                held.add(pid)
                add_many("membership", [{
                    "person_id": pid, "organization_id": org["id"], "role": member_role,
                    "joined_date": joined, "decision_number": f"{rng.randint(100, 999)}/QĐ-UBND",
                    "decision_date": joined}])
        # Departures: a plain member now and then, the Tổ keeping at least three.
        plain = conn.execute(
            "SELECT id, joined_date FROM membership WHERE organization_id = ? AND role = ? "
            "AND left_date IS NULL AND _deleted = 0 ORDER BY id", (org["id"], member_role)
        ).fetchall()
        staying = len(held)
        for m in plain:
            if staying <= 3 or rng.random() > 0.18:
                continue
            since = max(dt.date.fromisoformat(m["joined_date"]) + dt.timedelta(days=60),
                        dt.date(years[0], 1, 1))
            if since > today:
                continue
            store.edit("membership", m["id"], {
                "left_date": _day(rng, since, today),
                "exit_reason": rng.choice(_EXIT_REASONS)})
            staying -= 1


def _models(conn, add_many: AddMany, rng: random.Random, commune: dict, years: list[int],
            today: dt.date) -> None:
    villages = [r[0] for r in conn.execute(
        "SELECT id FROM unit WHERE parent_id = ? AND level = 'village' AND valid_to IS NULL "
        "ORDER BY code, id", (commune["id"],))]
    model_types = [r[0] for r in conn.execute(
        "SELECT code FROM catalogue_item WHERE catalogue = 'model_type' ORDER BY sort_order")]
    for year in years[1:]:  # a new model in each of the last two years, more or less
        for name in rng.sample(_NEW_MODELS, rng.randint(1, 2)):
            started = _day(rng, dt.date(year, 1, 1), min(dt.date(year, 9, 30), today))
            drawn = rng.choice(model_types)  # drawn as before: the rest of the demo is unchanged
            kind = _NEW_MODEL_TYPES[name] if _NEW_MODEL_TYPES[name] in model_types else drawn
            [model_id] = add_many("model", [{
                "name": name.format(c=lower_first(commune["name"])), "model_type": kind,
                "unit_id": commune["id"], "started_date": started, "status": "active",
                "is_point": 1 if rng.random() < 0.3 else 0}])
            for village in rng.sample(villages, min(len(villages), rng.randint(1, 3))):
                add_many("replication", [{"model_id": model_id, "unit_id": village,
                                          "replicated_date": _day(rng, started, today)}])


def _deeds(conn, add_many: AddMany, rng: random.Random, commune_id: str, years: list[int],
           today: dt.date) -> None:
    people = [r[0] for r in conn.execute(
        "SELECT p.id FROM person p JOIN unit v ON v.id = p.residence_unit_id "
        "WHERE v.parent_id = ? AND p._deleted = 0 ORDER BY p.id", (commune_id,))]
    for i, year in enumerate(years):
        for pid in rng.sample(people, min(len(people), 2 + i * 2 + rng.randint(0, 2))):
            day = _day(rng, dt.date(year, 1, 1), min(dt.date(year, 12, 31), today))
            deed: dict[str, object] = {"person_id": pid, "description": rng.choice(_DEEDS),
                                       "deed_date": day}
            if rng.random() < 0.5:
                deed.update(commendation_form="giay_khen", commendation_level="truong_ca_xa",
                            decision_number=f"{rng.randint(10, 999)}/QĐ-KT",
                            decision_date=min(today, day + dt.timedelta(days=15)))
            add_many("deed", [deed])
