"""`antq add|list|show tip`, a commune marked remote by its code, `antq tips overdue`,
`antq print tips` and `antq export tip`: the same functions as the window."""

from __future__ import annotations

import subprocess

from clikit import run_json as run

from desktop import cli

COMMUNE = "03160"


def test_a_tip_from_the_command_line(commune_db, capsys, tmp_path):
    path = commune_db
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
