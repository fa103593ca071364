"""The `antq` command, run as an officer or a script would: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dbkit import copy_database, logical_dump

ROOT = Path(__file__).resolve().parent.parent


def antq(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANTQ_DATA_DIR": str(data_dir), "PYTHONIOENCODING": "utf-8"}
    env.pop("ANTQ_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def db(tmp_path: Path, master_db: Path) -> Path:
    path = tmp_path / "cli.db"
    copy_database(master_db, path)
    antq("init", "--site-name", "Công an xã Mường Nhé", "--commune-code", "3160",
         "--db", str(path), data_dir=tmp_path)
    return path


def run_json(db: Path, *args: str) -> object:
    proc = antq(*args, "--db", str(db), "--json", data_dir=db.parent)
    return json.loads(proc.stdout)


def test_add_show_edit_list_delete_restore(db: Path):
    village = run_json(db, "add", "unit", "name=Bản Huổi Lếch", "level=village",
                       "parent_id=03160")["id"]
    pid = run_json(db, "add", "person", "full_name=Nguyễn Văn Đức", "birth_date=05/03/1985",
                   "gender=nam", "ethnicity=Kinh", "citizen_id=011085000123",
                   f"residence_unit_id={village}")["id"]
    shown = run_json(db, "show", "person", pid)
    assert shown["birth_date"] == "1985-03-05" and shown["ethnicity"] == "kinh"
    text = antq("show", "person", pid, "--db", str(db), data_dir=db.parent).stdout
    assert "Ngày sinh (birth_date): 05/03/1985" in text
    assert "Nơi cư trú (thôn/bản) (residence_unit_id): Bản Huổi Lếch" in text
    run_json(db, "edit", "person", pid, "phone=0912 345 678")
    assert run_json(db, "show", "person", pid)["phone"] == "0912345678"
    listed = run_json(db, "list", "person", "--filter", f"residence_unit_id={village}")
    assert [r["id"] for r in listed] == [pid]
    run_json(db, "delete", "person", pid)
    assert run_json(db, "list", "person") == []
    assert [r["id"] for r in run_json(db, "list", "person", "--deleted")] == [pid]
    run_json(db, "restore", "person", pid)
    assert [h["title"] for h in run_json(db, "search", "nguyen van duc")] == ["Nguyễn Văn Đức"]


def test_list_is_in_vietnamese_name_order(db: Path):
    names = ["Nguyễn Văn Đức", "Lò Văn Ấn", "Lê Văn An", "Vàng A Dơ", "Hoàng Đức Đạt"]
    for n in names:
        run_json(db, "add", "person", f"full_name={n}")
    out = antq("list", "person", "--db", str(db), data_dir=db.parent).stdout.splitlines()
    assert [line.split("\t")[1] for line in out[1:]] == [
        "Lê Văn An", "Lò Văn Ấn", "Vàng A Dơ", "Hoàng Đức Đạt", "Nguyễn Văn Đức"]


@pytest.mark.parametrize(("args", "needle"), [
    # The field by its Vietnamese label, as the officer knows it.
    (("add", "person", "full_name=A", "birth_date=31/02/1990"), "Ngày sinh: "),
    (("add", "person", "full_name=A", "citizen_id=0110850001"), "Số định danh cá nhân (CCCD): "),
    (("add", "person", "full_name=A", "shoe_size=42"), "shoe_size"),
    (("add", "person", "full_name"), "field=value"),
    (("add", "membership", "person_id=nope", "organization_id=x", "role=to_vien"), "nope"),
    (("edit", "person", "01890000-0000-7000-8000-000000000000", "phone=0912345678"),
     "01890000-0000-7000-8000-000000000000"),
    (("show", "organization", "missing-id"), "missing-id"),
    (("delete", "person", "missing-id"), "missing-id"),
    (("list", "person", "--filter", "colour=red"), "colour"),
    (("add", "starship", "name=x"), "starship"),
])
def test_user_errors_are_one_clear_line_and_change_nothing(db: Path, args, needle):
    before = dumped(db)
    proc = antq(*args, "--db", str(db), data_dir=db.parent, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi:"), proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert dumped(db) == before  # the data; the login itself is in the audit log


def dumped(path: Path) -> list[str]:
    from desktop.storage import db as database

    conn = database.open_database(path)
    try:
        return logical_dump(conn)
    finally:
        conn.close()


def test_cccd_contradicting_the_record_is_refused_in_vietnamese(db: Path):
    proc = antq("add", "person", "full_name=Lò Thị Mai", "gender=nữ", "birth_date=1990",
                "citizen_id=011085000123", "--db", str(db), data_dir=db.parent, check=False)
    assert proc.returncode == 2
    assert "Số định danh cá nhân (CCCD): " in proc.stderr and "citizen_id" not in proc.stderr
    assert "khác giới tính đã ghi (nữ)" in proc.stderr
    assert run_json(db, "list", "person") == []
    proc = antq("add", "person", "full_name=Lò Thị Mai", "gender=nữ", "birth_date=1990",
                "citizen_id=999190000123", "--db", str(db), data_dir=db.parent)
    assert "Cảnh báo: Số định danh cá nhân (CCCD): " in proc.stderr  # a country code?
    assert len(run_json(db, "list", "person")) == 1


def test_missing_database_and_uninitialised_database_are_explained(tmp_path: Path, master_db):
    proc = antq("list", "person", "--db", str(tmp_path / "none.db"), data_dir=tmp_path,
                check=False)
    assert proc.returncode == 2 and "antq init" in proc.stderr
    fresh = tmp_path / "fresh.db"
    copy_database(master_db, fresh)
    proc = antq("add", "person", "full_name=A", "--db", str(fresh), data_dir=tmp_path,
                check=False)
    assert proc.returncode == 2 and "antq init" in proc.stderr


def test_demo_then_search_and_list(tmp_path: Path):
    db = tmp_path / "x.db"
    summary = json.loads(antq("demo", "--db", str(db), "--communes", "2",
                              "--people-per-village", "12", "--json",
                              data_dir=tmp_path).stdout)
    assert summary["person"] > 200 and summary["organization"] > 20
    assert summary["meeting"] > 0 and summary["replication"] > 0 and summary["deed"] > 0
    hits = run_json(db, "search", "nguyen van duc")
    assert hits[0]["title"] == "Nguyễn Văn Đức"
    proc = antq("demo", "--db", str(db), data_dir=tmp_path, check=False)
    assert proc.returncode == 2 and "--replace" in proc.stderr


def test_version_and_help(tmp_path: Path):
    assert antq("--version", data_dir=tmp_path).stdout.startswith("ANTQ Desk ")
    assert "search" in antq("--help", data_dir=tmp_path).stdout


def test_attach_a_scan_to_minutes(db: Path, tmp_path: Path):
    village = run_json(db, "add", "unit", "name=Bản Nậm Pố", "level=village",
                       "parent_id=03160")["id"]
    org = run_json(db, "add", "organization", "name=Tổ bảo vệ ANTT bản Nậm Pố",
                   "org_type=Tổ bảo vệ an ninh, trật tự", f"unit_id={village}")["id"]
    meeting = run_json(db, "add", "meeting", f"organization_id={org}",
                       "title=Sinh hoạt định kỳ", "started_at=08:00 05/01/2026")["id"]
    scan = tmp_path / "bien_ban.jpg"
    scan.write_bytes(b"\xff\xd8 scan")
    run_json(db, "attach", "meeting", meeting, str(scan))
    [att] = run_json(db, "list", "attachment", "--filter", f"owner_id={meeting}")
    assert (att["filename"], att["size"], att["media_type"]) == ("bien_ban.jpg", 7, "image/jpeg")
    # Stored encrypted, under neither its name nor its hash; given back byte for byte.
    [stored] = [p for p in (db.parent / "cli-files").rglob("*") if p.is_file()]
    assert b"scan" not in stored.read_bytes() and att["sha256"] not in str(stored)
    out = tmp_path / "out"
    out.mkdir()
    assert run_json(db, "export-attachment", att["id"], str(out))["file"] == str(
        out / "bien_ban.jpg")
    assert (out / "bien_ban.jpg").read_bytes() == scan.read_bytes()
    stored.write_bytes(stored.read_bytes()[:-1] + b"\0")
    proc = antq("export-attachment", att["id"], str(tmp_path / "again.jpg"), "--db", str(db),
                data_dir=db.parent, check=False)
    assert proc.returncode == 2 and "bien_ban.jpg đã bị hỏng hoặc bị sửa" in proc.stderr
    assert not (tmp_path / "again.jpg").exists()
