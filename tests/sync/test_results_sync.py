"""The movement's results reach the province by bundle like every record kind (issue 13):
cameras, establishments, An toàn evaluations and crime figures made at two communes arrive
with their values and field versions, an edit follows in the next bundle, and the province's
report sums its communes."""

from __future__ import annotations

import datetime as dt

from synckit import visible

from desktop.reports import periods
from desktop.reports.movement import report_data
from desktop.storage import seed

KINDS = ("camera", "establishment", "safety_evaluation", "crime_stat")


def unit(code: str) -> str:
    return seed.unit_id(code, seed.CODE_VERSION_2025)


def test_results_travel_to_the_province_and_sum_there(network, tmp_path):
    prov, (a, b) = network()
    made = {}
    for node, cases, cams in ((a, 12, 3), (b, 8, 2)):
        s = node.store
        village = s.add("unit", {"name": f"Bản thử {node.name}", "level": "village",
                                 "parent_id": node.part}).id
        made[node.name] = {
            "camera": s.add("camera", {"owner_name": "Hộ ông Páo", "unit_id": village,
                                       "camera_count": str(cams), "connected": "có",
                                       "consent": "có", "coordinates": "22.2, 102.5"}).id,
            "establishment": s.add("establishment", {"name": "Trường THCS", "unit_id": node.part,
                                                     "establishment_type": "school"}).id,
            "crime_stat": s.add("crime_stat", {"unit_id": node.part, "period": "2025-Q1",
                                               "social_cases": str(cases)}).id,
        }
        made[node.name]["safety_evaluation"] = s.add("safety_evaluation", {
            "establishment_id": made[node.name]["establishment"], "year": "2025",
            "result": "đạt", "movement_rating": "khá"}).id
    for node in (a, b):
        (bundle,) = node.export(tmp_path / f"stick-{node.name}", to=prov)
        (result,) = prov.import_(bundle)
        assert result.status == "imported", result.message
    there = visible(prov.conn)
    for node in (a, b):
        here = visible(node.conn)
        for kind in KINDS:
            key = (kind, made[node.name][kind])
            assert key in here["rows"] and there["rows"][key] == here["rows"][key], key
            mine = {k: v for k, v in here["cells"].items() if k[:2] == key}
            assert mine and all(there["cells"][k] == v for k, v in mine.items()), key
    # The province sums its communes (Biểu 4, Biểu 5, the cameras).
    data = report_data(prov.conn, unit("11"), periods.parse("2025-Q1"))
    rows = {r["key"]: r for r in data["bieu4"]["rows"]}
    assert rows["social_cases"]["current"] == 20 and data["bieu4"]["units"] == 2
    assert data["cameras"]["cameras"] == 5
    schools = next(r for r in report_data(prov.conn, unit("11"), periods.parse("2025"))
                   ["bieu5"]["rows"] if r["kind"] == "school")
    assert (schools["passed"], schools["good"]) == (2, 2)

    # An edit at the commune follows in its next bundle.
    a.store.edit("crime_stat", made[a.name]["crime_stat"], {"social_cases": "15"})
    (bundle,) = a.export(tmp_path / "stick-again", to=prov)
    (result,) = prov.import_(bundle)
    assert result.status == "imported", result.message
    data = report_data(prov.conn, unit("11"), periods.parse("2025-Q1"))
    assert next(r for r in data["bieu4"]["rows"] if r["key"] == "social_cases")["current"] == 23
    assert dt.date(2025, 3, 31).isoformat() == prov.conn.execute(
        "SELECT period_end FROM crime_stat WHERE id = ?",
        (made[a.name]["crime_stat"],)).fetchone()[0]
