"""The movement's results in the demo database (issue 13): citizen cameras in every village,
schools, agencies and enterprises of each commune (one exempt under TT 124 each), their An toàn
evaluations for the years whose window has ended, and monthly crime figures from 2024 on. A
generator of its own, so the rest of the demo stays as it was."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from desktop.domain.results import safety_window

AddMany = Callable[[str, list[dict[str, object]]], list[str]]

HOUSEHOLDS = ("Lò Văn", "Quàng Văn", "Giàng A", "Vàng Thị", "Lường Văn", "Cà Thị", "Sùng A",
              "Điêu Chính", "Nguyễn Văn", "Trần Thị")
GIVEN = ("Páo", "Thành", "Dơ", "Mỷ", "Sơn", "Ánh", "Chứ", "Hùng", "Nhất", "Xuân")
FACING = ("Đường vào bản", "Cổng nhà và đường liên bản", "Ngã ba trung tâm bản",
          "Bến đò", "Cổng chợ")
ESTABLISHMENTS = (("Trường Trung học cơ sở {c}", "school", None),
                  ("Trường Tiểu học {c}", "school", "primary_school"),
                  ("Trạm Y tế {c}", "agency", None),
                  ("Ủy ban nhân dân {c}", "agency", None),
                  ("Hợp tác xã Nông nghiệp {c}", "enterprise", "small_enterprise"),
                  ("Công ty TNHH Thủy điện {c}", "enterprise", None))
RATINGS = ("excellent", "good", "good", "good", "average")


def _stem(name: str) -> str:
    """"Xã Mường Nhé" → "xã Mường Nhé" inside another name."""
    return name[:1].lower() + name[1:]


def add_demo_results(conn, add_many: AddMany, rng: random.Random, communes: Sequence[dict],
                     today: dt.date) -> None:
    for commune in communes:
        villages = [r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE parent_id = ? AND level = 'village' AND _deleted = 0 "
            "ORDER BY id", (commune["id"],))]
        model = conn.execute("SELECT id FROM model WHERE unit_id = ? AND model_type = "
                             "'he_thong_camera_giam_sat' AND _deleted = 0 LIMIT 1",
                             (commune["id"],)).fetchone()
        cameras = []
        for village in villages:
            for _i in range(rng.randint(1, 5)):
                connected = rng.random() < 0.7
                rng.choice(("ông", "bà"))  # drawn as before: the rest of the demo is unchanged
                household = rng.choice(HOUSEHOLDS)
                # «ông» or «bà» as the name says: «Hộ bà Lò Văn Thành» read as a mistake
                title = "bà" if household.endswith(" Thị") else "ông"
                cameras.append({
                    "owner_name": f"Hộ {title} {household} {rng.choice(GIVEN)}",
                    "unit_id": village, "camera_count": rng.randint(1, 8),
                    "facing": rng.choice(FACING), "retention_days": rng.choice((15, 30, 60)),
                    "connected": int(connected), "consent": int(connected),
                    "notice_sign": int(rng.random() < 0.6),
                    "installed_date": dt.date(rng.randint(2020, 2026), rng.randint(1, 10),
                                              rng.randint(1, 28)),
                    "status": "active" if rng.random() < 0.92 else "broken",
                    "model_id": model[0] if model is not None else None})
        add_many("camera", cameras)
        names = [(pattern.format(c=_stem(commune["name"])), kind, exempt)
                 for pattern, kind, exempt in ESTABLISHMENTS]
        ids = add_many("establishment", [{"name": n, "establishment_type": k,
                                          "unit_id": commune["id"], "exemption": e}
                                         for n, k, e in names])
        evaluated = [i for i, (_n, _k, exempt) in zip(ids, names, strict=True) if not exempt]
        evaluations: list[dict[str, object]] = []
        for year in range(2023, today.year + 1):
            for subject, unit, est in ([("residential", v, None) for v in villages]
                                       + [("commune", commune["id"], None)]
                                       + [(None, None, e) for e in evaluated]):
                start, end = safety_window(subject or "school", year)
                if end > today:
                    continue  # the year's window has not ended
                passed = rng.random() < 0.85
                row: dict[str, object] = {
                    "year": year, "registered": 1,
                    "registered_date": start + dt.timedelta(days=rng.randint(60, 120)),
                    "result": "passed" if passed else "failed",
                    "movement_rating": rng.choice(RATINGS) if passed else "average"}
                if est:
                    row["establishment_id"] = est
                else:
                    row.update(subject_kind=subject, unit_id=unit)
                if subject == "residential":
                    row["households_percent"] = 100 if passed else rng.randint(85, 99)
                if passed:
                    row.update(decision_number=f"{rng.randint(10, 400)}/QĐ-UBND",
                               decision_date=end + dt.timedelta(days=rng.randint(5, 25)),
                               decision_issuer="Ủy ban nhân dân " + _stem(commune["name"]))
                    if row["decision_date"] > today:  # type: ignore[operator]
                        row["decision_date"] = today
                evaluations.append(row)
        add_many("safety_evaluation", evaluations)
        stats = []
        month = dt.date(2024, 1, 1)
        while month < today.replace(day=1):
            cases = rng.randint(0, 4)
            drugs = rng.randint(0, 3)
            stats.append({
                "unit_id": commune["id"], "period": f"{month.year}-{month.month:02d}",
                "social_cases": cases, "social_serious": int(cases > 2 and rng.random() < 0.3),
                "social_solved": rng.randint(0, cases), "social_offenders": cases
                + rng.randint(0, 2), "drug_cases": drugs,
                "drug_offenders": drugs + rng.randint(0, 2), "drug_users": rng.randint(0, 4),
                "gambling_cases": rng.randint(0, 1), "gambling_offenders": 0,
                "admin_cases": rng.randint(0, 3), "admin_people": rng.randint(0, 4)})
            month = (month + dt.timedelta(days=32)).replace(day=1)
        add_many("crime_stat", stats)
