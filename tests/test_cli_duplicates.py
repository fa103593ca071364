"""`antq duplicates` (issue 15), run as an officer would: list, merge --keep, dismiss, unmerge;
`antq show person OLD_ID` then shows the survivor."""

from __future__ import annotations

from pathlib import Path

from test_cli import antq, db, run_json  # noqa: F401  (db is a fixture)


def _twins(db: Path) -> tuple[str, str, str]:  # noqa: F811
    village = run_json(db, "add", "unit", "name=Bản Huổi Lếch", "level=village",
                       "parent_id=03160")["id"]
    a = run_json(db, "add", "person", "full_name=Lò Văn Đức", "birth_date=05/03/1985",
                 f"residence_unit_id={village}")["id"]
    b = run_json(db, "add", "person", "full_name=Lo Van Duc", "birth_date=05/03/1985",
                 "phone=0912345678", f"residence_unit_id={village}")["id"]
    return village, a, b


def test_list_merge_show_and_unmerge(db: Path):  # noqa: F811
    village, a, b = _twins(db)
    org = run_json(db, "add", "organization", "name=Tổ tự quản bản Huổi Lếch",
                   "org_type=to_tu_quan", f"unit_id={village}")["id"]
    m = run_json(db, "add", "membership", f"person_id={b}", f"organization_id={org}",
                 "role=thanh_vien")["id"]
    [c] = run_json(db, "duplicates", "list")
    assert {c["a"], c["b"]} == {a, b} and c["score"] == 75 and c["status"] == "open"
    assert {"name", "birth_date", "village"} <= set(c["reasons"])
    text = antq("duplicates", "list", "--db", str(db), data_dir=db.parent).stdout
    assert "Lò Văn Đức · 05/03/1985" in text and "trùng họ tên" in text

    bad = antq("duplicates", "merge", str(c["id"]), "--keep", "nobody", "--db", str(db),
               data_dir=db.parent, check=False)
    assert bad.returncode == 2 and "--keep" in bad.stderr
    merged = run_json(db, "duplicates", "merge", str(c["id"]), "--keep", a)
    assert merged["status"] == "merged" and merged["kept"] == a
    assert run_json(db, "show", "membership", m)["person_id"] == a

    # The old id shows the survivor, with a line saying so.
    shown = run_json(db, "show", "person", b)
    assert shown["id"] == a and shown["merged_from"] == b and shown["phone"] == "0912345678"
    text = antq("show", "person", b, "--db", str(db), data_dir=db.parent).stdout
    assert text.splitlines()[0].startswith(f"Hồ sơ {b} đã được gộp vào hồ sơ {a}")
    # A new record naming the old id names the survivor.
    deed = run_json(db, "add", "deed", f"person_id={b}", "description=Bắt kẻ trộm",
                    "deed_date=2025")["id"]
    assert run_json(db, "show", "deed", deed)["person_id"] == a
    assert run_json(db, "duplicates", "list") == []
    assert [x["id"] for x in run_json(db, "duplicates", "list", "--status", "merged")] == [
        c["id"]]

    run_json(db, "duplicates", "unmerge", str(c["id"]))
    assert run_json(db, "show", "person", b)["id"] == b
    assert run_json(db, "show", "membership", m)["person_id"] == b
    assert [x["status"] for x in run_json(db, "duplicates", "list")] == ["open"]


def test_dismiss_and_refusals(db: Path):  # noqa: F811
    _village, a, b = _twins(db)
    [c] = run_json(db, "duplicates", "list")
    out = antq("duplicates", "dismiss", str(c["id"]), "--db", str(db), data_dir=db.parent)
    assert "không phải một người" in out.stdout
    assert run_json(db, "duplicates", "list") == []
    scan = run_json(db, "duplicates", "scan", "--all")
    assert scan["checked"] >= 2 and scan["found"] == 0
    assert run_json(db, "duplicates", "list") == []  # a dismissed pair never comes back
    for args, said in ((("merge", str(c["id"])), "--keep"),
                       (("merge", "x", "--keep", a), "phải là một số"),
                       (("dismiss",), "cần số của cặp"),
                       (("unmerge", str(c["id"])), "chưa được gộp"),
                       (("dismiss", "99"), "Không có cặp")):
        proc = antq("duplicates", *args, "--db", str(db), data_dir=db.parent, check=False)
        assert proc.returncode == 2 and said in proc.stderr, (args, proc.stderr)
    run_json(db, "duplicates", "reopen", str(c["id"]))
    assert [x["id"] for x in run_json(db, "duplicates", "list")] == [c["id"]]
