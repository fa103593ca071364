"""`antq add|list|show tip`, a commune marked remote by its code, `antq tips overdue`,
`antq print tips` and `antq export tip`: the same functions as the window."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from dbkit import copy_database

from desktop import cli
from desktop.storage import db, site

COMMUNE = "03160"


@pytest.fixture
def path(master_db: Path, tmp_path: Path) -> Path:
    p = copy_database(master_db, tmp_path / "xa.db")
    conn = db.open_database(p)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code=COMMUNE)
    conn.close()
    return p


def run(path: Path, capsys, *args: str) -> object:
    capsys.readouterr()
    assert cli.main([*args, "--db", str(path), "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_a_tip_from_the_command_line(path, capsys, tmp_path):
    tip = run(path, capsys, "add", "tip", "received_at=08:30 20/11/2020", "channel=dien thoai",
              "category=Trộm cắp", f"unit_id={COMMUNE}", "summary=Mất trộm trâu ở bản Pá Lùng")
    shown = run(path, capsys, "show", "tip", tip["id"])
    assert shown["source_code"] == "NT-2020-0001" and shown["channel"] == "dien_thoai"
    (listed,) = run(path, capsys, "list", "tip")
    assert listed["id"] == tip["id"]
    (late,) = run(path, capsys, "tips", "overdue", "--unit", COMMUNE)
    assert late["source_code"] == "NT-2020-0001" and late["deadline"] == "2020-11-21T08:30"

    run(path, capsys, "edit", "unit", COMMUNE, "remote=có")  # 48 hours now
    (late,) = run(path, capsys, "tips", "overdue")
    assert late["deadline"] == "2020-11-22T08:30"

    # Transferred before it was received: one line naming the field, exit 2.
    capsys.readouterr()
    assert cli.main(["edit", "tip", tip["id"], "transferred_at=08:00 20/11/2020",
                     "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("Thời điểm chuyển Cơ quan điều tra" in err[0]
                              or "transferred_at" in err[0])
    run(path, capsys, "edit", "tip", tip["id"], "transferred_at=09:00 21/11/2020",
        "transferred_to=Cơ quan CSĐT Công an tỉnh")
    assert run(path, capsys, "tips", "overdue") == []

    pdf = tmp_path / "tips.pdf"
    run(path, capsys, "print", "tips", "--unit", COMMUNE, "--period", "2020", "--out", str(pdf))
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert "NT-2020-0001" in words and "Pá Lùng" in words and "DANH SÁCH" in words
    out = tmp_path / "tips.csv"
    assert run(path, capsys, "export", "tip", "--out", str(out))["rows"] == 1
    assert "NT-2020-0001" in out.read_text("utf-8-sig")
