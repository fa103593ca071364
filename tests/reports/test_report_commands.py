"""`antq print …`, `antq report --json`, `antq import-roster`, `antq export`, in process."""

from __future__ import annotations

import json

import openpyxl
from conftest import pdf_text

from desktop.cli import main


def _run(capsys, db_path, *args):
    code = main([*args, "--db", str(db_path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_print_and_report(commune, db_path, tmp_path, capsys):
    out = tmp_path / "ds.pdf"
    code, stdout, err = _run(capsys, db_path, "print", "roster", "--org", commune.org,
                             "--public", "--out", str(out))
    assert code == 0, err
    text = pdf_text(out.read_bytes())[0]
    assert "Nguyễn Văn Đức" in text and "011075000321" not in text
    code, _o, err = _run(capsys, db_path, "print", "roster", "--commune", "3160",
                         "--out", str(tmp_path / "xa.pdf"))
    assert code == 0, err
    code, _o, err = _run(capsys, db_path, "print", "minutes", commune.meeting,
                         "--out", str(tmp_path / "bb.pdf"))
    assert code == 0 and "Số: 01/BB-TBV" in pdf_text((tmp_path / "bb.pdf").read_bytes())[0]
    code, _o, err = _run(capsys, db_path, "print", "report", "--unit", "03160", "--period",
                         "2026-H1", "--out", str(tmp_path / "bc.pdf"))
    assert code == 0, err
    code, stdout, err = _run(capsys, db_path, "report", "--unit", "03160", "--from",
                             "01/01/2026", "--to", "30/06/2026", "--json")
    data = json.loads(stdout)
    assert data["period"]["start"] == "2026-01-01" and data["previous"]["end"] == "2025-06-30"
    assert {s["key"]: s["current"] for s in data["summary"]}["members"] == 5
    code, _o, err = _run(capsys, db_path, "report", "--unit", "03160", "--period", "2026-Q5")
    assert code == 2 and "Kỳ báo cáo" in err
    code, _o, err = _run(capsys, db_path, "print", "minutes", "nope", "--out",
                         str(tmp_path / "x.pdf"))
    assert code == 2 and "biên bản họp" in err


def test_import_roster_dry_run_then_valid_only_and_export(commune, db_path, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Thôn/Bản"])
    ws.append([1, "Lò Văn Thắng", "05/03/1985", "Bản Nậm Pố"])
    ws.append([2, "Lò Văn Sai", "32/13/1985", "Bản Nậm Pố"])
    wb.save(tmp_path / "ds.xlsx")
    org = commune.org
    code, stdout, err = _run(capsys, db_path, "import-roster", str(tmp_path / "ds.xlsx"),
                             "--org", org, "--dry-run")
    assert code == 2 and "Dòng 3: Ngày sinh" in stdout and "chưa ghi gì" in stdout
    code, _o, err = _run(capsys, db_path, "import-roster", str(tmp_path / "ds.xlsx"),
                         "--org", org)
    assert code == 2 and "Dòng 3: Ngày sinh" in err and "không nhập dòng nào" in err
    code, stdout, err = _run(capsys, db_path, "import-roster", str(tmp_path / "ds.xlsx"),
                             "--org", org, "--valid-only", "--json")
    assert code == 0 and json.loads(stdout)["result"]["people_added"] == 1
    out = tmp_path / "tv.xlsx"
    code, stdout, err = _run(capsys, db_path, "export", "roster", "--org", org, "--out",
                             str(out))
    assert code == 0, err
    names = [r[1].value for r in openpyxl.load_workbook(out).active.iter_rows(min_row=2)]
    assert "Lò Văn Thắng" in names and len(names) == 6
    code, stdout, err = _run(capsys, db_path, "export", "person", "--filter", "gender=nữ",
                             "--out", str(tmp_path / "p.csv"), "--json")
    assert code == 0 and json.loads(stdout)["rows"] == 2
