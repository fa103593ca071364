"""``antq audit list|verify`` and ``antq erase person ID``, run as a script would (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbkit import copy_database
from test_cli import antq, run_json

from desktop.storage import db as storage_db

CCCD = "011085000123"


@pytest.fixture
def db(tmp_path: Path, master_db: Path) -> Path:
    path = tmp_path / "cli.db"
    copy_database(master_db, path)
    antq("init", "--site-name", "Công an xã Mường Nhé", "--commune-code", "3160",
         "--db", str(path), data_dir=tmp_path)
    return path


def _people(db: Path) -> tuple[str, str]:
    a = run_json(db, "add", "person", "full_name=Nguyễn Văn Đức", f"citizen_id={CCCD}",
                 "ethnicity=Kinh")["id"]
    run_json(db, "edit", "person", a, "phone=0912 345 678")
    b = run_json(db, "add", "person", "full_name=Lò Thị Mai")["id"]
    run_json(db, "delete", "person", b)
    return a, b


def _sql(db: Path, *statements: str) -> None:
    conn = storage_db.open_database(db)
    try:
        for s in statements:
            conn.execute(s)
    finally:
        conn.close()


def test_list_shows_the_log_newest_first_without_sensitive_values(db: Path):
    a, b = _people(db)
    # Every command logs in, and each login is an entry: left out here.
    entries = [e for e in run_json(db, "audit", "list") if e["action"] != "login"]
    assert [(e["action"], e["id"]) for e in entries[:4]] == [
        ("delete", b), ("create", b), ("update", a), ("create", a)]
    assert entries[0]["seq"] > entries[1]["seq"] > entries[2]["seq"]
    assert CCCD not in json.dumps(entries, ensure_ascii=False)
    created = json.loads(entries[3]["new"])
    assert created["full_name"] == "Nguyễn Văn Đức" and created["citizen_id"].startswith("hmac:")
    text = antq("audit", "list", "--limit", "8", "--db", str(db), data_dir=db.parent).stdout
    actions = [line.split("\t")[3] for line in text.splitlines()]
    assert len(actions) == 8 and actions[0] == "Đăng nhập"  # newest: this command's login
    assert [a for a in actions if a != "Đăng nhập"][:2] == ["Xóa", "Thêm"]


def test_list_filters_by_date_and_by_account(db: Path):
    _people(db)
    assert run_json(db, "audit", "list", "--since", "01/01/2100") == []
    assert len(run_json(db, "audit", "list", "--since", "01/01/2020")) >= 4
    actor = run_json(db, "audit", "list", "--limit", "1")[0]["actor"]
    assert {e["actor"] for e in run_json(db, "audit", "list", "--actor", actor)} == {actor}
    assert run_json(db, "audit", "list", "--actor", "không-có-ai") == []
    bad = antq("audit", "list", "--since", "31/02/2026", "--db", str(db), data_dir=db.parent,
               check=False)
    assert bad.returncode == 2 and "--since" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_verify_passes_on_an_intact_log(db: Path):
    _people(db)
    out = run_json(db, "audit", "verify")
    assert out["intact"] is True and out["entries"] == out["head"]["seq"] >= 4
    text = antq("audit", "verify", "--db", str(db), data_dir=db.parent).stdout
    assert "nguyên vẹn" in text


@pytest.mark.parametrize(("tamper", "seq", "words"), [
    (("UPDATE audit_entry SET new = 'Ai khác' WHERE seq = 3",), 3, "đã bị sửa"),
    (("DELETE FROM audit_entry WHERE seq = 3",), 3, "bị mất"),
    (("UPDATE audit_entry SET seq = -1 WHERE seq = 3",
      "UPDATE audit_entry SET seq = 3 WHERE seq = 4",
      "UPDATE audit_entry SET seq = 4 WHERE seq = -1"), 3, "bị đổi thứ tự"),
])
def test_verify_names_the_first_broken_entry_and_exits_2(db: Path, tamper, seq, words):
    _people(db)
    _sql(db, *tamper)
    proc = antq("audit", "verify", "--db", str(db), data_dir=db.parent, check=False)
    assert proc.returncode == 2
    (line,) = proc.stderr.splitlines()
    assert f"mục số {seq} (" in line and words in line
    assert line.startswith("Nhật ký không còn nguyên vẹn")


def test_erase_refuses_a_person_not_deleted_first(db: Path):
    a, _b = _people(db)
    proc = antq("erase", "person", a, "--db", str(db), data_dir=db.parent, check=False)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert "chưa bị xóa" in proc.stderr
    assert run_json(db, "show", "person", a)["full_name"] == "Nguyễn Văn Đức"


def test_erase_blanks_a_deleted_person_and_names_the_backups(db: Path):
    a, _b = _people(db)
    made = run_json(db, "backup")["file"]
    run_json(db, "delete", "person", a)
    result = run_json(db, "erase", "person", a)
    assert made in [b["file"] for b in result["backups"]]
    assert "full_name" in result["fields"] and result["redacted"] >= 3
    shown = run_json(db, "show", "person", a)
    assert shown["full_name"] is None and shown["citizen_id"] is None
    log = json.dumps(run_json(db, "audit", "list"), ensure_ascii=False)
    assert "Nguyễn Văn Đức" not in log and "0912345678" not in log
    assert run_json(db, "audit", "verify")["intact"] is True
    text = antq("erase", "person", a, "--db", str(db), data_dir=db.parent).stdout
    assert "bản sao lưu" in text and Path(made).name in text


def test_exports_and_backups_are_entries(db: Path, tmp_path: Path):
    _people(db)
    out = tmp_path / "nguoi.csv"
    run_json(db, "export", "person", "--out", str(out))
    made = run_json(db, "backup")["file"]
    events = [e for e in run_json(db, "audit", "list") if e["action"] not in (
        "create", "update", "delete", "restore", "login")]
    assert [e["action"] for e in events[:2]] == ["backup", "export"]
    backed, exported = (json.loads(e["new"]) for e in events[:2])
    assert backed == {"file": Path(made).name, "reason": "manual"}
    assert exported["file"] == str(out) and exported["format"] == "csv"
    assert exported["rows"] == 1 and events[1]["actor"] == events[0]["actor"]
    assert run_json(db, "audit", "verify")["intact"] is True


def test_a_bulk_add_is_one_line_and_shows_record_by_record(db: Path):
    """Format 3: the creates of one write are one entry; ``list`` says how many and their
    numbers, ``--json`` lists their ids, ``show N`` reads them back one by one."""
    from desktop.storage.writer import Store

    conn = storage_db.open_database(db)
    try:
        ids = Store(conn, actor="cán bộ Mai").add_many("person", [
            {"full_name": n} for n in ("Lò Văn Ấn", "Giàng Thị Dợ", "Vàng A Páo")])
    finally:
        conn.close()
    [batch] = [e for e in run_json(db, "audit", "list") if e["records"] > 1]
    first = batch["seq"]
    assert (batch["action"], batch["table"], batch["id"], batch["ids"]) == (
        "create", "person", None, ids)
    text = antq("audit", "list", "--actor", "cán bộ Mai", "--db", str(db),
                data_dir=db.parent).stdout
    [line] = text.splitlines()
    assert line.split("\t")[3:5] == ["Thêm", "Người"]
    assert f"3 bản ghi, mục số {first}–{first + 2}" in line
    assert f"antq audit show {first}" in line
    shown = antq("audit", "show", str(first + 1), "--db", str(db), data_dir=db.parent
                 ).stdout.splitlines()
    assert shown[0].startswith(f"{first}–{first + 2}\t")
    assert [r.split("\t")[0] for r in shown[1:]] == [str(first + i) for i in range(3)]
    assert [r.split("\t")[5] for r in shown[1:]] == ids
    assert "Giàng Thị Dợ" in shown[2]
    out = run_json(db, "audit", "show", str(first))
    assert [e["id"] for e in out["entries"]] == ids
    assert json.loads(out["entries"][0]["new"])["full_name"] == "Lò Văn Ấn"
    missing = antq("audit", "show", "999999", "--db", str(db), data_dir=db.parent,
                   check=False)
    assert missing.returncode == 2 and "999999" in missing.stderr
