"""`antq village`: a commune's villages from the command line, by name without accents."""

from __future__ import annotations

from pathlib import Path

from test_cli import antq, db, run_json  # noqa: F401 - the fixture

__all__ = ["db"]


def test_villages_are_added_renamed_merged_and_retired(db: Path):
    added = run_json(db, "village", "add", "Bản Huổi Lếch", "Bản Na Pheo", "Thôn Nà Sự")
    assert [v["name"] for v in added] == ["Bản Huổi Lếch", "Bản Na Pheo", "Thôn Nà Sự"]
    person = run_json(db, "add", "person", "full_name=Vàng A Dơ",
                      f"residence_unit_id={added[0]['id']}")["id"]
    out = antq("village", "rename", "huoi lech", "Bản Huổi Lếch 1", "--date", "01/07/2026",
               "--db", str(db), data_dir=db.parent).stdout
    assert "Đã đổi tên «Bản Huổi Lếch» thành «Bản Huổi Lếch 1»" in out
    assert "1 người" in out
    shown = antq("show", "person", person, "--db", str(db), data_dir=db.parent).stdout
    assert "(residence_unit_id): Bản Huổi Lếch 1" in shown
    merged = run_json(db, "village", "merge", "ban na pheo", "thon na su",
                      "--into", "Bản Huổi Lếch 1")
    assert merged["people"] == 0
    listed = antq("village", "list", "--all", "--db", str(db), data_dir=db.parent).stdout
    lines = listed.splitlines()
    assert lines[0].startswith("Bản Huổi Lếch 1\t1 người")
    assert any(line.startswith("Bản Na Pheo") and "nay là «Bản Huổi Lếch 1»" in line
               for line in lines)
    assert [v["name"] for v in run_json(db, "village", "list")] == ["Bản Huổi Lếch 1"]


def test_village_mistakes_are_one_line(db: Path):
    run_json(db, "village", "add", "Bản Huổi Lếch")
    for args, needle in ((("add", "ban huoi lech"), "đã có «Bản Huổi Lếch»"),
                         (("rename", "Bản Xa", "Bản Gần"), "Không có thôn, bản «Bản Xa»"),
                         (("merge", "huoi lech"), "--into"),
                         (("rename", "huoi lech", "Bản Mới", "--date", "01/01/2099"),
                          "tương lai")):
        proc = antq("village", *args, "--db", str(db), data_dir=db.parent, check=False)
        assert proc.returncode == 2, proc.stderr
        assert needle in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
