"""`antq add|edit|list|show|search|delete` of the movement's results (issue 13): cameras,
establishments, An toàn evaluations, crime figures; `antq export camera`; a bad value is one
line naming the field, exit 2, nothing saved."""

from __future__ import annotations

import subprocess
from pathlib import Path

from clikit import run_json as run

from desktop import cli
from desktop.storage import db

COMMUNE = "03160"


def refused(path: Path, capsys, *args: str) -> str:
    capsys.readouterr()
    assert cli.main([*args, "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def count(path: Path, kind: str) -> int:
    conn = db.open_database(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {kind}").fetchone()[0])
    finally:
        conn.close()


def test_results_from_the_command_line(commune_db, capsys, tmp_path):
    path = commune_db
    village = run(path, capsys, "add", "unit", "name=Bản Huổi Lếch", "level=village",
                  f"parent_id={COMMUNE}")["id"]
    cam = run(path, capsys, "add", "camera", "owner_name=Hộ ông Lò Văn Páo",
              f"unit_id={village}", "camera_count=4", "connected=có", "consent=có",
              "installed_date=03/2025", "facing=Ngã ba đầu bản",
              "coordinates=22.2236, 102.5123")
    assert run(path, capsys, "show", "camera", cam["id"])["camera_count"] == 4
    (listed,) = run(path, capsys, "list", "camera")
    assert listed["id"] == cam["id"]
    hits = run(path, capsys, "search", "lo van pao")
    assert [(h["kind"], h["id"]) for h in hits] == [("camera", cam["id"])]
    line = refused(path, capsys, "add", "camera", "owner_name=X", f"unit_id={village}",
                   "camera_count=0")
    assert "Số mắt camera" in line or "camera_count" in line
    assert count(path, "camera") == 1

    school = run(path, capsys, "add", "establishment", "name=Trường THCS Mường Nhé",
                 "establishment_type=Cơ sở giáo dục", f"unit_id={COMMUNE}")["id"]
    run(path, capsys, "add", "safety_evaluation", f"establishment_id={school}", "year=2025",
        "registered_date=20/01/2025", "result=đạt", "movement_rating=khá")
    line = refused(path, capsys, "add", "safety_evaluation", "subject_kind=residential",
                   f"unit_id={village}", "year=2025", "households_percent=101")
    assert "100" in line
    assert count(path, "safety_evaluation") == 1

    run(path, capsys, "add", "crime_stat", f"unit_id={COMMUNE}", "period=2025-Q1",
        "social_cases=12", "drug_cases=3", "drug_offenders=4")
    run(path, capsys, "add", "crime_stat", f"unit_id={COMMUNE}", "period=2025-01",
        "social_cases=5")
    run(path, capsys, "add", "crime_stat", f"unit_id={COMMUNE}", "period=2025-02",
        "social_cases=5")
    line = refused(path, capsys, "add", "crime_stat", f"unit_id={COMMUNE}", "period=2025-03",
                   "social_cases=3")
    assert "2025-Q1" in line and "13" in line
    assert count(path, "crime_stat") == 3
    stats = run(path, capsys, "list", "crime_stat")
    assert {s["period"] for s in stats} == {"2025-Q1", "2025-01", "2025-02"}

    # Printed: the internal copy with the coordinates, the public one without (sensitive).
    for profile, shown in (("noi-bo", True), ("cong-khai", False)):
        pdf = tmp_path / f"camera-{profile}.pdf"
        run(path, capsys, "print", "cameras", "--unit", COMMUNE, "--profile", profile,
            "--out", str(pdf))
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                       capture_output=True, text=True).stdout.split())
        assert "Hộ ông Lò Văn Páo" in text and "Ngã ba đầu bản" in text
        assert ("22.2236" in text) is shown and ("Tọa độ" in text) is shown

    out = tmp_path / "cameras.csv"
    run(path, capsys, "export", "camera", "--out", str(out))
    assert "Hộ ông Lò Văn Páo" in out.read_text("utf-8-sig")
    run(path, capsys, "delete", "camera", cam["id"])
    assert run(path, capsys, "list", "camera") == []
