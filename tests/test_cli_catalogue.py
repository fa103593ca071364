"""`antq add catalogue` at the province: the code is made from the name, as the window's
Danh mục editor does."""

from __future__ import annotations

import json
from pathlib import Path

from dbkit import copy_database
from test_cli import antq


def test_a_catalogue_item_added_without_a_code_gets_one_from_its_name(tmp_path: Path,
                                                                       master_db: Path):
    db = tmp_path / "tinh.db"
    copy_database(master_db, db)
    antq("init", "--site-name", "Công an tỉnh Điện Biên", "--province-code", "11",
         "--db", str(db), data_dir=tmp_path)

    def run(*args: str) -> dict:
        return json.loads(antq(*args, "--db", str(db), "--json", data_dir=tmp_path).stdout)

    added = [run("add", "catalogue", "catalogue=ethnicity", "name=Tày Nùng Mới")["id"]
             for _ in range(2)]
    assert [run("show", "catalogue", i)["code"] for i in added] == [
        "tay_nung_moi", "tay_nung_moi_2"]
    given = run("add", "catalogue", "catalogue=ethnicity", "name=Khác nữa", "code=khac_2")["id"]
    assert run("show", "catalogue", given)["code"] == "khac_2"


def test_a_catalogue_items_attributes_are_checked_as_the_window_checks_them(tmp_path: Path,
                                                                          master_db: Path):
    """The rule of desktop/domain/catalogue_attrs.py, named by the attribute's label; an
    attribute the program does not know passes and is kept."""
    db = tmp_path / "tinh.db"
    copy_database(master_db, db)
    antq("init", "--site-name", "Công an tỉnh Điện Biên", "--province-code", "11",
         "--db", str(db), data_dir=tmp_path)
    bad = antq("add", "catalogue", "catalogue=org_type", "name=Tổ mới",
               'attrs={"min_age": "mười tám"}', "--db", str(db), data_dir=tmp_path, check=False)
    assert bad.returncode != 0
    assert "Tuổi tối thiểu của thành viên" in bad.stderr + bad.stdout
    good = json.loads(antq("add", "catalogue", "catalogue=org_type", "name=Tổ mới",
                           'attrs={"min_age": 18, "rieng": [1]}', "--db", str(db), "--json",
                           data_dir=tmp_path).stdout)
    shown = json.loads(antq("show", "catalogue", good["id"], "--db", str(db), "--json",
                            data_dir=tmp_path).stdout)
    assert json.loads(shown["attrs"]) == {"min_age": 18, "rieng": [1]}
